import random
from datetime import date, timedelta

import pytest

from tongban.deadlines.calendar import WorkingCalendar, YearSchedule
from tongban.deadlines.errors import UnknownCalendarYearError

CAL = WorkingCalendar.from_package()
D = date


def brute_add(cal: WorkingCalendar, start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 14), True),  # Saturday make-up day before Spring Festival
        (D(2026, 2, 15), False),
        (D(2026, 2, 23), False),  # last day of the 2026 Spring Festival break
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday make-up day after it
        (D(2026, 4, 6), False),  # Qingming Monday
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday make-up day after National Day
        (D(2026, 9, 20), True),  # Sunday make-up day
        (D(2026, 1, 1), False),
        (D(2026, 1, 4), True),  # Sunday make-up day
        (D(2025, 1, 26), True),  # Sunday make-up day before Spring Festival 2025
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),  # Saturday make-up day
        (D(2025, 10, 1), False),
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 9, 28), True),  # Sunday make-up day
        (D(2025, 10, 11), True),  # Saturday make-up day
        (D(2026, 3, 7), False),  # an ordinary Saturday
    ],
)
def test_official_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_the_day_after_a_holiday_start_is_the_first_working_day() -> None:
    # chinese_calendar.find_workday(1, 2026-02-16) says 02-25: one day too late.
    assert CAL.add_working_days(D(2026, 2, 16), 1) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert CAL.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert CAL.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_year_ends() -> None:
    assert CAL.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert CAL.add_working_days(D(2024, 12, 31), 1) == D(2025, 1, 2)
    assert CAL.working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3  # 12-31, 01-04, 01-05
    assert CAL.add_working_days(D(2025, 12, 20), 0) == D(2025, 12, 20)


def test_counting_excludes_the_start_and_includes_the_end() -> None:
    assert CAL.working_days_between(D(2026, 3, 2), D(2026, 3, 6)) == 4
    assert CAL.working_days_between(D(2026, 3, 6), D(2026, 3, 2)) == 0
    # Spring Festival 2026: 02-14 (make-up Saturday), 02-24…02-27, 02-28 (make-up Saturday).
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6


def test_unknown_years_are_an_explicit_error() -> None:
    for day in (D(2027, 1, 4), D(2003, 6, 2)):
        with pytest.raises(UnknownCalendarYearError) as caught:
            CAL.is_working_day(day)
        assert caught.value.code == "CALENDAR_YEAR_UNKNOWN"
    with pytest.raises(UnknownCalendarYearError):
        CAL.add_working_days(D(2026, 12, 30), 5)
    assert not CAL.knows_year(2027)


def test_a_published_schedule_extends_and_overrides_the_package() -> None:
    y2027 = YearSchedule(
        year=2027,
        holidays=frozenset({D(2027, 1, 1)}),
        makeup_workdays=frozenset({D(2027, 1, 2)}),
    )
    changed_2026 = YearSchedule(
        year=2026, holidays=frozenset({D(2026, 3, 2)}), makeup_workdays=frozenset()
    )
    cal = WorkingCalendar.from_package([y2027, changed_2026])
    assert cal.knows_year(2027)
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 2)
    assert not cal.is_working_day(D(2026, 3, 2))
    assert cal.is_working_day(D(2026, 2, 16)), "the override replaces the package's 2026 entirely"


def test_schedules_reject_impossible_input() -> None:
    with pytest.raises(ValueError, match="outside"):
        YearSchedule(year=2027, holidays=frozenset({D(2026, 1, 1)}), makeup_workdays=frozenset())
    with pytest.raises(ValueError, match="both"):
        YearSchedule(
            year=2027,
            holidays=frozenset({D(2027, 1, 2)}),
            makeup_workdays=frozenset({D(2027, 1, 2)}),
        )


def test_arithmetic_agrees_with_day_by_day_counting() -> None:
    rng = random.Random(20261126)
    first, last = D(2004, 1, 1).toordinal(), D(2026, 10, 1).toordinal()
    for _ in range(2000):
        start = date.fromordinal(rng.randint(first, last))
        n = rng.randint(0, 45)
        due = CAL.add_working_days(start, n)
        assert due == brute_add(CAL, start, n), (start, n)
        assert CAL.working_days_between(start, due) == n
