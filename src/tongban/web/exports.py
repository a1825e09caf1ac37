"""Exports over HTTP: ``GET /exports/cases.{csv,xlsx}`` (the case list, with the ``cases``
filter names) and ``GET /exports/figures/{supervision,ratings,department-ranking,
matter-ranking}.{csv,xlsx}`` (with the figure queries' argument names), streamed; and
``GET /files/exports/{id}``, a finished background export through its signed link.

Bearer-authenticated, with the visibility, masking and personal-data access records of the
same data in GraphQL. A case list longer than ``TONGBAN_EXPORT_SYNC_MAX_ROWS`` is refused with
409 ``EXPORT_TOO_LARGE`` before a byte is sent: the answer names ``startExport``, which writes
it in the background. Figure tables are bounded (groups × periods) and always stream."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from enum import Enum
from typing import Any

import asyncpg
from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response, Stream

from tongban.api.case_list import CaseFilter, DateRange, domain_filter
from tongban.api.supervision import FigureGrouping
from tongban.api.supervision_figures import DepartmentRankingOrder, FigurePeriod, RatingGrouping
from tongban.auth.types import Principal
from tongban.cases import downloads
from tongban.cases.types import CaseFilter as DomainCaseFilter
from tongban.errors import (
    DomainError,
    NotFoundError,
    ValidationError,
)
from tongban.exports import service, writers
from tongban.exports.types import FigureFilter, Format, Kind, Table
from tongban.identifiers import is_uuid, validate_region_code
from tongban.logs import request_id_var
from tongban.web.errors import day, refusal, signed_in

_FIGURES: dict[str, Kind] = {
    "supervision": "supervision",
    "ratings": "ratings",
    "department-ranking": "department_ranking",
    "matter-ranking": "matter_ranking",
}
_GROUPINGS: dict[Kind, type[Enum]] = {"supervision": FigureGrouping, "ratings": RatingGrouping}


def _split(file: str, names: Mapping[str, Kind]) -> tuple[Kind, Format]:
    name, _, suffix = file.rpartition(".")
    if name not in names:
        raise NotFoundError("no such export", problem="EXPORT_KIND_UNKNOWN")
    return service.check_kind(names[name], suffix)


def _enum(kind: type[Enum], value: str | None, field: str, default: str) -> str:
    """A GraphQL enum's value, given by its name (``ON_TIME_RATE``) or value (``on_time_rate``)."""
    if value is None:
        return default
    for member in kind:
        if value in (member.name, member.value):
            return str(member.value)
    raise ValidationError(f"not a {kind.__name__}", field=field, problem="EXPORT_ARGUMENT")


def figure_filter(kind: Kind, q: Mapping[str, str]) -> FigureFilter:
    """The figure query's arguments, from the query string (same names as in GraphQL)."""
    start, end = day(q.get("from"), "from"), day(q.get("to"), "to")
    if start is None or end is None:
        raise ValidationError("give from and to", field="from", problem="EXPORT_PERIOD_MISSING")
    department = q.get("departmentId")
    if department is not None and not is_uuid(department):
        raise ValidationError("not an id", field="departmentId", problem="INVALID_ID")
    first = q.get("first", "100")
    if not first.isdigit():
        raise ValidationError("a whole number", field="first", problem="EXPORT_ARGUMENT")
    region = q.get("regionCode")
    return FigureFilter(
        start=start,
        end=end,
        region_code=None if region is None else validate_region_code(region),
        department_id=department,
        matter_code=q.get("matterCode"),
        group_by=_enum(
            _GROUPINGS.get(kind, RatingGrouping), q.get("groupBy"), "groupBy", "department"
        ),
        period=_enum(FigurePeriod, q.get("period"), "period", "none"),
        by=_enum(DepartmentRankingOrder, q.get("by"), "by", "overdue"),
        first=int(first),
    )


def case_filter(principal: Principal, q: Mapping[str, str], timezone: str) -> DomainCaseFilter:
    """The case list's filter, from the query string (the ``cases`` filter names)."""
    start, end = day(q.get("receivedFrom"), "receivedFrom"), day(q.get("receivedTo"), "receivedTo")
    wanted = CaseFilter(
        number_prefix=q.get("numberPrefix"),
        applicant_name=q.get("applicantName"),
        applicant_id_number=q.get("applicantIdNumber"),
        applicant_mobile=q.get("applicantMobile"),
        received_on=None if start is None and end is None else DateRange(start=start, end=end),
        matter_code=q.get("matterCode"),
        keyword=q.get("keyword"),
    )
    return domain_filter(wanted, principal, timezone=timezone, state=None, matter_code=None)


def _chunks(table: Table, format: Format) -> AsyncIterator[bytes]:
    return writers.csv_chunks(table) if format == "csv" else writers.xlsx_chunks(table)


async def _streamed(
    state: State, build: Callable[[asyncpg.Connection], Awaitable[Table]], format: Format
) -> AsyncIterator[bytes]:
    """The case list read on a connection of its own, taken when the body is first pulled and
    returned when it ends (or the client goes away): nothing is held for a body never sent."""
    async with state.pool.acquire() as conn:
        async for chunk in _chunks(await build(conn), format):
            yield chunk


async def _stream(
    request: Request[Any, Any, Any], state: State, kind: Kind, format: Format, q: Mapping[str, str]
) -> Response[Any]:
    """Refusals (token, filter, roles, region, size) are answered before the body starts."""
    client = request.client.host if request.client else None
    request_id = request_id_var.get()
    try:
        principal = signed_in(request)
        search: DomainCaseFilter | FigureFilter = (
            case_filter(principal, q, state.settings.timezone)
            if kind == "cases"
            else figure_filter(kind, q)
        )

        async def build(conn: asyncpg.Connection) -> Table:
            return await service.build_table(
                conn,
                principal,
                kind=kind,
                filter=search,
                settings=state.settings,
                now=state.clock.now,
                request_id=request_id,
                client_address=client,
            )

        async with state.pool.acquire() as conn:
            table = await build(conn)
        if kind == "cases":
            await table.pages.aclose()  # type: ignore[attr-defined]  # not started: no row read
            service.check_sync_size(table, state.settings)
    except DomainError as exc:
        return refusal(exc)
    # Figure tables are computed whole already; a case list is read page by page as it goes.
    body = _streamed(state, build, format) if kind == "cases" else _chunks(table, format)
    return Stream(
        body,
        media_type=writers.MEDIA_TYPES[format],
        headers={
            "content-disposition": f'attachment; filename="{table.name}.{format}"',
            "cache-control": "private, no-store",
        },
    )


@get(["/exports/cases.csv", "/exports/cases.xlsx"], include_in_schema=False)
async def export_case_list(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """The officer's case list, newest received first."""
    format: Format = "xlsx" if request.url.path.endswith(".xlsx") else "csv"
    return await _stream(request, state, "cases", format, dict(request.query_params))


@get("/exports/figures/{file:str}", include_in_schema=False)
async def export_figures(file: str, request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """A figure table: supervision, ratings, department-ranking or matter-ranking."""
    try:
        kind, format = _split(file, _FIGURES)
    except DomainError as exc:
        return refusal(exc)
    return await _stream(request, state, kind, format, dict(request.query_params))


@get("/files/exports/{job_id:str}", include_in_schema=False)
async def download_export(
    job_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A finished background export through its signed link (ExportJob.downloadUrl)."""
    try:
        if not is_uuid(job_id):
            raise NotFoundError("no such export", problem="EXPORT_NOT_FOUND")
        # A link expires in real time, whatever the platform clock reads.
        downloads.check_link(
            state.settings,
            "export",
            job_id,
            expires=expires,
            signature=signature,
            now=time.time(),
            by="",
        )
        async with state.pool.acquire() as conn:
            job = await service.finished_job(conn, job_id=job_id)
        data = await state.blobs.get(job.blob_key)
    except DomainError as exc:
        return refusal(exc)
    return Response(
        data,
        media_type=writers.MEDIA_TYPES[job.format],
        headers={
            "content-disposition": f'attachment; filename="{job.kind.replace("_", "-")}.{job.format}"',
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )
