"""Deadline clocks in working days, with pauses and an extension — pure functions.

The law:

- Art. 42: a decision is due within 20 working days of acceptance; the agency head may extend it
  once by 10 (45 + 15 for joint or centralised handling, Art. 26). The extension is simply added to
  the limit: it continues the same count, it does not restart it.
- Art. 45: time for hearings, tendering, auction, testing, inspection, quarantine, appraisal and
  expert review is not counted — the clock is *paused*. Supplements requested after acceptance
  pause it the same way.
- Art. 82: the limits are working days (see ``tongban.deadlines.calendar``).
- Civil Code Art. 201: the start day is not counted; counting starts the next day.

One counting convention covers starts, pauses and resumptions (DOMAIN.md): the day a clock starts
or resumes is not counted — counting begins the next working day; the day a pause begins counts as
used (when it is a working day: the office worked on the case that day); a clock is due at the end
of its last working day. Consequently every working day after the start is either *used* or
*paused*: a pause covers the working days d with started < d <= ended.

Worked example (limit 20, accepted Monday 2026-03-02): due 2026-03-30; paused on 03-06 after 4 days
used, resumed 03-20 → 16 left from 03-23, Qingming Monday 04-06 skipped → due 2026-04-14; with a
10-day extension → 2026-04-28.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import msgspec

from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.errors import UnknownCalendarYearError

ClockState = Literal["running", "paused", "stopped"]
Colour = Literal["green", "yellow", "red"]


class Pause(msgspec.Struct, frozen=True):
    """A span in which the clock does not run (Art. 45 special procedures, supplements).

    ``started`` is the day the pause began — counted as used if it is a working day. ``ended`` is
    the day the clock resumed — not counted, counting resumes the next working day; None while the
    pause goes on.
    """

    started: date
    ended: date | None = None


class ClockStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A clock as of a day: what a front end and supervision show."""

    state: ClockState
    """``stopped`` when a stop day is given; else ``paused`` while a pause that began on or before
    the day has not ended by it; else ``running``."""
    limit_days: int
    """The limit including any extension."""
    due_date: date | None
    """End of the last working day. None while a pause is open, because it moves by however long
    the pause lasts — except when the limit ran out before that pause began: then it is fixed."""
    used_days: int
    """Working days counted up to and including the day (or the stop day), pauses excluded."""
    remaining_days: int
    """limit − used; 0 on the due date, negative once a working day past it has been used."""
    days_paused: int
    """Working days not counted because of pauses (each pause's resumption day included)."""
    overdue: bool
    """The day (or the stop day) is after the due date. True on the weekend right after a Friday
    due date, while ``remaining_days`` is still 0: pass it to ``colour``."""


def _segments(start: date, pauses: Sequence[Pause]) -> list[tuple[date, date | None]]:
    """Running spans as (exclusive start, inclusive end, or None when the clock is still running).

    When the last pause is open, the last span ends on the day it began and there is no open span.
    """
    spans: list[tuple[date, date | None]] = []
    cursor = start
    ordered = sorted(pauses, key=lambda p: (p.started, date.max if p.ended is None else p.ended))
    for i, pause in enumerate(ordered):
        if pause.ended is not None and pause.ended < pause.started:
            raise ValueError(f"a pause ends ({pause.ended}) before it starts ({pause.started})")
        if pause.started < cursor:
            raise ValueError(f"a pause starting {pause.started} overlaps another or the start")
        spans.append((cursor, pause.started))
        if pause.ended is None:
            if i != len(ordered) - 1:
                raise ValueError(f"the pause starting {pause.started} never ended")
            return spans
        cursor = pause.ended
    spans.append((cursor, None))
    return spans


def _check_limits(limit_days: int, extension_days: int) -> int:
    if limit_days < 0 or extension_days < 0:
        raise ValueError("limits and extensions are not negative")
    return limit_days + extension_days


def _due(cal: WorkingCalendar, spans: list[tuple[date, date | None]], total: int) -> date | None:
    remaining = total
    for begin, end in spans:
        if end is not None:
            span = cal.working_days_between(begin, end)
            if span < remaining:
                remaining -= span
                continue
        return cal.add_working_days(begin, remaining)
    return None


def due_date(
    cal: WorkingCalendar,
    *,
    start: date,
    limit_days: int,
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
) -> date | None:
    """The last working day of the clock (it is due at that day's end).

    ``start`` is the day the clock starts (e.g. acceptance, Art. 42) and is not counted. Returns
    None while a pause is open, unless the limit had already run out before it began. Raises
    ``UnknownCalendarYearError`` when the count reaches a year whose schedule nobody published.
    """
    total = _check_limits(limit_days, extension_days)
    return _due(cal, _segments(start, pauses), total)


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
    """The clock as of ``today``, or as of ``stopped_on`` if it stopped earlier (a decision, a
    withdrawal): a stopped clock counts no further and is overdue when it stopped too late.

    ``pauses`` is the history as known now; ``today`` counts as used if it is a working day.
    """
    total = _check_limits(limit_days, extension_days)
    as_of = today if stopped_on is None else min(today, stopped_on)
    spans = _segments(start, pauses)
    used = sum(
        cal.working_days_between(begin, as_of if end is None else min(end, as_of))
        for begin, end in spans
    )
    paused = sum(
        cal.working_days_between(p.started, as_of if p.ended is None else min(p.ended, as_of))
        for p in pauses
    )
    due = _due(cal, spans, total)
    state: ClockState
    if stopped_on is not None:
        state = "stopped"
    elif any(p.started <= as_of and (p.ended is None or p.ended > as_of) for p in pauses):
        state = "paused"
    else:
        state = "running"
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
    """Yellow card when remaining working days ≤ max(2, ⌈limit / 3⌉).

    Both numbers are settings (``yellow_min_days``, ``yellow_divisor``); the defaults are the
    supervision rule in DOMAIN.md. Limit 20 → 7, limit 5 → 2, limit 45 → 15.
    """
    if divisor <= 0:
        raise ValueError("divisor must be positive")
    return max(minimum, -(-limit_days // divisor))


def colour(
    remaining_days: int,
    limit_days: int,
    *,
    overdue: bool = False,
    minimum: int = 2,
    divisor: int = 3,
) -> Colour:
    """Red past the limit, yellow within the threshold of it, green otherwise.

    Past the limit means a working day beyond it has been used (``remaining_days < 0``) or — with
    ``overdue`` from ``ClockStatus`` — the due day has ended, which matters on the non-working days
    right after it, when no further working day has been used yet. ``limit_days`` is the limit the
    threshold is taken from (the promised or statutory one, including any extension).
    """
    if remaining_days < 0 or overdue:
        return "red"
    if remaining_days <= yellow_threshold(limit_days, minimum=minimum, divisor=divisor):
        return "yellow"
    return "green"


def working_horizon(cal: WorkingCalendar, today: date, days: int) -> tuple[date, ...]:
    """``today`` and the next ``days`` working days after it, cut where the calendar's known
    years end: the k-th entry is ``add_working_days(today, k)``. With it a colour is a date
    comparison (yellow: due on or before entry k, k the yellow threshold), which SQL can make.
    Raises ``UnknownCalendarYearError`` when not even the next working day is known."""
    found = [today]
    day = today
    try:
        for _ in range(days):
            day = cal.next_working_day(day)
            found.append(day)
    except UnknownCalendarYearError:
        if len(found) == 1:
            raise
    return tuple(found)


def one_notice_deadline(cal: WorkingCalendar, received: date, days: int = 5) -> date:
    """Art. 32: everything missing must be told in one notice within 5 days of receipt — working
    days (Art. 82), the day of receipt not counted (Civil Code Art. 201). If the agency misses it,
    the application counts as accepted on the day it was received."""
    return cal.add_working_days(received, days)
