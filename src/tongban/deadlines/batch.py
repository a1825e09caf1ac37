"""Warnings for many due clocks at once, in a handful of statements whatever their number.

The clocks arrive claimed (row-locked with their cases, ``repository.claim_due``). What each
raises is computed here as ``enforcement.check`` would, one threshold after another, with the
pure schedule (``schedule.plan``) instead of a round trip per step; then the warnings, their
history events, outbox rows and recipients, the superseded yellow cards and the new schedules
are written with one set-based statement each, in the caller's transaction. A worker killed
before commit leaves nothing and the locks go with it; the next sweep claims the same clocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import msgspec

from tongban.cases.types import EVENT_ACTIONS
from tongban.config import Settings
from tongban.deadlines import repository as repo
from tongban.deadlines import service
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.deadlines.events import WARNINGS, DeadlineWarning, Recipient
from tongban.deadlines.schedule import LEVELS, due_of, plan
from tongban.deadlines.types import ClockPlan, DeadlineClock, DueClock, NewWarning
from tongban.events.types import OutboxMessage, action_of, payload_of

WARNING_LEVELS = ("yellow", "red", "escalation")
# Thresholds acted on one clock at a time, by the general path: automatic acceptance changes the
# case (cases.intake), and a recheck waits for a calendar year that may now be published.
PER_CLOCK_LEVELS = ("auto_accept", "recheck")


def warning_messages(
    *,
    level: str,
    clock: DeadlineClock,
    case_id: str,
    case_number: str,
    department_id: str,
    recipients: list[dict[str, Any]],
    now: datetime,
) -> tuple[DeadlineWarning, OutboxMessage]:
    """A warning's history event and its outbox message (the relay's and the planner's input)."""
    assert clock.due_on is not None and clock.next_check_at is not None
    event = WARNINGS[level](
        clock=clock.kind,
        due_on=clock.due_on,
        level=level,
        threshold=clock.next_check_at.isoformat(),
        at=now.isoformat(),
        department_id=department_id,
        recipients=msgspec.convert(recipients, list[Recipient]),
    )
    outbox = OutboxMessage(
        action=action_of(event),
        caseId=case_id,
        caseNumber=case_number,
        level=level,
        clock=clock.kind,
        recipients=[r["officerId"] for r in recipients],
    )
    return event, outbox


@dataclass
class _Steps:
    """What acting on one clock's due thresholds in turn gives."""

    raised: list[tuple[str, DeadlineClock]] = field(default_factory=list)  # level, clock then
    clock: DeadlineClock | None = None
    steps: int = 0
    # The last level acted on, as ``check`` returns it (a recheck is no action of its own).
    last: str | None = None


def _reschedule(
    clock: DeadlineClock, cal: WorkingCalendar, settings: Settings, raised: dict[date, set[str]]
) -> DeadlineClock:
    """``service.reschedule`` without the round trips: the clock as that would leave it."""
    due = clock.due_on
    try:
        due = due_of(clock, cal)
    except UnknownCalendarYearError:
        due = None
    levels = raised.get(due, set()) if due else set()
    changes = plan(clock, cal, settings, levels)
    if changes["next_check_at"] is not None:
        # As PostgreSQL hands the instant back (in UTC): the next warning's ``threshold`` text
        # stays byte-equal to what acting on a re-read row writes.
        changes["next_check_at"] = changes["next_check_at"].astimezone(UTC)
    return msgspec.structs.replace(clock, **changes, version=clock.version + 1)


def advance(
    clock: DeadlineClock,
    cal: WorkingCalendar,
    settings: Settings,
    raised: dict[date, set[str]],
    now: datetime,
) -> _Steps:
    """Act on every threshold of the clock due by ``now``, as ``enforcement.check`` does (a
    worker that was down may find yellow and red both due). ``raised`` (levels per due date)
    grows with the warnings raised here."""
    out = _Steps()
    for _ in range(len(LEVELS["promised"]) + 2):
        if clock.next_check_at is None or clock.next_check_at > now:
            break
        level = clock.next_level
        if level in WARNING_LEVELS and clock.due_on is not None:
            assert level is not None
            if level not in raised.setdefault(clock.due_on, set()):
                raised[clock.due_on].add(level)
                out.raised.append((level, clock))
        clock = _reschedule(clock, cal, settings, raised)
        out.steps += 1
        if level in WARNING_LEVELS:
            out.last = level
        else:
            # A recheck found the schedule moved on: acting stops there, as in ``check``.
            break
    out.clock = clock
    return out


async def raise_warnings(
    conn: asyncpg.Connection, due: Sequence[DueClock], *, now: datetime, settings: Settings
) -> list[str]:
    """Act on the due thresholds of claimed clocks (none at a per-clock level); return the ids
    of the clocks acted on. Statements: a fixed handful, whatever ``len(due)``."""
    if not due:
        return []
    cal = await service.load_calendar(conn)
    raised = await repo.warning_levels(conn, clock_ids=[d.clock.id for d in due])
    steps = {
        d.clock.id: advance(d.clock, cal, settings, raised.get(d.clock.id, {}), now) for d in due
    }
    warned = [(d, level, clock) for d in due for level, clock in steps[d.clock.id].raised]
    places = sorted({(d.department_id, d.region_code) for d, _, _ in warned})
    recipients = await repo.recipients_by_place(conn, places=places) if places else {}
    rows = [
        _new_warning(d, level, clock, recipients[(d.department_id, d.region_code)], now)
        for d, level, clock in warned
    ]
    if rows:
        await repo.insert_warnings(conn, warnings=rows, at=now, actor_name=service.SYSTEM.name)
    reds = sorted({d.clock.id for d, level, _ in warned if level == "red"})
    if reds:
        # The red card supersedes the yellow one: a supervisor's list of open warnings shows the
        # case once, at its worst, not also as "about to be late".
        await repo.resolve_warnings(conn, clock_ids=reds, at=now, levels=["yellow"])
    plans = [_plan_of(s) for s in steps.values() if s.steps]
    if plans:
        await repo.update_plans(conn, plans=plans)
    return [d.clock.id for d in due if steps[d.clock.id].last]


def _plan_of(steps: _Steps) -> ClockPlan:
    clock = steps.clock
    assert clock is not None
    return ClockPlan(
        clock_id=clock.id,
        due_on=clock.due_on,
        next_check_at=clock.next_check_at,
        next_level=clock.next_level,
        steps=steps.steps,
    )


def _new_warning(
    due: DueClock,
    level: str,
    clock: DeadlineClock,
    recipients: list[dict[str, Any]],
    now: datetime,
) -> NewWarning:
    # A warning is about the case, not a change of it: the case version stays, so officers
    # acting on the case are not pushed into conflicts by the supervision worker.
    event, outbox = warning_messages(
        level=level,
        clock=clock,
        case_id=clock.case_id,
        case_number=due.case_number,
        department_id=due.department_id,
        recipients=recipients,
        now=now,
    )
    action = action_of(event)
    # The API reads the history through an enum derived from EventAction (see insert_event).
    if action not in EVENT_ACTIONS:
        raise ValueError(f"{action!r} is not an EventAction")
    assert clock.due_on is not None
    return NewWarning(
        clock_id=clock.id,
        case_id=clock.case_id,
        level=level,
        due_on=clock.due_on,
        event_id=str(uuid.uuid4()),
        case_version=due.case_version,
        action=action,
        payload=payload_of(event),
        topic=f"deadline.{level}",
        outbox=msgspec.to_builtins(outbox),
    )
