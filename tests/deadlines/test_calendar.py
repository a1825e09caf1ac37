import random
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar
import pytest

from tongban.deadlines.calendar import (
    WorkingCalendar,
    YearSchedule,
    package_schedule,
    package_years,
)
from tongban.deadlines.errors import UnknownCalendarYearError

CAL = WorkingCalendar.from_package()
D = date
DAY = timedelta(days=1)

# The State Council notices for 2025 and 2026, typed from the notices themselves (not read from
# the package), so the tests check the package data as well as the arithmetic.
OFF_WEEKDAYS = {
    # 2025: New Year; Spring Festival 01-28…02-04; Qingming; Labour Day 05-01…05; Dragon Boat
    # 05-31…06-02; National Day and Mid-Autumn 10-01…08.
    *(D(2025, 1, 1), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)),
    *(D(2025, 2, 3), D(2025, 2, 4), D(2025, 4, 4), D(2025, 5, 1), D(2025, 5, 2), D(2025, 5, 5)),
    *(D(2025, 6, 2), D(2025, 10, 1), D(2025, 10, 2), D(2025, 10, 3), D(2025, 10, 6)),
    *(D(2025, 10, 7), D(2025, 10, 8)),
    # 2026: New Year 01-01…03; Spring Festival 02-15…23; Qingming 04-04…06; Labour Day
    # 05-01…05; Dragon Boat 06-19…21; Mid-Autumn 09-25…27; National Day 10-01…07.
    *(D(2026, 1, 1), D(2026, 1, 2), D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18)),
    *(D(2026, 2, 19), D(2026, 2, 20), D(2026, 2, 23), D(2026, 4, 6), D(2026, 5, 1)),
    *(D(2026, 5, 4), D(2026, 5, 5), D(2026, 6, 19), D(2026, 9, 25), D(2026, 10, 1)),
    *(D(2026, 10, 2), D(2026, 10, 5), D(2026, 10, 6), D(2026, 10, 7)),
}
MAKEUP_WEEKENDS = {
    *(D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)),
    *(D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20)),
    D(2026, 10, 10),
}


def days(first: date, last: date) -> list[date]:
    return [first + i * DAY for i in range((last - first).days + 1)]


# The package's own day-by-day answer, asked once per day: the reference for random checks.
PACKAGE_WORKING = frozenset(
    d for d in days(D(2004, 1, 1), D(2026, 12, 31)) if chinese_calendar.is_workday(d)
)


def package_working(day: date) -> bool:
    if not 2004 <= day.year <= 2026:
        raise AssertionError(f"{day} is outside the package")
    return day in PACKAGE_WORKING


def official(day: date) -> bool:
    assert day.year in (2025, 2026)
    return (day.weekday() < 5 and day not in OFF_WEEKDAYS) or day in MAKEUP_WEEKENDS


Working = Callable[[date], bool]


def brute_add(working: Working, start: date, n: int) -> date:
    day = start
    while n:
        day += DAY
        if working(day):
            n -= 1
    return day


def brute_between(working: Working, a: date, b: date) -> int:
    return sum(1 for d in days(a + DAY, b) if working(d)) if b > a else 0


def test_every_day_of_2025_and_2026_follows_the_official_notices() -> None:
    for day in days(D(2025, 1, 1), D(2026, 12, 31)):
        assert CAL.is_working_day(day) is official(day), day


def test_every_day_the_package_covers_agrees_with_the_package() -> None:
    for day in days(D(2004, 1, 1), D(2026, 12, 31)):
        assert CAL.is_working_day(day) is (day in PACKAGE_WORKING), day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before Spring Festival
        (D(2026, 2, 14), True),  # Saturday make-up day before it
        (D(2026, 2, 15), False),  # Sunday, first day of the break
        (D(2026, 2, 16), False),
        (D(2026, 2, 23), False),  # last day of the 2026 Spring Festival break (a Monday)
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday make-up day after it
        (D(2026, 3, 1), False),
        (D(2026, 4, 6), False),  # Qingming Monday
        (D(2026, 5, 9), True),  # Saturday make-up day after Labour Day
        (D(2026, 9, 20), True),  # Sunday make-up day before Mid-Autumn / National Day
        (D(2026, 9, 25), False),  # Mid-Autumn Friday
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday make-up day after National Day
        (D(2026, 1, 1), False),
        (D(2026, 1, 2), False),
        (D(2026, 1, 4), True),  # Sunday make-up day after New Year
        (D(2025, 1, 26), True),  # Sunday make-up day before Spring Festival 2025
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),  # Saturday make-up day
        (D(2025, 9, 28), True),  # Sunday make-up day
        (D(2025, 10, 1), False),
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # Saturday make-up day
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 3, 9), True),  # an ordinary Monday
    ],
)
def test_official_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_the_working_day_after_a_holiday_is_the_first_day_back() -> None:
    # chinese_calendar.find_workday(1, 2026-02-16) answers 02-25: one day too late.
    assert CAL.add_working_days(D(2026, 2, 16), 1) == D(2026, 2, 24)
    assert CAL.next_working_day(D(2026, 2, 16)) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 15), 1) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 23), 1) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 24), 1) == D(2026, 2, 25)
    assert CAL.add_working_days(D(2026, 2, 16), 5) == D(2026, 2, 28)  # 24, 25, 26, 27, Sat 28
    assert CAL.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert CAL.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert CAL.add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)


def test_make_up_days_count_when_counting_across_a_break() -> None:
    assert CAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Saturday make-up day
    assert CAL.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert CAL.next_working_day(D(2026, 2, 27)) == D(2026, 2, 28)
    assert CAL.next_working_day(D(2026, 2, 28)) == D(2026, 3, 2)
    assert CAL.next_working_day(D(2026, 9, 19)) == D(2026, 9, 20)  # Sunday make-up day
    assert CAL.next_working_day(D(2025, 10, 10)) == D(2025, 10, 11)
    assert CAL.next_working_day(D(2025, 1, 24)) == D(2025, 1, 26)  # Friday → make-up Sunday
    # 2026 Spring Festival: 02-14, then 02-24…02-27, then 02-28.
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert CAL.working_days_between(D(2026, 2, 14), D(2026, 2, 23)) == 0
    # 2026 National Day: 09-20 (Sunday), no day between 09-30 and 10-08, then 10-10 (Saturday).
    assert CAL.working_days_between(D(2026, 9, 18), D(2026, 9, 21)) == 2
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 11)) == 3
    # 2025 National Day: 09-28 (Sunday) … 10-09, 10-10, 10-11 (Saturday).
    assert CAL.working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 6


def test_every_start_around_the_festivals_against_the_notices() -> None:
    windows = [
        (D(2025, 1, 15), D(2025, 2, 20)),  # Spring Festival 2025
        (D(2025, 9, 20), D(2025, 10, 20)),  # National Day 2025
        (D(2025, 12, 20), D(2026, 1, 10)),  # New Year 2026
        (D(2026, 2, 5), D(2026, 3, 5)),  # Spring Festival 2026
        (D(2026, 9, 15), D(2026, 10, 20)),  # Mid-Autumn and National Day 2026
    ]
    for first, last in windows:
        for start in days(first, last):
            for n in range(0, 16):
                due = CAL.add_working_days(start, n)
                assert due == brute_add(official, start, n), (start, n)
                assert CAL.working_days_between(start, due) == n, (start, n)
            for end in days(start, last):
                expected = brute_between(official, start, end)
                assert CAL.working_days_between(start, end) == expected, (start, end)


def test_counting_across_year_ends() -> None:
    assert CAL.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)  # New Year 01-01…03
    assert CAL.add_working_days(D(2025, 12, 31), 2) == D(2026, 1, 5)
    assert CAL.add_working_days(D(2025, 12, 30), 1) == D(2025, 12, 31)
    assert CAL.add_working_days(D(2024, 12, 31), 1) == D(2025, 1, 2)
    assert CAL.working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3  # 12-31, 01-04, 01-05
    assert CAL.working_days_between(D(2025, 12, 31), D(2026, 1, 3)) == 0
    assert CAL.working_days_between(D(2024, 12, 1), D(2026, 12, 31)) == (
        CAL.working_days_between(D(2024, 12, 1), D(2024, 12, 31))
        + CAL.working_days_between(D(2024, 12, 31), D(2025, 12, 31))
        + CAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31))
    )
    assert CAL.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == sum(
        map(official, days(D(2026, 1, 1), D(2026, 12, 31)))
    )
    assert CAL.add_working_days(D(2024, 1, 1), 500) == brute_add(
        package_working, D(2024, 1, 1), 500
    )


def test_counting_excludes_the_start_and_includes_the_end() -> None:
    assert CAL.working_days_between(D(2026, 3, 2), D(2026, 3, 6)) == 4
    assert CAL.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert CAL.working_days_between(D(2026, 3, 6), D(2026, 3, 2)) == 0
    assert CAL.add_working_days(D(2025, 12, 20), 0) == D(2025, 12, 20)
    assert CAL.add_working_days(D(2026, 3, 7), 0) == D(2026, 3, 7), "0 keeps a non-working start"
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(D(2026, 3, 2), -1)


@pytest.mark.parametrize("day", [D(2027, 1, 4), D(2003, 6, 2), D(2100, 1, 1)])
def test_a_year_nobody_published_is_an_explicit_error(day: date) -> None:
    with pytest.raises(UnknownCalendarYearError) as caught:
        CAL.is_working_day(day)
    error = caught.value
    assert (error.code, error.year, error.details) == (
        "CALENDAR_YEAR_UNKNOWN",
        day.year,
        {"year": day.year},
    )
    assert f"schedule for {day.year} is not known" in error.message
    assert "administrator must publish" in error.message
    assert not CAL.knows_year(day.year)


def test_counting_into_an_unknown_year_is_never_guessed() -> None:
    assert CAL.add_working_days(D(2026, 12, 30), 1) == D(2026, 12, 31)
    with pytest.raises(UnknownCalendarYearError) as caught:
        CAL.add_working_days(D(2026, 12, 30), 2)
    assert caught.value.year == 2027
    with pytest.raises(UnknownCalendarYearError):
        CAL.next_working_day(D(2026, 12, 31))
    with pytest.raises(UnknownCalendarYearError):
        CAL.working_days_between(D(2026, 12, 1), D(2027, 1, 4))
    with pytest.raises(UnknownCalendarYearError):
        CAL.schedule(2027)


def test_only_the_days_counted_need_a_known_year() -> None:
    # The start day is never counted, so 2003 (unknown) is not needed to count from 2003-12-31.
    assert CAL.add_working_days(D(2003, 12, 31), 1) == D(2004, 1, 2)  # 2004-01-01 is New Year
    assert CAL.working_days_between(D(2003, 12, 31), D(2004, 1, 5)) == 2
    assert CAL.working_days_between(D(2026, 12, 30), D(2026, 12, 31)) == 1
    with pytest.raises(UnknownCalendarYearError):
        CAL.working_days_between(D(2003, 12, 30), D(2004, 1, 5))


def test_the_package_covers_2004_to_2026() -> None:
    assert package_years() == tuple(range(2004, 2027))
    assert CAL.known_years() == list(range(2004, 2027))
    assert package_schedule(2027) is None
    assert package_schedule(2003) is None
    y2026 = package_schedule(2026)
    assert y2026 is not None
    assert {d for d in y2026.holidays if d.weekday() < 5} == {
        d for d in OFF_WEEKDAYS if d.year == 2026
    }
    assert y2026.makeup_workdays == {d for d in MAKEUP_WEEKENDS if d.year == 2026}
    assert CAL.schedule(2026) == y2026
    assert repr(CAL) == "WorkingCalendar(2004–2026, 23 years)"


Y2027 = YearSchedule(
    year=2027,
    holidays=frozenset({D(2027, 1, 1), D(2027, 2, 8), D(2027, 2, 9), D(2027, 2, 10)}),
    makeup_workdays=frozenset({D(2027, 2, 6)}),
)


def test_a_published_year_becomes_known() -> None:
    cal = WorkingCalendar.from_package({2027: Y2027})
    assert cal.knows_year(2027)
    assert cal.known_years()[-1] == 2027
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)  # Friday 01-01 is off
    assert cal.next_working_day(D(2027, 2, 5)) == D(2027, 2, 6)  # Saturday make-up day
    assert cal.next_working_day(D(2027, 2, 6)) == D(2027, 2, 11)
    assert cal.working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2
    assert not CAL.knows_year(2027), "other calendars are unaffected"


def test_a_published_year_replaces_the_package_whole() -> None:
    changed_2026 = YearSchedule(
        year=2026, holidays=frozenset({D(2026, 3, 2)}), makeup_workdays=frozenset({D(2026, 3, 7)})
    )
    cal = WorkingCalendar.from_package([Y2027, changed_2026])
    assert not cal.is_working_day(D(2026, 3, 2))
    assert cal.is_working_day(D(2026, 3, 7))
    assert cal.add_working_days(D(2026, 2, 27), 1) == D(2026, 3, 3)
    assert cal.is_working_day(D(2026, 2, 16)), "the package's 2026 holidays are gone"
    assert not cal.is_working_day(D(2026, 2, 14)), "and so are its make-up days"
    assert cal.is_working_day(D(2025, 10, 11)), "other years still come from the package"
    assert cal.schedule(2026) is changed_2026


def test_an_administrator_can_publish_a_year_before_the_package() -> None:
    y2003 = YearSchedule(
        year=2003, holidays=frozenset({D(2003, 1, 1)}), makeup_workdays=frozenset()
    )
    cal = WorkingCalendar.from_package([y2003])
    assert cal.add_working_days(D(2002, 12, 31), 1) == D(2003, 1, 2)
    assert cal.working_days_between(D(2003, 12, 30), D(2004, 1, 5)) == 3  # 12-31, 01-02, 01-05


def test_a_calendar_can_be_built_from_schedules_alone() -> None:
    cal = WorkingCalendar({2027: Y2027})
    assert cal.known_years() == [2027]
    assert not cal.knows_year(2026)
    with pytest.raises(UnknownCalendarYearError):
        cal.is_working_day(D(2026, 3, 2))
    assert repr(WorkingCalendar({})) == "WorkingCalendar(no years)"


def test_overrides_must_be_unambiguous() -> None:
    with pytest.raises(ValueError, match="filed under 2026"):
        WorkingCalendar.from_package({2026: Y2027})
    with pytest.raises(ValueError, match="filed under 2026"):
        WorkingCalendar({2026: Y2027})
    with pytest.raises(ValueError, match="two schedules for 2027"):
        WorkingCalendar.from_package([Y2027, Y2027])


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
    first, last = D(2004, 1, 1).toordinal(), D(2026, 9, 1).toordinal()
    for _ in range(3000):
        start = date.fromordinal(rng.randint(first, last))
        n = rng.randint(0, 60)
        due = CAL.add_working_days(start, n)
        assert due == brute_add(package_working, start, n), (start, n)
        assert CAL.working_days_between(start, due) == n, (start, n)
        assert due == start or CAL.is_working_day(due)


def test_counting_agrees_with_day_by_day_counting() -> None:
    rng = random.Random(82)
    first, last = D(2003, 12, 31).toordinal(), D(2026, 12, 31).toordinal()
    for _ in range(1500):
        a = date.fromordinal(rng.randint(first, last))
        b = date.fromordinal(min(last, a.toordinal() + rng.randint(-30, 800)))
        expected = brute_between(package_working, a, b)
        assert CAL.working_days_between(a, b) == expected, (a, b)
