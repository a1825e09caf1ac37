"""Working-day ordinals, for SQL that counts working days without a calendar table.

The k-th entry of ``ordinals(cal, first, last)`` is the number of working days from ``first``
up to and including ``first + k`` (None in a year whose schedule is not known). A statement gets
the list as one ``int[]`` parameter and reads a day's ordinal by subscript,
``($n::int[])[day - first + 1]``: working days d with a < d <= b are ``ord(b) - ord(a)``, as
``WorkingCalendar.working_days_between`` counts them. The list covers one unbroken run of
known years, so a day outside it (an unknown year, or one beyond a gap of unknown years) reads
NULL and makes the count NULL: never a guessed holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from tongban.deadlines.calendar import WorkingCalendar


def span(cal: WorkingCalendar, last: date) -> tuple[date, date] | None:
    """The unbroken run of known years up to ``last``: from its first 1 January to ``last``
    (or the run's last day, when earlier); None when no year up to ``last`` is known."""
    known = set(cal.known_years())
    below = [y for y in known if y <= last.year]
    if not below:
        return None
    top = bottom = max(below)
    while bottom - 1 in known:
        bottom -= 1
    return date(bottom, 1, 1), min(last, date(top, 12, 31))


@lru_cache(maxsize=8)
def ordinals(cal: WorkingCalendar, first: date, last: date) -> tuple[int, ...]:
    """Working-day ordinals of every day of [first, last], all in known years (cached per
    calendar instance: ``load_calendar`` hands out a new one only when a schedule is published)."""
    found: list[int] = []
    count = 0
    day = first
    while day <= last:
        count += cal.is_working_day(day)
        found.append(count)
        day += timedelta(days=1)
    return tuple(found)
