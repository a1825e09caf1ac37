"""Working days per the official schedule: weekends and statutory holidays are off, make-up
working days (调休, e.g. Saturday 2026-02-14) are on. Art. 82 of the Administrative Licensing Law
counts its limits in working days.

Schedules published by administrators override the `chinese-calendar` package, which knows
2004–2026 only; a year neither knows raises ``UnknownCalendarYearError``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import cache

import msgspec

from tongban.deadlines.errors import UnknownCalendarYearError


class YearSchedule(msgspec.Struct, frozen=True, kw_only=True):
    """One year's official schedule: days off beyond weekends, and weekend days that are on."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]

    def __post_init__(self) -> None:
        stray = [d for d in (*self.holidays, *self.makeup_workdays) if d.year != self.year]
        if stray:
            raise ValueError(f"dates outside {self.year}: {sorted(stray)}")
        both = self.holidays & self.makeup_workdays
        if both:
            raise ValueError(f"days both off and on: {sorted(both)}")


@cache
def package_schedule(year: int) -> YearSchedule | None:
    """The year as the `chinese-calendar` package has it, or None outside its range."""
    import chinese_calendar

    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    makeup = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    if not holidays and not makeup:
        return None
    return YearSchedule(year=year, holidays=holidays, makeup_workdays=makeup)


def package_years() -> list[int]:
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays})


class WorkingCalendar:
    """Working-day arithmetic over known years. Instances are immutable and cache per year."""

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        self._schedules = dict(schedules)
        self._days: dict[int, list[int]] = {}

    @classmethod
    def from_package(cls, overrides: Iterable[YearSchedule] = ()) -> WorkingCalendar:
        schedules: dict[int, YearSchedule] = {}
        for year in package_years():
            found = package_schedule(year)
            if found is not None:
                schedules[year] = found
        for schedule in overrides:
            schedules[schedule.year] = schedule
        return cls(schedules)

    def known_years(self) -> list[int]:
        return sorted(self._schedules)

    def knows_year(self, year: int) -> bool:
        return year in self._schedules

    def _working_ordinals(self, year: int) -> list[int]:
        days = self._days.get(year)
        if days is None:
            schedule = self._schedules.get(year)
            if schedule is None:
                raise UnknownCalendarYearError(year)
            days = []
            day = date(year, 1, 1)
            while day.year == year:
                weekday = day.weekday() < 5
                if (weekday and day not in schedule.holidays) or day in schedule.makeup_workdays:
                    days.append(day.toordinal())
                day += timedelta(days=1)
            self._days[year] = days
        return days

    def is_working_day(self, day: date) -> bool:
        days = self._working_ordinals(day.year)
        i = bisect_right(days, day.toordinal())
        return i > 0 and days[i - 1] == day.toordinal()

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (the start day itself is not counted,
        Civil Code Art. 201); ``start`` itself when n is 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        year = start.year
        days = self._working_ordinals(year)
        index = bisect_right(days, start.toordinal()) + n - 1
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self._working_ordinals(year)
        return date.fromordinal(days[index])

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (0 when b <= a)."""
        if b <= a:
            return 0
        total = 0
        for year in range(a.year, b.year + 1):
            days = self._working_ordinals(year)
            low = bisect_right(days, a.toordinal()) if year == a.year else 0
            high = bisect_right(days, b.toordinal()) if year == b.year else len(days)
            total += high - low
        return total

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)
