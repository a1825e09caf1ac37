"""Exports as use cases: building the table an export asks for, the background export jobs
(asked for, run by the system worker group, watched and downloaded by the requester).

A job runs with the rights its requester's token carried when it was asked for (kept on the
row): the same visibility, masking and personal-data access records as the same export over
HTTP. The row is the truth, arq a trigger: a job delivered twice, or cut by a worker restart,
starts its file over and ends with the same content; one already done or failed does nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

import asyncpg
import msgspec

from tongban.auth.status import OfficerStatus
from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.cases.types import CaseFilter
from tongban.config import Settings
from tongban.errors import ConflictError, DomainError, NotFoundError, ValidationError
from tongban.exports import repository as repo
from tongban.exports import tables, writers
from tongban.exports.types import FORMATS, KINDS, ExportJob, FigureFilter, Format, Kind, Table
from tongban.identifiers import is_uuid


def check_kind(kind: str, format: str) -> tuple[Kind, Format]:
    if kind not in KINDS:
        raise ValidationError(f"no export {kind!r}", field="kind", problem="EXPORT_KIND_UNKNOWN")
    if format not in FORMATS:
        raise ValidationError(
            "exports are CSV or XLSX", field="format", problem="EXPORT_FORMAT_UNKNOWN"
        )
    return kind, format


async def build_table(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    kind: Kind,
    filter: CaseFilter | FigureFilter,
    settings: Settings,
    now: Callable[[], datetime],
    request_id: str | None,
    client_address: str | None,
) -> Table:
    if kind == "cases":
        assert isinstance(filter, CaseFilter)
        return await tables.case_table(
            conn,
            principal,
            filter=filter,
            now=now,
            request_id=request_id,
            client_address=client_address,
        )
    assert isinstance(filter, FigureFilter)
    return await tables.figure_table(conn, principal, kind=kind, filter=filter, settings=settings)


def check_sync_size(table: Table, settings: Settings) -> None:
    """A case list too long to stream within a request goes to a background job."""
    if table.total > settings.export_sync_max_rows:
        raise ConflictError(
            f"{table.total} rows: more than {settings.export_sync_max_rows} are exported in "
            "the background (startExport)",
            problem="EXPORT_TOO_LARGE",
            params={"rows": table.total, "max": settings.export_sync_max_rows},
        )


async def start_export(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    kind: Kind,
    format: Format,
    filter: CaseFilter | FigureFilter,
    settings: Settings,
    now: Callable[[], datetime],
    request_id: str | None,
    client_address: str | None,
) -> str:
    """A queued job (enqueue it after commit). The table is built once here, without reading
    a row, so a refusal (roles, region, period) comes now and not from the worker."""
    table = await build_table(
        conn,
        principal,
        kind=kind,
        filter=filter,
        settings=settings,
        now=now,
        request_id=request_id,
        client_address=client_address,
    )
    with contextlib.suppress(AttributeError):
        await table.pages.aclose()  # type: ignore[attr-defined]
    return await repo.insert_job(
        conn,
        principal_id=principal.subject,
        principal=msgspec.json.encode(principal),
        kind=kind,
        format=format,
        filter=msgspec.json.encode(filter),
        request_id=request_id,
        client_address=client_address,
        at=now(),
    )


async def job_for(conn: asyncpg.Connection, principal: Principal, *, job_id: str) -> ExportJob:
    """The job, for its requester or an administrator; to anyone else it does not exist."""
    found = None if not is_uuid(job_id) else await repo.job_by_id(conn, job_id=job_id)
    if found is None or not (
        found.principal_id == principal.subject
        or (principal.is_officer and principal.has_role("admin"))
    ):
        raise NotFoundError("no such export", problem="EXPORT_NOT_FOUND")
    return found


def decode_filter(job: ExportJob) -> CaseFilter | FigureFilter:
    if job.kind == "cases":
        return msgspec.json.decode(job.filter, type=CaseFilter)
    return msgspec.json.decode(job.filter, type=FigureFilter)


async def run_job(
    pool: asyncpg.Pool,
    blobs: BlobStore,
    settings: Settings,
    *,
    job_id: str,
    now: Callable[[], datetime],
    scratch_dir: str | None = None,
) -> str:
    """Write the job's file, store it, mark the job done; the job's state after the run.

    A refusal now (the filter no longer valid, say) fails the job for good; anything else
    (a database or disk outage) propagates, for the worker to retry."""
    async with pool.acquire() as conn:
        job = await repo.start_job(conn, job_id=job_id)
        if job is None:
            found = await repo.job_by_id(conn, job_id=job_id)
            return "gone" if found is None else found.state
        principal = msgspec.json.decode(job.principal, type=Principal)
        path = writers.scratch_file(scratch_dir, f".{job.format}")
        try:
            try:
                # An officer disabled since asking has no rights left to export with.
                await OfficerStatus(0).require_active(pool, principal)
                table = await build_table(
                    conn,
                    principal,
                    kind=job.kind,
                    filter=decode_filter(job),
                    settings=settings,
                    now=now,
                    request_id=job.request_id,
                    client_address=job.client_address,
                )
            except DomainError as exc:
                await repo.fail_job(conn, job_id=job_id, error=str(exc), at=now())
                return "failed"
            await repo.set_total(conn, job_id=job_id, total=table.total)
            done = [0]

            async def progress(rows: int) -> None:
                done[0] = rows
                await repo.set_progress(conn, job_id=job_id, rows_done=rows)

            await writers.write_file(table, job.format, path, progress)
            key = await blobs.put_file(path)
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
        await repo.finish_job(conn, job_id=job_id, blob_key=key, rows_done=done[0], at=now())
    return "done"


async def give_up(pool: asyncpg.Pool, *, job_id: str, error: str, at: datetime) -> None:
    async with pool.acquire() as conn:
        await repo.fail_job(conn, job_id=job_id, error=error, at=at)


async def unstarted_jobs(pool: asyncpg.Pool, *, before: datetime) -> list[str]:
    async with pool.acquire() as conn:
        return await repo.unstarted_jobs(conn, before=before)


class FinishedExport(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    format: Format
    blob_key: str


async def finished_job(conn: asyncpg.Connection, *, job_id: str) -> FinishedExport:
    """The file of a job that is done (its link was checked by the caller)."""
    found = await repo.job_by_id(conn, job_id=job_id)
    if found is None or found.blob_key is None:
        raise NotFoundError("no such export", problem="EXPORT_NOT_FOUND")
    return FinishedExport(kind=found.kind, format=found.format, blob_key=found.blob_key)
