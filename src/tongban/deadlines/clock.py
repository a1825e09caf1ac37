"""Deadline clocks in working days, with pauses and an extension.

One counting convention for starts, pauses and resumptions (DOMAIN.md; Civil Code Art. 201):
the day a clock starts or resumes is not counted — counting begins the next working day; the day
a pause begins counts as used; a clock is due at the end of its last working day. Time in special
procedures (Art. 45) and supplements after acceptance is not counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Literal

import msgspec

from tongban.deadlines.calendar import WorkingCalendar

ClockState = Literal["running", "paused", "stopped"]
Colour = Literal["green", "yellow", "red"]


class Pause(msgspec.Struct, frozen=True):
    started: date
    ended: date | None = None


class ClockStatus(msgspec.Struct, frozen=True, kw_only=True):
    state: ClockState
    limit_days: int
    """The limit including any extension."""
    due_date: date | None
    """End of the last working day; None while paused (it moves when the pause ends)."""
    used_days: int
    remaining_days: int
    """limit − used; negative once overdue."""
    days_paused: int
    overdue: bool


def _segments(start: date, pauses: Sequence[Pause]) -> list[tuple[date, date | None]]:
    """Running spans as (exclusive start, inclusive end or None for open-ended)."""
    spans: list[tuple[date, date | None]] = []
    cursor = start
    for pause in sorted(pauses, key=lambda p: p.started):
        if pause.started < cursor:
            raise ValueError("pauses overlap or start before the clock")
        spans.append((cursor, pause.started))
        if pause.ended is None:
            return spans
        if pause.ended < pause.started:
            raise ValueError("a pause ends before it starts")
        cursor = pause.ended
    spans.append((cursor, None))
    return spans


def due_date(
    cal: WorkingCalendar,
    *,
    start: date,
    limit_days: int,
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
) -> date | None:
    """The due date, or None while a pause is open."""
    remaining = limit_days + extension_days
    for begin, end in _segments(start, pauses):
        if end is None:
            return cal.add_working_days(begin, remaining)
        span = cal.working_days_between(begin, end)
        if span >= remaining:
            return cal.add_working_days(begin, remaining)
        remaining -= span
    return None


def clock_status(
    cal: WorkingCalendar,
    *,
    start: date,
    limit_days: int,
    today: date,
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
    stopped_on: date | None = None,
) -> ClockStatus:
    as_of = today if stopped_on is None else min(today, stopped_on)
    total = limit_days + extension_days
    used = 0
    for begin, end in _segments(start, pauses):
        stop = as_of if end is None else min(end, as_of)
        used += cal.working_days_between(begin, stop)
    paused = sum(
        cal.working_days_between(p.started, min(p.ended or as_of, as_of))
        for p in pauses
        if p.started < as_of
    )
    open_pause = any(p.ended is None for p in pauses)
    due = due_date(
        cal, start=start, limit_days=limit_days, pauses=pauses, extension_days=extension_days
    )
    state: ClockState = (
        "stopped" if stopped_on is not None else ("paused" if open_pause else "running")
    )
    return ClockStatus(
        state=state,
        limit_days=total,
        due_date=due,
        used_days=used,
        remaining_days=total - used,
        days_paused=paused,
        overdue=due is not None and as_of > due,
    )


def yellow_threshold(limit_days: int, *, minimum: int = 2, divisor: int = 3) -> int:
    """Warn when remaining working days ≤ max(2, ⌈limit / 3⌉) (defaults are settings)."""
    return max(minimum, math.ceil(limit_days / divisor))


def colour(remaining_days: int, limit_days: int, *, minimum: int = 2, divisor: int = 3) -> Colour:
    if remaining_days < 0:
        return "red"
    if remaining_days <= yellow_threshold(limit_days, minimum=minimum, divisor=divisor):
        return "yellow"
    return "green"


def one_notice_deadline(cal: WorkingCalendar, received: date, days: int = 5) -> date:
    """Art. 32: the one-time notice of missing materials is due within 5 days of receipt."""
    return cal.add_working_days(received, days)
