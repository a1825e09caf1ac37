"""``GET /cases/export.csv``: an officer's case list as CSV (办件导出), searched like ``cases``
(same visibility, same filter names), streamed page by page. Personal data is whole only on
cases the officer works on, and those rows are recorded in the personal-data access log
(channel ``export``) before each page is sent; if a record fails the download stops there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

import strawberry
from litestar import Request, get
from litestar.datastructures import State
from litestar.params import QueryParameter
from litestar.response import Response

from tongban.api.case_list import CaseFilter, DateRange, domain_filter
from tongban.auth.types import Principal
from tongban.cases import export
from tongban.cases.types import CaseFilter as DomainCaseFilter
from tongban.errors import DomainError
from tongban.exports import writers
from tongban.logs import request_id_var
from tongban.web.errors import csv_attachment, day, refusal, signed_in

Text = Annotated[str | None, QueryParameter()]


async def _csv(
    state: State, principal: Principal, search: DomainCaseFilter, client: str | None
) -> AsyncIterator[bytes]:
    async with state.pool.acquire() as conn:
        pages = export.export_rows(
            conn,
            principal,
            filter=search,
            now=state.clock.now,
            request_id=request_id_var.get(),
            client_address=client,
        )
        async for chunk in writers.csv_pages(export.HEADER, pages):
            yield chunk


def _range(start: date | None, end: date | None) -> DateRange | None:
    return None if start is None and end is None else DateRange(start=start, end=end)


@get("/cases/export.csv", include_in_schema=False)
async def export_cases(
    request: Request[Any, Any, Any],
    state: State,
    number_prefix: Annotated[str | None, QueryParameter(name="numberPrefix")] = None,
    applicant_name: Annotated[str | None, QueryParameter(name="applicantName")] = None,
    applicant_id_number: Annotated[str | None, QueryParameter(name="applicantIdNumber")] = None,
    applicant_mobile: Annotated[str | None, QueryParameter(name="applicantMobile")] = None,
    applicant_credit_code: Annotated[str | None, QueryParameter(name="applicantCreditCode")] = None,
    department_id: Annotated[str | None, QueryParameter(name="departmentId")] = None,
    region_code: Annotated[str | None, QueryParameter(name="regionCode")] = None,
    received_from: Annotated[str | None, QueryParameter(name="receivedFrom")] = None,
    received_to: Annotated[str | None, QueryParameter(name="receivedTo")] = None,
    matter_code: Annotated[str | None, QueryParameter(name="matterCode")] = None,
    keyword: Text = None,
) -> Response[Any]:
    """The officer's cases as CSV, newest received first (refusals as typed JSON errors)."""
    try:
        principal = signed_in(request)
        export.require_officer(principal)
        wanted = CaseFilter(
            number_prefix=number_prefix,
            applicant_name=applicant_name,
            applicant_id_number=applicant_id_number,
            applicant_mobile=applicant_mobile,
            applicant_credit_code=applicant_credit_code,
            department_id=None if department_id is None else strawberry.ID(department_id),
            region_code=region_code,
            received_on=_range(day(received_from, "receivedFrom"), day(received_to, "receivedTo")),
            matter_code=matter_code,
            keyword=keyword,
        )
        search = domain_filter(
            wanted, principal, timezone=state.settings.timezone, state=None, matter_code=None
        )
    except DomainError as exc:
        return refusal(exc)
    client = request.client.host if request.client else None
    return csv_attachment(_csv(state, principal, search, client), "cases.csv")
