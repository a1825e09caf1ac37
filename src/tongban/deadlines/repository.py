"""SQL for calendar years, deadline clocks and warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.deadlines.calendar import YearSchedule
from tongban.deadlines.types import ClockPlan, DeadlineClock, DueClock, NewWarning
from tongban.rows import Select, assignments, struct_of

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
           ORDER BY next_check_at, id LIMIT $2""",
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


_CLAIM = """
    SELECT k.id::text, k.case_id::text, k.task_id::text, k.kind, k.start_on, k.limit_days,
           k.extension_days, k.pauses, k.paused_since, k.state, k.stopped_on, k.due_on,
           k.next_check_at, k.next_level, k.version,
           c.version AS case_version, c.number AS case_number, c.handling_region,
           coalesce(t.department_id, c.handling_department_id)::text AS department_id
    FROM deadline_clock k
    JOIN case_record c ON c.id = k.case_id
    LEFT JOIN review_task t ON t.id = k.task_id
    WHERE k.state = 'running' AND k.next_check_at IS NOT NULL AND k.next_check_at <= $1
      {where}
    ORDER BY k.next_check_at, k.id
    {limit}
    FOR UPDATE OF k, c {wait}"""


async def claim_due(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    limit: int = 0,
    clock_ids: Sequence[str] | None = None,
    besides: Sequence[str] = (),
) -> list[DueClock]:
    """Lock clocks due by ``now`` with their cases until the caller's transaction ends: the
    named ``clock_ids`` (waiting for them), else up to ``limit`` of any (skipping ``besides``).

    Unnamed clocks are claimed SKIP LOCKED: rows another transaction holds (a racing sweep or
    job is acting on them, or an officer is changing the case) are left to it or to the next
    sweep, and such a claim never waits in a lock cycle with a case action (those lock the
    case, then its clocks). A job names its own clock and waits for it."""
    if clock_ids is None:
        sql = _CLAIM.format(
            where="AND k.id <> ALL($3::uuid[])", limit="LIMIT $2", wait="SKIP LOCKED"
        )
        rows = await conn.fetch(sql, now, limit, list(besides))
    else:
        # No LIMIT: with one, the planner may walk the due index (every clock due, thousands
        # in a backlog) instead of looking the named clocks up by key.
        sql = _CLAIM.format(where="AND k.id = ANY($2::uuid[])", limit="", wait="")
        rows = await conn.fetch(sql, now, list(clock_ids))
    return [
        DueClock(
            clock=struct_of(DeadlineClock, r),
            case_version=r["case_version"],
            case_number=r["case_number"],
            department_id=r["department_id"],
            region_code=r["handling_region"],
        )
        for r in rows
    ]


async def warning_levels(
    conn: asyncpg.Connection, *, clock_ids: Sequence[str]
) -> dict[str, dict[date, set[str]]]:
    """Levels raised so far, per clock and due date (resolved ones too: each is raised once)."""
    rows = await conn.fetch(
        """SELECT clock_id::text, level, due_on FROM deadline_warning
           WHERE clock_id = ANY($1::uuid[])""",
        list(clock_ids),
    )
    found: dict[str, dict[date, set[str]]] = {}
    for r in rows:
        found.setdefault(r["clock_id"], {}).setdefault(r["due_on"], set()).add(r["level"])
    return found


async def recipients_by_place(
    conn: asyncpg.Connection, *, places: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``warning_recipients`` for many (department, handling region) pairs in one statement."""
    rows = await conn.fetch(
        """WITH p AS (
               SELECT p.department_id, p.region_code,
                      coalesce(r.lineage, ARRAY[p.region_code]) AS lineage
               FROM unnest($1::uuid[], $2::text[]) AS p(department_id, region_code)
               LEFT JOIN region r ON r.code = p.region_code
           )
           SELECT p.department_id::text AS place_department, p.region_code AS place_region,
                  o.id::text, o.username, o.roles
           FROM p JOIN officer o ON o.department_id = p.department_id
           WHERE o.active
           UNION
           SELECT p.department_id::text, p.region_code, o.id::text, o.username, o.roles
           FROM p JOIN department d ON d.region_code = ANY(p.lineage)
           JOIN officer o ON o.department_id = d.id
           WHERE o.active AND 'supervisor' = ANY(o.roles)
           ORDER BY 1, 2, 4""",
        [d for d, _ in places],
        [r for _, r in places],
    )
    found: dict[tuple[str, str], list[dict[str, Any]]] = {p: [] for p in places}
    for r in rows:
        found[(r["place_department"], r["place_region"])].append(
            {"officerId": r["id"], "username": r["username"], "roles": list(r["roles"])}
        )
    return found


async def insert_warnings(
    conn: asyncpg.Connection, *, warnings: Sequence[NewWarning], at: datetime, actor_name: str
) -> list[str]:
    """The warning rows, each with its history event and outbox row, in one statement: the
    events take their seq (and the outbox rows their ids, the relay's order) in list order. A
    warning raised already (its unique key taken) gets no event; returns the events written."""
    columns = [
        [getattr(w, f) for w in warnings]
        for f in (
            "clock_id",
            "case_id",
            "level",
            "due_on",
            "event_id",
            "case_version",
            "action",
            "payload",
            "topic",
            "outbox",
        )
    ]
    rows = await conn.fetch(
        """
        WITH x AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::date[], $5::uuid[],
                                 $6::int[], $7::text[], $8::jsonb[], $9::text[], $10::jsonb[])
                WITH ORDINALITY AS x(clock_id, case_id, level, due_on, event_id, case_version,
                                     action, payload, topic, outbox, ord)
        ), w AS (
            INSERT INTO deadline_warning (clock_id, case_id, level, due_on, raised_at)
            SELECT clock_id, case_id, level, due_on, $11 FROM x ORDER BY ord
            ON CONFLICT (clock_id, level, due_on) DO NOTHING
            RETURNING clock_id, level, due_on
        ), e AS (
            INSERT INTO case_event (id, case_id, case_version, action, actor_kind, actor_id,
                                    actor_name, actor_roles, actor_department_id, reason,
                                    changes, payload, occurred_at)
            SELECT x.event_id, x.case_id, x.case_version, x.action, 'system', NULL, $12, '{}',
                   NULL, NULL, '{}', x.payload, $11
            FROM x JOIN w USING (clock_id, level, due_on)
            ORDER BY x.ord
            RETURNING id, seq
        )
        INSERT INTO outbox (event_id, case_id, topic, payload)
        SELECT e.id, x.case_id, x.topic,
               x.outbox || jsonb_build_object('eventId', e.id::text, 'seq', e.seq)
        FROM e JOIN x ON x.event_id = e.id
        ORDER BY e.seq
        RETURNING event_id::text
        """,
        *columns,
        at,
        actor_name,
    )
    return [r["event_id"] for r in rows]


async def update_plans(conn: asyncpg.Connection, *, plans: Sequence[ClockPlan]) -> None:
    """Each clock's next threshold after a sweep, one statement; the version moves once per
    recomputation, as when each threshold was acted on in turn."""
    await conn.execute(
        """UPDATE deadline_clock k
           SET due_on = p.due_on, next_check_at = p.next_check_at, next_level = p.next_level,
               version = k.version + p.steps,
               -- Row bookkeeping for operators (never read by the deadline rules).
               updated_at = now()
           FROM unnest($1::uuid[], $2::date[], $3::timestamptz[], $4::text[], $5::int[])
               AS p(id, due_on, next_check_at, next_level, steps)
           WHERE k.id = p.id""",
        [p.clock_id for p in plans],
        [p.due_on for p in plans],
        [p.next_check_at for p in plans],
        [p.next_level for p in plans],
        [p.steps for p in plans],
    )
