"""Deadline clocks of cases and tasks, and the supervision warnings they raise.

Every recomputation happens in the transaction of the change that caused it. A clock keeps its
next threshold instant in ``next_check_at`` (indexed) and a ``version`` that deferred jobs carry;
a job or the sweeper re-reads the row and acts only on what is due — so any number of racing
workers raise each warning once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.config import Settings
from tongban.deadlines import repository as repo
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import clock_status, colour
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.deadlines.schedule import due_of, pauses_of, plan
from tongban.deadlines.types import DeadlineClock

log = logging.getLogger(__name__)

SYSTEM = Principal(kind="anonymous", name="电子监察")
DECISION_KINDS = ("promised", "statutory")

_calendar: tuple[repo.CalendarStamp, WorkingCalendar] | None = None


async def load_calendar(conn: asyncpg.Connection) -> WorkingCalendar:
    """Published schedules over the package; rebuilt only when an administrator publishes."""
    return await calendar_at(conn, await repo.calendar_stamp(conn))


async def calendar_at(conn: asyncpg.Connection, stamp: repo.CalendarStamp) -> WorkingCalendar:
    """The process's calendar while ``stamp`` (read by the caller, e.g. with its page through
    ``repo.CALENDAR_STAMP_JSON``) is the one it was built at: no statement. After an
    administrator publishes a year the stamp differs and the years are read again, once."""
    global _calendar
    if _calendar is None or _calendar[0] != stamp:
        _calendar = (stamp, WorkingCalendar.from_package(await repo.calendar_years(conn)))
    return _calendar[1]


async def reschedule(
    conn: asyncpg.Connection, clock_id: str, cal: WorkingCalendar, settings: Settings
) -> DeadlineClock:
    clock = await repo.lock_clock(conn, clock_id=clock_id)
    assert clock is not None
    due = clock.due_on
    if clock.state == "running":
        try:
            due = due_of(clock, cal)
        except UnknownCalendarYearError:
            due = None
    raised = await repo.raised_levels(conn, clock_id=clock.id, due_on=due) if due else set()
    await repo.update_clock(conn, clock_id=clock.id, changes=plan(clock, cal, settings, raised))
    updated = await repo.lock_clock(conn, clock_id=clock.id)
    assert updated is not None
    return updated


async def start(
    conn: asyncpg.Connection,
    *,
    settings: Settings,
    case_id: str,
    kind: str,
    start_on: date,
    limit_days: int,
    task_id: str | None = None,
) -> DeadlineClock:
    cal = await load_calendar(conn)
    clock_id = await repo.insert_clock(
        conn, case_id=case_id, task_id=task_id, kind=kind, start_on=start_on, limit_days=limit_days
    )
    return await reschedule(conn, clock_id, cal, settings)


async def stop(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    on: date,
    at: datetime,
    kinds: Sequence[str] | None = None,
    task_ids: Sequence[str] | None = None,
) -> None:
    for clock in await repo.lock_clocks_of_case(conn, case_id=case_id):
        if kinds is not None and clock.kind not in kinds:
            continue
        if task_ids is not None and clock.task_id not in task_ids:
            continue
        await _halt(conn, clock.id, state="stopped", stopped_on=on)
        await repo.resolve_warnings(conn, clock_ids=[clock.id], at=at)


async def pause(conn: asyncpg.Connection, *, case_id: str, on: date) -> None:
    """Art. 45 / supplements after acceptance: the running clocks stop counting."""
    for clock in await repo.lock_clocks_of_case(conn, case_id=case_id):
        if clock.state == "running" and clock.kind in (*DECISION_KINDS, "stage"):
            await _halt(conn, clock.id, state="paused", paused_since=on)


async def _halt(conn: asyncpg.Connection, clock_id: str, **changes: Any) -> None:
    """A clock that does not count has no next threshold: no job or sweep acts on it."""
    await repo.update_clock(
        conn, clock_id=clock_id, changes={**changes, "next_check_at": None, "next_level": None}
    )


async def resume(conn: asyncpg.Connection, *, settings: Settings, case_id: str, on: date) -> None:
    cal = await load_calendar(conn)
    for clock in await repo.lock_clocks_of_case(conn, case_id=case_id):
        if clock.state == "paused" and clock.paused_since is not None:
            pauses = [*clock.pauses, (clock.paused_since, on)]
            await repo.update_clock(
                conn,
                clock_id=clock.id,
                changes={
                    "state": "running",
                    "paused_since": None,
                    "pauses": [[s.isoformat(), e.isoformat()] for s, e in pauses],
                },
            )
            await reschedule(conn, clock.id, cal, settings)


async def extend(conn: asyncpg.Connection, *, settings: Settings, case_id: str, days: int) -> None:
    cal = await load_calendar(conn)
    for clock in await repo.lock_clocks_of_case(conn, case_id=case_id):
        if clock.kind in DECISION_KINDS:
            await repo.update_clock(
                conn, clock_id=clock.id, changes={"extension_days": clock.extension_days + days}
            )
            await reschedule(conn, clock.id, cal, settings)


async def summary(conn: asyncpg.Connection, *, case_id: str) -> dict[str, str | None]:
    """Due dates per clock kind, for the history entry of the change that set them."""
    return {
        c.kind: (c.due_on.isoformat() if c.due_on else None)
        for c in await repo.clocks_of(conn, case_ids=[case_id])
        if c.state != "stopped" and c.task_id is None
    }


def status(
    clock: DeadlineClock, cal: WorkingCalendar, settings: Settings, today: date
) -> dict[str, Any]:
    """What a front end shows: due date, remaining days, state, colour, days paused."""
    try:
        s = clock_status(
            cal,
            start=clock.start_on,
            limit_days=clock.limit_days,
            today=today,
            pauses=pauses_of(clock),
            extension_days=clock.extension_days,
            stopped_on=clock.stopped_on,
        )
    except UnknownCalendarYearError:
        return {
            "due_on": None,
            "remaining_days": None,
            "days_paused": None,
            "colour": None,
            "overdue": False,
            "limit_days": clock.limit_days + clock.extension_days,
        }
    return {
        "due_on": s.due_date or clock.due_on,
        "remaining_days": s.remaining_days,
        "days_paused": s.days_paused,
        "limit_days": s.limit_days,
        "overdue": s.overdue,
        "colour": colour(
            s.remaining_days,
            s.limit_days,
            # Past a Friday due date the weekend uses no working day, yet the red warning has
            # been raised at midnight: the screen must say red too.
            overdue=s.overdue,
            minimum=settings.yellow_min_days,
            divisor=settings.yellow_divisor,
        ),
    }
