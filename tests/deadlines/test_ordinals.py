"""Working-day ordinals agree with the calendar's own count, and stop at unknown years."""

from datetime import date

from tongban.deadlines.calendar import WorkingCalendar, package_schedule
from tongban.deadlines.ordinals import ordinals, span


def _calendar(*years: int) -> WorkingCalendar:
    return WorkingCalendar({y: s for y in years if (s := package_schedule(y))})


def test_differences_of_ordinals_count_working_days_as_the_calendar_does() -> None:
    cal = _calendar(2025, 2026)
    first, last = span(cal, date(2026, 12, 31)) or (date.max, date.min)
    assert (first, last) == (date(2025, 1, 1), date(2026, 12, 31))
    found = ordinals(cal, first, last)

    def w(day: date) -> int:
        return found[(day - first).days]

    # Qingming (04-04 to 04-06) and Labour Day with its make-up Saturday 05-09.
    for a, b in [
        (date(2026, 4, 2), date(2026, 4, 8)),
        (date(2026, 4, 30), date(2026, 5, 11)),
        (date(2025, 12, 31), date(2026, 1, 5)),
    ]:
        assert w(b) - w(a) == cal.working_days_between(a, b)
    assert w(date(2026, 4, 8)) - w(date(2026, 4, 2)) == 3
    assert len(found) == (last - first).days + 1


def test_the_span_is_the_unbroken_run_of_known_years_up_to_the_end() -> None:
    gap = _calendar(2022, 2023, 2025, 2026)  # 2024 not known
    assert span(gap, date(2026, 6, 30)) == (date(2025, 1, 1), date(2026, 6, 30))
    assert span(gap, date(2027, 3, 1)) == (date(2025, 1, 1), date(2026, 12, 31))
    assert span(gap, date(2024, 3, 1)) == (date(2022, 1, 1), date(2023, 12, 31))
    assert span(gap, date(2021, 3, 1)) is None
