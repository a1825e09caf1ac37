"""Structs of supervision: the cases behind the figures, and the figures per group."""

from __future__ import annotations

from datetime import date

import msgspec


class FigureCase(msgspec.Struct, frozen=True, kw_only=True):
    """A case handled in the region subtree, with its promised clock."""

    id: str
    department_id: str
    region_code: str
    state: str
    decided_on: date | None  # in the configured time zone
    start_on: date
    limit_days: int
    extension_days: int
    # Closed pauses as [start, end] pairs, ISO days as the clock's JSON column holds them.
    pauses: list[tuple[date, date]]
    paused_since: date | None
    due_on: date | None


class Figures(msgspec.Struct, kw_only=True):
    key: str
    open_cases: int = 0
    concluded_cases: int = 0
    on_time: int = 0
    overdue: int = 0
    working_days_used: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.concluded_cases else self.on_time / self.concluded_cases

    @property
    def average_working_days(self) -> float | None:
        return None if not self.concluded_cases else self.working_days_used / self.concluded_cases
