"""Working days per the official schedule.

Art. 82 of the Administrative Licensing Law counts its limits in working days: weekends and
statutory holidays are off, make-up working days (调休, e.g. Saturday 2026-02-14) are on. The
State Council announces each year's schedule around November, so the platform keeps schedules that
administrators publish and falls back to the `chinese-calendar` package (2004–2026) only for years
nobody published. A year that neither knows raises ``UnknownCalendarYearError``: a deadline is a
legal fact, and a guessed holiday would move it silently.

Counting follows Civil Code Art. 201: the start day is not counted, counting starts the next day.
``chinese_calendar.find_workday`` is deliberately not used — when its start is a non-working day it
answers one day late (``find_workday(1, 2026-02-16)`` gives 02-25; the working day after is 02-24).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import MAXYEAR, MINYEAR, date, timedelta
from functools import cache

import msgspec

from tongban.deadlines.errors import UnknownCalendarYearError

_ONE_DAY = timedelta(days=1)


class YearSchedule(msgspec.Struct, frozen=True, kw_only=True):
    """One year's official schedule, as announced by the State Council.

    ``holidays`` are the days off of the statutory holidays, whichever weekday they fall on
    (listing a weekend day is harmless); ``makeup_workdays`` are weekend days that are working
    days (调休). Everything else follows the week: Monday–Friday on, Saturday–Sunday off.
    """

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]

    def __post_init__(self) -> None:
        stray = [d for d in (*self.holidays, *self.makeup_workdays) if d.year != self.year]
        if stray:
            raise ScheduleError(f"dates outside {self.year}: {_days(stray)}", _days(stray))
        both = self.holidays & self.makeup_workdays
        if both:
            raise ScheduleError(f"days both off and on: {_days(both)}", _days(both))


class ScheduleError(ValueError):
    """A schedule that contradicts itself; ``days`` (ISO dates) are the ones at fault, so a
    message in any language can name them."""

    def __init__(self, message: str, days: str) -> None:
        super().__init__(message)
        self.days = days


def _days(days: Iterable[date]) -> str:
    """ISO dates for a message a person reads (a list's repr shows datetime.date(...))."""
    return ", ".join(d.isoformat() for d in sorted(set(days)))


@cache
def package_schedule(year: int) -> YearSchedule | None:
    """The year as the `chinese-calendar` package has it, or None for a year it does not cover.

    Coverage is the package's own word (it raises ``NotImplementedError`` outside its range), not
    the presence of entries, so a partial entry for a later year is never taken as a schedule.
    """
    import chinese_calendar

    if not MINYEAR <= year <= MAXYEAR:
        return None
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    return YearSchedule(
        year=year,
        holidays=frozenset(d for d in chinese_calendar.holidays if d.year == year),
        makeup_workdays=frozenset(d for d in chinese_calendar.workdays if d.year == year),
    )


@cache
def package_years() -> tuple[int, ...]:
    """The years the `chinese-calendar` package covers (2004–2026 for version 1.11)."""
    import chinese_calendar

    listed = {d.year for d in chinese_calendar.holidays}
    return tuple(y for y in range(min(listed), max(listed) + 1) if package_schedule(y) is not None)


def _by_year(
    overrides: Mapping[int, YearSchedule] | Iterable[YearSchedule],
) -> dict[int, YearSchedule]:
    if isinstance(overrides, Mapping):
        for year, schedule in overrides.items():
            if schedule.year != year:
                raise ValueError(f"the schedule filed under {year} is for {schedule.year}")
        return dict(overrides)
    found: dict[int, YearSchedule] = {}
    for schedule in overrides:
        if schedule.year in found:
            raise ValueError(f"two schedules for {schedule.year}")
        found[schedule.year] = schedule
    return found


class WorkingCalendar:
    """Working-day arithmetic over the known years.

    Immutable: the schedules are fixed at construction. Each year's working days are indexed once
    per instance, on first use, as a sorted tuple of ordinals, so adding or counting working days
    is a dictionary look-up and a binary search per year touched.
    """

    __slots__ = ("_index", "_schedules")

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        self._schedules: dict[int, YearSchedule] = _by_year(schedules)
        self._index: dict[int, tuple[int, ...]] = {}

    @classmethod
    def from_package(
        cls, overrides: Mapping[int, YearSchedule] | Iterable[YearSchedule] = ()
    ) -> WorkingCalendar:
        """The package's years, each replaced whole by an override for the same year.

        ``overrides`` (schedules administrators published) is a mapping year → schedule or an
        iterable of schedules. An override replaces the package's year entirely rather than
        patching it: a published schedule is the complete official one.
        """
        schedules: dict[int, YearSchedule] = {}
        for year in package_years():
            found = package_schedule(year)
            if found is not None:
                schedules[year] = found
        schedules.update(_by_year(overrides))
        return cls(schedules)

    def __repr__(self) -> str:
        years = self.known_years()
        span = f"{years[0]}–{years[-1]}, {len(years)} years" if years else "no years"
        return f"WorkingCalendar({span})"

    def known_years(self) -> list[int]:
        return sorted(self._schedules)

    def knows_year(self, year: int) -> bool:
        return year in self._schedules

    def schedule(self, year: int) -> YearSchedule:
        """The schedule in force for ``year``; ``UnknownCalendarYearError`` if none is."""
        try:
            return self._schedules[year]
        except KeyError:
            raise UnknownCalendarYearError(year) from None

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        days = self._index.get(year)
        if days is None:
            schedule = self.schedule(year)
            found: list[int] = []
            day = date(year, 1, 1)
            while day.year == year:
                on = day.weekday() < 5 and day not in schedule.holidays
                if on or day in schedule.makeup_workdays:
                    found.append(day.toordinal())
                day += _ONE_DAY
            # Filling the cache twice (two threads) stores equal tuples: harmless.
            days = self._index[year] = tuple(found)
        return days

    def is_working_day(self, day: date) -> bool:
        """Weekday and not a holiday, or a make-up working day; raises for an unknown year."""
        days = self._working_ordinals(day.year)
        i = bisect_left(days, day.toordinal())
        return i < len(days) and days[i] == day.toordinal()

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start``; ``start`` itself when n is 0.

        The start day is not counted (Civil Code Art. 201) whatever it is, so its year need not
        be known: from 2003-12-31 the first working day is found with 2004 alone.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        first = start + _ONE_DAY
        year = first.year
        days = self._working_ordinals(year)
        index = bisect_left(days, first.toordinal()) + n - 1
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self._working_ordinals(year)
        return date.fromordinal(days[index])

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days d with a < d <= b (0 when b <= a).

        ``add_working_days(a, n) == b`` implies ``working_days_between(a, b) == n``.
        """
        if b <= a:
            return 0
        first = a + _ONE_DAY
        total = 0
        for year in range(first.year, b.year + 1):
            days = self._working_ordinals(year)
            low = bisect_left(days, first.toordinal()) if year == first.year else 0
            high = bisect_right(days, b.toordinal()) if year == b.year else len(days)
            total += high - low
        return total

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)
