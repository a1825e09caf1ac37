"""SQL of exports: the background export jobs."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from tongban.exports.types import ExportJob

_COLUMNS = """id::text, principal_id, principal::text AS principal, kind, format,
              filter::text AS filter, state, rows_done, rows_total, blob_key, error, request_id,
              client_address, created_at, finished_at"""


def _job(row: asyncpg.Record | None) -> ExportJob | None:
    if row is None:
        return None
    values = dict(row)
    values["principal"] = values["principal"].encode()
    values["filter"] = values["filter"].encode()
    return msgspec.convert(values, ExportJob)


async def insert_job(
    conn: asyncpg.Connection,
    *,
    principal_id: str,
    principal: bytes,
    kind: str,
    format: str,
    filter: bytes,
    request_id: str | None,
    client_address: str | None,
    at: datetime,
) -> str:
    job_id: str = await conn.fetchval(
        """INSERT INTO export_job (principal_id, principal, kind, format, filter, request_id,
                                   client_address, created_at)
           VALUES ($1, $2::text::jsonb, $3, $4, $5::text::jsonb, $6, $7, $8)
           RETURNING id::text""",
        principal_id,
        principal.decode(),
        kind,
        format,
        filter.decode(),
        request_id,
        client_address,
        at,
    )
    return job_id


async def job_by_id(conn: asyncpg.Connection, *, job_id: str) -> ExportJob | None:
    return _job(await conn.fetchrow(f"SELECT {_COLUMNS} FROM export_job WHERE id = $1", job_id))


async def start_job(conn: asyncpg.Connection, *, job_id: str) -> ExportJob | None:
    """The job, now running from its first row again; None when it is done, failed or gone
    (a repeated delivery of a finished job)."""
    return _job(
        await conn.fetchrow(
            f"""UPDATE export_job SET state = 'running', rows_done = 0, error = NULL
                WHERE id = $1 AND state IN ('queued', 'running')
                RETURNING {_COLUMNS}""",
            job_id,
        )
    )


async def set_total(conn: asyncpg.Connection, *, job_id: str, total: int) -> None:
    await conn.execute("UPDATE export_job SET rows_total = $2 WHERE id = $1", job_id, total)


async def set_progress(conn: asyncpg.Connection, *, job_id: str, rows_done: int) -> None:
    await conn.execute(
        "UPDATE export_job SET rows_done = $2 WHERE id = $1 AND state = 'running'",
        job_id,
        rows_done,
    )


async def finish_job(
    conn: asyncpg.Connection, *, job_id: str, blob_key: str, rows_done: int, at: datetime
) -> None:
    await conn.execute(
        """UPDATE export_job SET state = 'done', blob_key = $2, rows_done = $3, finished_at = $4
           WHERE id = $1 AND state = 'running'""",
        job_id,
        blob_key,
        rows_done,
        at,
    )


async def fail_job(conn: asyncpg.Connection, *, job_id: str, error: str, at: datetime) -> None:
    await conn.execute(
        """UPDATE export_job SET state = 'failed', error = $2, finished_at = $3
           WHERE id = $1 AND state IN ('queued', 'running')""",
        job_id,
        error,
        at,
    )


async def unstarted_jobs(conn: asyncpg.Connection, *, before: datetime) -> list[str]:
    """Jobs still queued that were asked for before ``before`` (their arq job may be lost)."""
    rows = await conn.fetch(
        "SELECT id::text FROM export_job WHERE state = 'queued' AND created_at < $1",
        before,
    )
    return [r["id"] for r in rows]
