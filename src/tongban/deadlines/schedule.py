"""When a clock next needs attention: its due date and the instant and level of its next
threshold. Pure functions over a clock row and the working calendar, no database needed."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tongban.config import Settings
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import Pause, due_date, yellow_threshold
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.deadlines.types import DeadlineClock

log = logging.getLogger(__name__)

LEVELS: dict[str, tuple[str, ...]] = {
    "one_notice": ("auto_accept",),
    "promised": ("yellow", "red"),
    "statutory": ("escalation",),
    "stage": ("yellow", "red"),
    "delivery": ("yellow", "red"),
    "follow_up": ("yellow", "red"),
    "verification": ("yellow", "red"),
    "owed_materials": ("yellow", "red"),
}


def midnight(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.timezone))


def pauses_of(clock: DeadlineClock) -> list[Pause]:
    found = [Pause(s, e) for s, e in clock.pauses]
    if clock.paused_since is not None:
        found.append(Pause(clock.paused_since))
    return found


def due_of(clock: DeadlineClock, cal: WorkingCalendar) -> date | None:
    """The clock's due date, counting its pauses and extensions."""
    return due_date(
        cal,
        start=clock.start_on,
        limit_days=clock.limit_days,
        pauses=pauses_of(clock),
        extension_days=clock.extension_days,
    )


def plan(
    clock: DeadlineClock, cal: WorkingCalendar, settings: Settings, raised: set[str]
) -> dict[str, Any]:
    """Due date and the next threshold (instant and level) of a clock."""
    if clock.state != "running":
        return {"next_check_at": None, "next_level": None}
    pauses = pauses_of(clock)
    try:
        due = due_of(clock, cal)
        assert due is not None
        candidates: list[tuple[datetime, str]] = []
        for level in LEVELS[clock.kind]:
            if level in raised:
                continue
            if level == "yellow":
                total = clock.limit_days + clock.extension_days
                before = total - yellow_threshold(
                    total, minimum=settings.yellow_min_days, divisor=settings.yellow_divisor
                )
                day = (
                    clock.start_on
                    if before <= 0
                    else due_date(cal, start=clock.start_on, limit_days=before, pauses=pauses)
                )
                assert day is not None
                candidates.append((midnight(day, settings), level))
            else:
                # Due at the end of its last working day: the threshold is the next midnight.
                candidates.append((midnight(due + timedelta(days=1), settings), level))
    except UnknownCalendarYearError as exc:
        # Never guess a year's schedule: check again daily until an administrator publishes it.
        log.warning("calendar year unknown", extra={"year": exc.year, "clock": clock.id})
        return {
            "due_on": None,
            "next_check_at": midnight(date.today() + timedelta(days=1), settings),
            "next_level": "recheck",
        }
    if not candidates:
        return {"due_on": due, "next_check_at": None, "next_level": None}
    instant, level = min(candidates)
    return {"due_on": due, "next_check_at": instant, "next_level": level}
