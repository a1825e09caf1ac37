"""Time in one place: every timestamp a case, a warning or a task records comes from the injectable
``Clock`` (the system clock in production, a fast or movable one in tests and the demo), and every
legal day is the local day of the configured time zone."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from tongban.config import Settings


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FastClock:
    """Starts at ``start`` and runs ``speed`` times faster than real time: worker processes in
    tests live through days of deadlines in seconds."""

    def __init__(self, start: datetime, speed: float, anchor: float | None = None) -> None:
        self._start = start
        self._speed = speed
        # Wall-clock second at which the clock reads ``start``: processes sharing the anchor
        # share the simulated time.
        self._anchor = time.time() if anchor is None else anchor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._anchor) * self._speed)

    def real_seconds_until(self, instant: datetime) -> float:
        return (instant - self.now()).total_seconds() / self._speed


def clock_from_settings(settings: Settings) -> Clock:
    if settings.clock_start:
        return FastClock(
            datetime.fromisoformat(settings.clock_start),
            settings.clock_speed,
            settings.clock_anchor or None,
        )
    return SystemClock()


def real_seconds_until(clock: Clock, instant: datetime) -> float:
    """How long to really wait until ``instant`` on ``clock`` (for deferring jobs)."""
    if isinstance(clock, FastClock):
        return clock.real_seconds_until(instant)
    return (instant - clock.now()).total_seconds()


class MovableClock:
    """A clock tests and benchmarks set and move (deadlines are enforced "on time" by it)."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
