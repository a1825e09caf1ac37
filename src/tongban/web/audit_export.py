"""The personal-data access log as CSV (``GET /audit/pii-access.csv``): the same filter and
the same visibility as ``piiAccessLog``, streamed from a server-side cursor so a year of the
province's log leaves in constant memory. Signed-in supervisors and administrators only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import strawberry
from litestar import Request, get
from litestar.datastructures import State
from litestar.params import QueryParameter
from litestar.response import Response

from tongban.api.pii_audit import PiiAccessFilter, access_filter
from tongban.audit import service
from tongban.audit.types import AccessFilter, AccessRecord
from tongban.auth.types import Principal
from tongban.errors import DomainError
from tongban.exports import writers
from tongban.web.errors import csv_attachment, day, refusal, signed_in

HEADER = (
    "at",
    "officer_id",
    "officer_name",
    "officer_roles",
    "department_id",
    "case_number",
    "applicant_id",
    "fields",
    "channel",
    "request_id",
    "client_address",
)
_BATCH = 200


def _row(r: AccessRecord) -> tuple[str, ...]:
    return (
        r.at.isoformat(),
        r.officer_id or "",
        r.officer_name,
        " ".join(r.officer_roles),
        r.department_id or "",
        r.case_number,
        r.applicant_id,
        " ".join(r.fields),
        r.channel,
        r.request_id or "",
        r.client_address or "",
    )


async def _csv(state: State, principal: Principal, search: AccessFilter) -> AsyncIterator[bytes]:
    async with state.pool.acquire() as conn, conn.transaction(readonly=True):

        async def pages() -> AsyncIterator[list[tuple[str, ...]]]:
            page: list[tuple[str, ...]] = []
            async for record in service.export_access_log(conn, principal, filter=search):
                page.append(_row(record))
                if len(page) == _BATCH:
                    yield page
                    page = []
            yield page

        async for chunk in writers.csv_pages(HEADER, pages()):
            yield chunk


@get("/audit/pii-access.csv", include_in_schema=False)
async def export_pii_access(
    request: Request[Any, Any, Any],
    state: State,
    case_number: Annotated[str | None, QueryParameter(name="caseNumber")] = None,
    principal_id: Annotated[str | None, QueryParameter(name="principalId")] = None,
    department_id: Annotated[str | None, QueryParameter(name="departmentId")] = None,
    start: Annotated[str | None, QueryParameter(name="from")] = None,
    end: Annotated[str | None, QueryParameter(name="to")] = None,
) -> Response[Any]:
    """The access log as CSV, newest first (refusals come as the API's typed JSON errors)."""
    try:
        principal = signed_in(request)
        service.oversight_region(principal)
        search = access_filter(
            PiiAccessFilter(
                case_number=case_number,
                principal_id=None if principal_id is None else strawberry.ID(principal_id),
                department_id=None if department_id is None else strawberry.ID(department_id),
                start=day(start, "from"),
                end=day(end, "to"),
            ),
            state.settings.timezone,
        )
    except DomainError as exc:
        return refusal(exc)
    return csv_attachment(_csv(state, principal, search), "pii-access.csv")
