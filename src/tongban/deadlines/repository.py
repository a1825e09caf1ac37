"""SQL for calendar years, deadline clocks and warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.deadlines.calendar import YearSchedule
from tongban.deadlines.types import DeadlineClock
from tongban.rows import Select, assignments

_CLOCK_COLUMNS = """id::text, case_id::text, task_id::text, kind, start_on, limit_days,
    extension_days, pauses, paused_since, state, stopped_on, due_on, next_check_at, next_level,
    version"""
_CLOCKS = Select(DeadlineClock, _CLOCK_COLUMNS, "deadline_clock")


async def calendar_years(conn: asyncpg.Connection) -> list[YearSchedule]:
    rows = await conn.fetch(
        "SELECT year, holidays, makeup_workdays FROM calendar_year ORDER BY year"
    )
    return [
        YearSchedule(
            year=r["year"],
            holidays=frozenset(r["holidays"]),
            makeup_workdays=frozenset(r["makeup_workdays"]),
        )
        for r in rows
    ]


CalendarStamp = tuple[int, datetime | None]
"""How many years are published and the latest publication: changes whenever one is."""

CALENDAR_STAMP_JSON = "(SELECT json_build_array(count(*), max(published_at)) FROM calendar_year)"
"""The stamp as a JSON ``[n, at]``, for a statement that reads it with what it reads anyway
(a case view, a worklist page), so the calendar costs no statement of its own."""


async def calendar_stamp(conn: asyncpg.Connection) -> CalendarStamp:
    row = await conn.fetchrow("SELECT count(*) AS n, max(published_at) AS at FROM calendar_year")
    return (row["n"], row["at"])


async def upsert_calendar_year(
    conn: asyncpg.Connection, *, schedule: YearSchedule, officer_id: str | None
) -> None:
    await conn.execute(
        """INSERT INTO calendar_year (year, holidays, makeup_workdays, published_by)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays,
               -- audit of an administrator's real act (not case time): the database clock
               makeup_workdays = EXCLUDED.makeup_workdays, published_at = now(),
               published_by = EXCLUDED.published_by""",
        schedule.year,
        sorted(schedule.holidays),
        sorted(schedule.makeup_workdays),
        officer_id,
    )


async def insert_clock(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    task_id: str | None,
    kind: str,
    start_on: date,
    limit_days: int,
) -> str:
    value: str = await conn.fetchval(
        """INSERT INTO deadline_clock (case_id, task_id, kind, start_on, limit_days, state)
           VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id::text""",
        case_id,
        task_id,
        kind,
        start_on,
        limit_days,
    )
    return value


async def clocks_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[DeadlineClock]:
    return await _CLOCKS.all(
        conn, "WHERE case_id = ANY($1::uuid[]) ORDER BY created_at, kind", list(case_ids)
    )


async def lock_clocks_of_case(conn: asyncpg.Connection, *, case_id: str) -> list[DeadlineClock]:
    return await _CLOCKS.all(conn, "WHERE case_id = $1 AND state <> 'stopped' FOR UPDATE", case_id)


async def lock_clock(
    conn: asyncpg.Connection, *, clock_id: str, skip_locked: bool = False
) -> DeadlineClock | None:
    suffix = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
    return await _CLOCKS.first(conn, f"WHERE id = $1 {suffix}", clock_id)


async def update_clock(conn: asyncpg.Connection, *, clock_id: str, changes: dict[str, Any]) -> int:
    allowed = {
        "extension_days",
        "pauses",
        "paused_since",
        "state",
        "stopped_on",
        "due_on",
        "next_check_at",
        "next_level",
        "start_on",
    }
    columns = assignments(changes, allowed)
    # Row bookkeeping for operators (never read by the deadline rules): the database clock.
    columns += ["version = version + 1", "updated_at = now()"]
    version: int = await conn.fetchval(
        f"UPDATE deadline_clock SET {', '.join(columns)} WHERE id = $1 RETURNING version",
        clock_id,
        *changes.values(),
    )
    return version


async def due_clock_ids(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[str]:
    rows = await conn.fetch(
        """SELECT id::text FROM deadline_clock
           WHERE state = 'running' AND next_check_at IS NOT NULL AND next_check_at <= $1
           ORDER BY next_check_at LIMIT $2""",
        now,
        limit,
    )
    return [r["id"] for r in rows]


async def raised_levels(conn: asyncpg.Connection, *, clock_id: str, due_on: date) -> set[str]:
    rows = await conn.fetch(
        "SELECT level FROM deadline_warning WHERE clock_id = $1 AND due_on = $2", clock_id, due_on
    )
    return {r["level"] for r in rows}


async def insert_warning(
    conn: asyncpg.Connection,
    *,
    clock_id: str,
    case_id: str,
    level: str,
    due_on: date,
    raised_at: datetime,
) -> bool:
    """True when this call raised it; False when it had been raised already."""
    inserted = await conn.fetchval(
        """INSERT INTO deadline_warning (clock_id, case_id, level, due_on, raised_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (clock_id, level, due_on) DO NOTHING RETURNING true""",
        clock_id,
        case_id,
        level,
        due_on,
        raised_at,
    )
    return bool(inserted)


async def resolve_warnings(
    conn: asyncpg.Connection,
    *,
    clock_ids: Sequence[str],
    at: datetime,
    levels: Sequence[str] | None = None,
) -> None:
    """Close the open warnings of these clocks (only those of ``levels`` when given)."""
    await conn.execute(
        """UPDATE deadline_warning SET resolved_at = $2
           WHERE clock_id = ANY($1::uuid[]) AND resolved_at IS NULL
             AND ($3::text[] IS NULL OR level = ANY($3::text[]))""",
        list(clock_ids),
        at,
        None if levels is None else list(levels),
    )


async def warning_recipients(
    conn: asyncpg.Connection, *, department_id: str, region_lineage: Sequence[str]
) -> list[dict[str, Any]]:
    """The responsible department's officers (its head among them) and the supervisors of the
    region and every region above it."""
    rows = await conn.fetch(
        """SELECT o.id::text, o.username, o.roles
           FROM officer o JOIN department d ON d.id = o.department_id
           WHERE o.active AND (o.department_id = $1::uuid
                 OR ('supervisor' = ANY(o.roles) AND d.region_code = ANY($2::text[])))
           ORDER BY o.username""",
        department_id,
        list(region_lineage),
    )
    return [
        {"officerId": r["id"], "username": r["username"], "roles": list(r["roles"])} for r in rows
    ]


SWEEP_LOCK = 0x7467_7377_6570  # one active sweeper across all pods


async def try_sweep_lock(conn: asyncpg.Connection) -> bool:
    """Take the sweeper's lock for the caller's transaction, unless another sweeper has it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", SWEEP_LOCK))


async def clock_version(conn: asyncpg.Connection, *, clock_id: str) -> int | None:
    value: int | None = await conn.fetchval(
        "SELECT version FROM deadline_clock WHERE id = $1", clock_id
    )
    return value


async def case_ids_of_clocks(conn: asyncpg.Connection, *, clock_ids: Sequence[str]) -> list[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT case_id::text FROM deadline_clock WHERE id = ANY($1::uuid[])",
        list(clock_ids),
    )
    return [r["case_id"] for r in rows]
