"""``GET /public/results``: public results (结果公示) as JSON for portals, browsers and caches.

The same search as the GraphQL ``publicResults`` query, served as a plain GET because a result
list everybody reads alike is what HTTP caches are for: the URL alone names the answer, so a
CDN or the portal's proxy keys on it, while a GraphQL GET would need its operation analysed per
request to tell a public answer from a personal one. The answer carries
``Cache-Control: public, max-age=TONGBAN_PUBLIC_CACHE_SECONDS`` and a strong ETag of its body;
``If-None-Match`` with that tag answers 304 without the body. Anonymous callers are limited per
address like ``/graphql`` (``TONGBAN_RATE_LIMIT_ANONYMOUS``).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.datastructures import State
from litestar.params import QueryParameter
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.api.pagination import encode_cursor, page_request
from tongban.api.public_results import KEY_TYPE, SCOPE
from tongban.errors import DomainError
from tongban.supervision import public_results as service
from tongban.web.errors import day

Text = Annotated[str | None, QueryParameter()]


def _body(found: list[service.Published], size: int, more: bool) -> dict[str, Any]:
    rows = found[:size]
    return {
        "results": [
            {
                "holderName": p.holder_name,
                "resultNumber": p.result_number,
                "matter": {"code": p.matter_code, "name": p.matter_name},
                "department": {"id": p.department_id, "name": p.department_name},
                "decidedOn": p.decided_on.isoformat(),
            }
            for p in rows
        ],
        "pageInfo": {
            "hasNextPage": more,
            "endCursor": encode_cursor(list(rows[-1].position), SCOPE) if rows else None,
        },
    }


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@get("/public/results", include_in_schema=False)
async def public_results(
    request: Request[Any, Any, Any],
    state: State,
    keyword: Text = None,
    matter_code: Annotated[str | None, QueryParameter(name="matterCode")] = None,
    department_id: Annotated[str | None, QueryParameter(name="departmentId")] = None,
    region_code: Annotated[str | None, QueryParameter(name="regionCode")] = None,
    start: Annotated[str | None, QueryParameter(name="from")] = None,
    end: Annotated[str | None, QueryParameter(name="to")] = None,
    first: Annotated[int | None, QueryParameter()] = None,
    after: Text = None,
) -> Response[Any]:
    """One page of public results, newest decision first; refusals as typed JSON errors."""
    settings = state.settings
    try:
        search = service.public_filter(
            keyword=keyword,
            matter_code=matter_code,
            department_id=department_id,
            region_code=region_code,
            start=day(start, "from"),
            end=day(end, "to"),
            timezone=settings.timezone,
            prefix="",
        )
        page = page_request(
            first=first, after=after, last=None, before=None, maximum=settings.graphql_max_page_size
        )
        window = page.window(KEY_TYPE, SCOPE)
        async with state.pool.acquire() as conn:
            found = await service.search(
                conn, filter=search, window=window, timezone=settings.timezone
            )
    except DomainError as exc:
        return Response(graphql_error_body(exc), status_code=400)
    body = msgspec.json.encode(_body(found, page.size, len(found) > page.size))
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {
        "etag": etag,
        "cache-control": f"public, max-age={settings.public_cache_seconds}",
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
