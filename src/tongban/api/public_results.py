"""``publicResults``: approved results of public matters (结果公示), for anyone, no token.

The same search is served as ``GET /public/results`` (``web/public_results.py``) for portals and
caches; both read through ``supervision.public_results``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from tongban.api.context import Info
from tongban.api.pagination import After, Before, Connection, First, Last, connection, encode_cursor
from tongban.supervision import public_results as service

SCOPE = "public-results"
KEY_TYPE = tuple[datetime, str]


@strawberry.input(description="Public results search; all optional, combined with AND.")
class PublicResultFilter:
    keyword: str | None = strawberry.field(
        default=None,
        description="Part of an organisation holder's name, the matter's name or the result "
        "number (persons' names are not searchable: they are published masked).",
    )
    matter_code: str | None = strawberry.field(default=None, description="This matter.")
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Decided by this department."
    )
    region_code: str | None = strawberry.field(
        default=None, description="Handled in this region or any region below it."
    )
    start: date | None = strawberry.field(
        default=None, name="from", description="Decided on or after this day."
    )
    end: date | None = strawberry.field(
        default=None, name="to", description="Decided on or before this day."
    )


@strawberry.type(description="An approved result as published (结果公示).")
class PublicResult:
    holder_name: str = strawberry.field(
        description="The holder: an organisation's full name, a person's masked (张*明)."
    )
    result_number: str | None = strawberry.field(
        description="The number of the licence or decision issued."
    )
    matter_code: str = strawberry.field(description="The matter's code.")
    matter_name: str = strawberry.field(description="The matter's name.")
    department_id: strawberry.ID = strawberry.field(description="The deciding department.")
    department_name: str = strawberry.field(description="The deciding department's name.")
    decided_on: date = strawberry.field(description="Day of the decision (local time).")

    @classmethod
    def from_domain(cls, p: service.Published) -> PublicResult:
        return cls(
            holder_name=p.holder_name,
            result_number=p.result_number,
            matter_code=p.matter_code,
            matter_name=p.matter_name,
            department_id=strawberry.ID(p.department_id),
            department_name=p.department_name,
            decided_on=p.decided_on,
        )


def checked(f: PublicResultFilter | None, timezone: str) -> service.PublicResultFilter:
    f = f or PublicResultFilter()
    return service.public_filter(
        keyword=f.keyword,
        matter_code=f.matter_code,
        department_id=None if f.department_id is None else str(f.department_id),
        region_code=f.region_code,
        start=f.start,
        end=f.end,
        timezone=timezone,
    )


@strawberry.type
class PublicResultsQuery:
    @strawberry.field(
        description="Approved results of matters that publish them (结果公示), newest decision "
        "first; public. A revoked or confidential case never appears."
    )
    async def public_results(
        self,
        info: Info,
        filter: Annotated[
            PublicResultFilter | None, strawberry.argument(description="Search.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PublicResult]:
        timezone = info.context.settings.timezone
        search = checked(filter, timezone)
        page = info.context.page(first=first, after=after, last=last, before=before)
        window = page.window(KEY_TYPE, SCOPE)
        found = await info.context.read(
            lambda c: service.search(c, filter=search, window=window, timezone=timezone)
        )
        return connection(
            found,
            page,
            node=PublicResult.from_domain,
            cursor=lambda p: encode_cursor(list(p.position), SCOPE),
            counter=info.context.counter(lambda c: service.count(c, filter=search)),
        )
