"""GraphQL: background exports (导出) — ask for one, watch its progress, download it."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from tongban.api.case_list import CaseFilter, domain_filter
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.errors import UserError, user_errors
from tongban.api.supervision_figures import DepartmentRankingOrder, FigurePeriod, RatingGrouping
from tongban.cases import downloads
from tongban.cases.types import CaseFilter as DomainCaseFilter
from tongban.errors import DomainError, NotFoundError, ValidationError
from tongban.exports import service
from tongban.exports import tasks as export_tasks
from tongban.exports import types as domain
from tongban.identifiers import validate_region_code
from tongban.logs import request_id_var


@strawberry.enum(description="What an export holds.")
class ExportKind(Enum):
    CASES = strawberry.enum_value("cases", description="Your case list (filter.cases).")
    SUPERVISION = strawberry.enum_value(
        "supervision", description="supervisionFigures (filter.figures)."
    )
    RATINGS = strawberry.enum_value("ratings", description="ratingFigures (filter.figures).")
    DEPARTMENT_RANKING = strawberry.enum_value(
        "department_ranking", description="departmentRanking (filter.figures)."
    )
    MATTER_RANKING = strawberry.enum_value(
        "matter_ranking", description="matterRanking (filter.figures)."
    )


@strawberry.enum(description="The file format of an export.")
class ExportFormat(Enum):
    CSV = strawberry.enum_value("csv", description="CSV, UTF-8 with a byte-order mark (Excel).")
    XLSX = strawberry.enum_value("xlsx", description="An Excel workbook.")


@strawberry.enum(description="Where a background export is.")
class ExportJobState(Enum):
    QUEUED = strawberry.enum_value("queued", description="Waiting for a worker.")
    RUNNING = strawberry.enum_value("running", description="Being written (see rowsDone).")
    DONE = strawberry.enum_value("done", description="Ready: see downloadUrl.")
    FAILED = strawberry.enum_value("failed", description="Could not be written: see error.")


@strawberry.input(description="The arguments of the figure query the export repeats.")
class FigureExportFilter:
    start: date = strawberry.field(name="from", description="First local day.")
    end: date = strawberry.field(name="to", description="Last local day.")
    region_code: str | None = strawberry.field(
        default=None, description="Region subtree (default: your own region)."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this department (ratings)."
    )
    matter_code: str | None = strawberry.field(
        default=None, description="Only this matter (ratings)."
    )
    group_by: RatingGrouping = strawberry.field(
        default=RatingGrouping.DEPARTMENT,
        description="Grouping (supervision: DEPARTMENT or REGION).",
    )
    period: FigurePeriod = strawberry.field(
        default=FigurePeriod.NONE, description="Time series step."
    )
    by: DepartmentRankingOrder = strawberry.field(
        default=DepartmentRankingOrder.OVERDUE_COUNT, description="Ranked by (departmentRanking)."
    )
    first: int = strawberry.field(default=100, description="Rows of a ranking (1–100).")


@strawberry.input(description="What to export: `cases` for CASES, `figures` for the others.")
class ExportFilter:
    cases: CaseFilter | None = strawberry.field(default=None, description="The case-list search.")
    figures: FigureExportFilter | None = strawberry.field(
        default=None, description="The figure query's arguments."
    )


@strawberry.type(description="A background export, visible to whoever asked for it.")
class ExportJob:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ExportKind = strawberry.field(description="What it holds.")
    format: ExportFormat = strawberry.field(description="CSV or XLSX.")
    state: ExportJobState = strawberry.field(description="Queued, running, done or failed.")
    rows_done: int = strawberry.field(description="Rows written so far.")
    rows_total: int | None = strawberry.field(description="Rows it will hold, once counted.")
    error: str | None = strawberry.field(description="Why it failed.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    finished_at: datetime | None = strawberry.field(description="When it was done or failed.")
    download_url: str | None = strawberry.field(
        description="A short-lived link to the file (TONGBAN_DOWNLOAD_URL_SECONDS), when done; "
        "only for whoever asked for it. Ask again for a fresh link."
    )


@strawberry.type(description="Result of startExport.")
class StartExportPayload:
    export_job: ExportJob | None = strawberry.field(description="The queued export.")
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


def _view(info: Info, job: domain.ExportJob) -> ExportJob:
    mine = job.principal_id == info.context.principal.subject
    url = None
    if job.state == "done" and mine:
        # A link expires in real time (browsers and proxies), not on the platform clock.
        url = downloads.signed_path(info.context.settings, job.id, now=time.time(), kind="export")
    return ExportJob(
        id=strawberry.ID(job.id),
        kind=ExportKind(job.kind),
        format=ExportFormat(job.format),
        state=ExportJobState(job.state),
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        download_url=url,
    )


def _filter(
    info: Info, kind: str, given: ExportFilter | None
) -> DomainCaseFilter | domain.FigureFilter:
    principal = info.context.principal
    if kind == "cases":
        wanted = given.cases if given is not None else None
        return domain_filter(
            wanted, principal, timezone=info.context.settings.timezone, state=None, matter_code=None
        )
    f = given.figures if given is not None else None
    if f is None:
        raise ValidationError(
            "a figure export needs filter.figures",
            field="filter.figures",
            problem="EXPORT_PERIOD_MISSING",
        )
    return domain.FigureFilter(
        start=f.start,
        end=f.end,
        region_code=None if f.region_code is None else validate_region_code(f.region_code),
        department_id=None if f.department_id is None else str(f.department_id),
        matter_code=f.matter_code,
        group_by=raw(f.group_by),
        period=raw(f.period),
        by=raw(f.by),
        first=f.first,
    )


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        description="Export a case list or a figure table in the background (for any size; "
        "the HTTP exports refuse case lists of more than TONGBAN_EXPORT_SYNC_MAX_ROWS rows). "
        "Watch it with exportJob; the same visibility, masking and access records as the "
        "list or figures themselves."
    )
    async def start_export(
        self,
        info: Info,
        kind: Annotated[ExportKind, strawberry.argument(description="What to export.")],
        format: Annotated[ExportFormat, strawberry.argument(description="CSV or XLSX.")],
        filter: Annotated[
            ExportFilter | None, strawberry.argument(description="The search or arguments.")
        ] = None,
    ) -> StartExportPayload:
        principal = info.context.require_signed_in()
        try:
            checked_kind, checked_format = service.check_kind(raw(kind), raw(format))
            search = _filter(info, checked_kind, filter)
            async with info.context.transaction() as conn:
                job_id = await service.start_export(
                    conn,
                    principal,
                    kind=checked_kind,
                    format=checked_format,
                    filter=search,
                    settings=info.context.settings,
                    now=info.context.clock.now,
                    request_id=request_id_var.get(),
                    client_address=info.context.client_address,
                )
                job = await service.job_for(conn, principal, job_id=job_id)
        except DomainError as exc:
            return StartExportPayload(export_job=None, user_errors=user_errors(exc))
        if info.context.arq is not None:
            # After commit; when Redis is away, exports.sweep enqueues it later.
            try:
                await export_tasks.enqueue(info.context.arq, job_id)
            except Exception:
                logging.getLogger(__name__).warning("export job not enqueued", exc_info=True)
        return StartExportPayload(export_job=_view(info, job), user_errors=[])


@strawberry.type
class ExportQuery:
    @strawberry.field(
        description="A background export you asked for (administrators: any), with its "
        "progress and, when done, the link to its file; null for anyone else's."
    )
    async def export_job(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")]
    ) -> ExportJob | None:
        principal = info.context.require_signed_in()
        try:
            job = await info.context.read(lambda c: service.job_for(c, principal, job_id=str(id)))
        except NotFoundError:
            return None
        return _view(info, job)
