"""Structs of supervision: the cases behind the figures, and the figures per group."""

from __future__ import annotations

from datetime import date, datetime

import msgspec


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``; None when there is nothing to divide by (no case, no rating)."""
    return None if not whole else part / whole


class OpenWarning(msgspec.Struct, frozen=True, kw_only=True):
    """A deadline warning not yet resolved, with its case and who answers for it (the task's
    department, else the case's handling department)."""

    id: str
    level: str
    kind: str  # the clock's kind
    due_on: date
    raised_at: datetime
    case_id: str
    case_number: str
    department_id: str
    region_code: str


class FigureCase(msgspec.Struct, frozen=True, kw_only=True):
    """A case handled in the region subtree, with its promised clock."""

    id: str
    department_id: str
    region_code: str
    state: str
    accepted_on: date | None
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
    period_start: date | None = None  # the period's first day; None for the whole range
    open_cases: int = 0
    concluded_cases: int = 0
    on_time: int = 0
    overdue: int = 0
    working_days_used: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.concluded_cases)

    @property
    def average_working_days(self) -> float | None:
        return ratio(self.working_days_used, self.concluded_cases)


class RatingFigures(msgspec.Struct, frozen=True, kw_only=True):
    """好差评 figures of one group and period, counted by when the (first) rating was given."""

    key: str | None  # department id, region code or matter id; None when not grouped
    period_start: date | None  # None when not split by period
    rated: int
    levels: tuple[int, int, int, int, int]  # counts of ratings 1 … 5
    bad: int
    follow_ups: int
    rectified: int
    rectified_on_time: int
    rerated: int
    rerating_levels: tuple[int, int, int, int, int]
    matter_code: str | None = None
    matter_version: int | None = None

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(sum(self.levels[:3]), self.rated)

    @property
    def rectification_rate(self) -> float | None:
        return ratio(self.rectified, self.follow_ups)

    @property
    def on_time_rectification_rate(self) -> float | None:
        return ratio(self.rectified_on_time, self.follow_ups)


class DepartmentRank(msgspec.Struct, frozen=True, kw_only=True):
    department_id: str
    concluded: int
    on_time: int
    overdue: int
    bad_ratings: int

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.concluded)


class MatterRank(msgspec.Struct, frozen=True, kw_only=True):
    matter_id: str
    matter_code: str
    matter_version: int | None
    concluded: int
    late: int
    days_over_promised: int
    promised_days: int
    working_days_used: int
    over: int  # concluded after using more working days than promised
    many: bool = False  # a clock with more pauses than the fast statement reads inline
    unknown_from: date | None = None
    unknown_to: date | None = None

    @property
    def average_working_days_used(self) -> float | None:
        return ratio(self.working_days_used, self.concluded)

    @property
    def average_working_days_over_promised(self) -> float | None:
        """Working days used less the promised limit, averaged (negative when under)."""
        if not self.concluded:
            return None
        return (self.working_days_used - self.promised_days) / self.concluded

    @property
    def share_over_promised(self) -> float | None:
        return ratio(self.over, self.concluded)

    @property
    def average_days_over_promised(self) -> float | None:
        return ratio(self.days_over_promised, self.concluded)

    @property
    def average_promised_days(self) -> float | None:
        return ratio(self.promised_days, self.concluded)


class PublicResultFilter(msgspec.Struct, frozen=True, kw_only=True):
    """A public results search; every part optional. Decided bounds are instants (the edges of
    local days), so the index on ``decided_at`` serves them."""

    keyword: str | None = None
    """Part of an organisation holder's name, the matter's name or the result number."""
    matter_code: str | None = None
    department_id: str | None = None
    region_code: str | None = None
    """The handling region or any region below it."""
    decided_from: datetime | None = None
    decided_before: datetime | None = None


class PublicResult(msgspec.Struct, frozen=True, kw_only=True):
    """An approved result as stored; ``published`` makes it what anyone may read."""

    case_id: str
    holder_kind: str
    holder_name: str
    result_number: str | None
    matter_code: str
    matter_name: str
    department_id: str
    department_name: str
    decided_at: datetime


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """A result as the public sees it; ``position`` is its place in the list (the cursor)."""

    holder_name: str
    result_number: str | None
    matter_code: str
    matter_name: str
    department_id: str
    department_name: str
    decided_on: date
    position: tuple[datetime, str]
