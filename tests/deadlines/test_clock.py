import random
from collections.abc import Sequence
from datetime import date, timedelta

import chinese_calendar
import pytest

from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import (
    ClockStatus,
    Pause,
    clock_status,
    colour,
    due_date,
    one_notice_deadline,
    working_horizon,
    yellow_threshold,
)
from tongban.deadlines.errors import UnknownCalendarYearError

CAL = WorkingCalendar.from_package()
D = date
DAY = timedelta(days=1)
ACCEPTED = D(2026, 3, 2)  # a Monday
WORKED_PAUSE = Pause(D(2026, 3, 6), D(2026, 3, 20))


def status(
    today: date,
    *,
    start: date = ACCEPTED,
    limit_days: int = 20,
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
    stopped_on: date | None = None,
) -> ClockStatus:
    return clock_status(
        CAL,
        start=start,
        limit_days=limit_days,
        today=today,
        pauses=pauses,
        extension_days=extension_days,
        stopped_on=stopped_on,
    )


# --- the worked examples of DOMAIN.md ------------------------------------------------------------


def test_worked_example_plain() -> None:
    assert due_date(CAL, start=ACCEPTED, limit_days=20) == D(2026, 3, 30)


def test_worked_example_paused_and_resumed() -> None:
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[WORKED_PAUSE]) == D(2026, 4, 14)
    resumed = status(D(2026, 3, 20), pauses=[WORKED_PAUSE])
    assert (resumed.state, resumed.used_days, resumed.remaining_days) == ("running", 4, 16)
    assert resumed.days_paused == 10  # 03-09…03-13 and 03-16…03-20 (the resumption day)
    assert resumed.due_date == D(2026, 4, 14)
    # Counting resumes on 03-23; Qingming Monday 04-06 is skipped.
    assert status(D(2026, 3, 23), pauses=[WORKED_PAUSE]).used_days == 5
    assert status(D(2026, 4, 6), pauses=[WORKED_PAUSE]).used_days == 14
    assert status(D(2026, 4, 7), pauses=[WORKED_PAUSE]).used_days == 15


def test_worked_example_extended() -> None:
    due = due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[WORKED_PAUSE], extension_days=10)
    assert due == D(2026, 4, 28)
    extended = status(D(2026, 4, 15), pauses=[WORKED_PAUSE], extension_days=10)
    assert (extended.limit_days, extended.used_days, extended.remaining_days) == (30, 21, 9)
    assert not extended.overdue


def test_worked_example_while_the_pause_is_open() -> None:
    on_pause_day = status(D(2026, 3, 6), pauses=[Pause(D(2026, 3, 6))])
    assert (on_pause_day.state, on_pause_day.due_date) == ("paused", None)
    assert (on_pause_day.used_days, on_pause_day.days_paused) == (4, 0), "the pause day is used"
    later = status(D(2026, 3, 19), pauses=[Pause(D(2026, 3, 6))])
    assert (later.used_days, later.remaining_days, later.days_paused) == (4, 16, 9)


# --- pauses -----------------------------------------------------------------------------------


def test_an_open_pause_has_no_due_date_and_stops_counting() -> None:
    paused = status(D(2026, 4, 30), pauses=[Pause(D(2026, 3, 6))])
    assert paused.state == "paused"
    assert paused.due_date is None
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[Pause(D(2026, 3, 6))]) is None
    assert paused.used_days == 4
    assert not paused.overdue


def test_a_pause_starting_on_a_non_working_day_uses_no_day() -> None:
    pause = Pause(D(2026, 3, 7), D(2026, 3, 9))  # Saturday → Monday
    # 03-03…03-06 used (4); resumes Monday 03-09 (not counted) → 16 left from 03-10.
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[pause]) == D(2026, 3, 31)
    on_monday = status(D(2026, 3, 9), pauses=[pause])
    assert (on_monday.used_days, on_monday.days_paused) == (4, 1)


def test_a_pause_over_spring_festival() -> None:
    accepted = D(2026, 2, 9)  # Monday
    # Without a pause: 02-10…02-13, 02-14 (make-up Saturday), 02-24…02-28, 03-02…03-13 → 03-13.
    assert due_date(CAL, start=accepted, limit_days=20) == D(2026, 3, 13)
    # Paused on Sunday 02-15 (a holiday: no day used), resumed on the first day back, 02-24,
    # which is not counted: 5 used, 15 left from 02-25 (02-28 is a make-up Saturday) → 03-16.
    pause = Pause(D(2026, 2, 15), D(2026, 2, 24))
    assert due_date(CAL, start=accepted, limit_days=20, pauses=[pause]) == D(2026, 3, 16)
    back = clock_status(CAL, start=accepted, limit_days=20, pauses=[pause], today=D(2026, 2, 28))
    assert (back.used_days, back.days_paused, back.remaining_days) == (9, 1, 11)


def test_the_day_a_pause_begins_is_used_and_the_day_it_ends_is_not() -> None:
    # Paused and resumed around a single working day.
    pause = Pause(D(2026, 3, 10), D(2026, 3, 11))
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[pause]) == D(2026, 3, 31)
    # A pause that starts and ends on the same day changes nothing.
    same_day = Pause(D(2026, 3, 10), D(2026, 3, 10))
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[same_day]) == D(2026, 3, 30)
    # Paused on the day of acceptance: no day used at all.
    at_once = Pause(ACCEPTED, D(2026, 3, 9))
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[at_once]) == D(2026, 4, 7)


def test_several_pauses_in_any_order() -> None:
    pauses = [Pause(D(2026, 3, 10), D(2026, 3, 11)), Pause(D(2026, 3, 3), D(2026, 3, 4))]
    # used: 03-03 (1); resume 03-04; 03-05, 06, 09, 10 (5 in all); resume 03-11; 15 left from 03-12.
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=pauses) == D(2026, 4, 1)
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=pauses[::-1]) == D(2026, 4, 1)
    now = status(D(2026, 3, 12), pauses=pauses)
    assert (now.used_days, now.days_paused, now.state) == (6, 2, "running")
    # A third pause, still open.
    third = [*pauses, Pause(D(2026, 3, 16))]
    paused = status(D(2026, 3, 20), pauses=third)
    assert (paused.state, paused.due_date, paused.used_days, paused.days_paused) == (
        "paused",
        None,
        8,  # + 03-13, 03-16
        6,  # + 03-17…03-20
    )


def test_a_resumption_and_a_new_pause_on_the_same_day() -> None:
    pauses = [Pause(D(2026, 3, 4), D(2026, 3, 10)), Pause(D(2026, 3, 10), D(2026, 3, 12))]
    # 03-03, 03-04 used; 03-10 is a resumption day, so it is not counted either; 18 left from 03-13.
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=pauses) == D(2026, 4, 8)


def test_impossible_pauses_are_rejected() -> None:
    bad: list[Sequence[Pause]] = [
        [Pause(D(2026, 3, 10), D(2026, 3, 9))],  # ends before it starts
        [Pause(D(2026, 2, 27), D(2026, 3, 9))],  # before the clock started
        [Pause(D(2026, 3, 3), D(2026, 3, 10)), Pause(D(2026, 3, 9), D(2026, 3, 12))],  # overlap
        [Pause(D(2026, 3, 3)), Pause(D(2026, 3, 9), D(2026, 3, 12))],  # never resumed
    ]
    for pauses in bad:
        with pytest.raises(ValueError):
            due_date(CAL, start=ACCEPTED, limit_days=20, pauses=pauses)
        with pytest.raises(ValueError):
            status(D(2026, 3, 20), pauses=pauses)
    with pytest.raises(ValueError):
        due_date(CAL, start=ACCEPTED, limit_days=-1)
    with pytest.raises(ValueError):
        due_date(CAL, start=ACCEPTED, limit_days=20, extension_days=-10)


def test_a_clock_that_ran_out_before_its_pause_keeps_its_due_date() -> None:
    late = status(D(2026, 4, 10), pauses=[Pause(D(2026, 4, 1))])
    assert (late.state, late.due_date, late.overdue) == ("paused", D(2026, 3, 30), True)
    assert (late.used_days, late.remaining_days) == (22, -2)  # 03-31 and the pause day 04-01


# --- status, stopping, colours -----------------------------------------------------------------


def test_status_while_running_and_overdue() -> None:
    accepted = status(ACCEPTED)
    assert (accepted.used_days, accepted.remaining_days, accepted.state) == (0, 20, "running")
    on_due = status(D(2026, 3, 30))
    assert (on_due.remaining_days, on_due.overdue, on_due.state) == (0, False, "running")
    after = status(D(2026, 3, 31))
    assert (after.remaining_days, after.overdue, after.due_date) == (-1, True, D(2026, 3, 30))


def test_the_weekend_after_a_friday_due_date_is_overdue_and_red() -> None:
    assert due_date(CAL, start=ACCEPTED, limit_days=19) == D(2026, 3, 27)  # a Friday
    saturday = status(D(2026, 3, 28), limit_days=19)
    assert (saturday.remaining_days, saturday.overdue) == (0, True)
    assert colour(saturday.remaining_days, 19, overdue=saturday.overdue) == "red"
    assert colour(saturday.remaining_days, 19) == "yellow", "without overdue, only working days"


def test_stopped_clocks_count_no_further() -> None:
    on_time = status(D(2026, 5, 1), stopped_on=D(2026, 3, 20))
    assert (on_time.state, on_time.used_days, on_time.remaining_days) == ("stopped", 14, 6)
    assert (on_time.overdue, on_time.due_date) == (False, D(2026, 3, 30))
    on_the_day = status(D(2026, 5, 1), stopped_on=D(2026, 3, 30))
    assert (on_the_day.remaining_days, on_the_day.overdue) == (0, False)
    late = status(D(2026, 5, 1), stopped_on=D(2026, 4, 2))
    assert (late.state, late.used_days, late.overdue) == ("stopped", 23, True)
    not_yet = status(D(2026, 3, 10), stopped_on=D(2026, 3, 20))
    assert (not_yet.state, not_yet.used_days) == ("stopped", 6)


def test_a_clock_stopped_while_paused() -> None:
    withdrawn = status(D(2026, 5, 1), pauses=[Pause(D(2026, 3, 6))], stopped_on=D(2026, 3, 25))
    assert (withdrawn.state, withdrawn.used_days, withdrawn.days_paused) == ("stopped", 4, 13)
    assert (withdrawn.due_date, withdrawn.overdue) == (None, False)


def test_status_as_of_a_day_inside_a_later_pause() -> None:
    inside = status(D(2026, 3, 12), pauses=[WORKED_PAUSE])
    assert (inside.state, inside.used_days, inside.days_paused) == ("paused", 4, 4)
    before = status(D(2026, 3, 5), pauses=[WORKED_PAUSE])
    assert (before.state, before.used_days, before.days_paused) == ("running", 3, 0)


@pytest.mark.parametrize(
    ("limit", "threshold"), [(20, 7), (5, 2), (1, 2), (30, 10), (45, 15), (60, 20), (3, 2), (7, 3)]
)
def test_yellow_threshold(limit: int, threshold: int) -> None:
    assert yellow_threshold(limit) == threshold


def test_yellow_threshold_settings() -> None:
    assert yellow_threshold(20, minimum=3, divisor=4) == 5
    assert yellow_threshold(5, minimum=3, divisor=4) == 3
    with pytest.raises(ValueError):
        yellow_threshold(20, divisor=0)


@pytest.mark.parametrize(
    ("remaining", "limit", "expected"),
    [
        (20, 20, "green"),
        (8, 20, "green"),
        (7, 20, "yellow"),
        (1, 20, "yellow"),
        (0, 20, "yellow"),
        (-1, 20, "red"),
        (5, 5, "green"),
        (3, 5, "green"),
        (2, 5, "yellow"),
        (0, 5, "yellow"),
        (-3, 5, "red"),
    ],
)
def test_colours(remaining: int, limit: int, expected: str) -> None:
    assert colour(remaining, limit) == expected


def test_colours_through_the_life_of_a_clock() -> None:
    def colour_on(day: date) -> str:
        s = status(day)
        return colour(s.remaining_days, s.limit_days, overdue=s.overdue)

    assert colour_on(D(2026, 3, 18)) == "green"  # 12 used, 8 left
    assert colour_on(D(2026, 3, 19)) == "yellow"  # 7 left
    assert colour_on(D(2026, 3, 30)) == "yellow"  # the last day
    assert colour_on(D(2026, 3, 31)) == "red"


# --- other timers -----------------------------------------------------------------------------


def test_the_one_notice_timer() -> None:
    assert one_notice_deadline(CAL, D(2026, 3, 2)) == D(2026, 3, 9)
    assert one_notice_deadline(CAL, D(2026, 3, 7)) == D(2026, 3, 13)  # received on a Saturday
    assert one_notice_deadline(CAL, D(2026, 2, 12)) == D(2026, 2, 26)  # 13, 14, 24, 25, 26
    assert one_notice_deadline(CAL, D(2025, 9, 30)) == D(2025, 10, 14)  # 09, 10, 11, 13, 14
    assert one_notice_deadline(CAL, D(2026, 3, 2), days=3) == D(2026, 3, 5)


def test_joint_handling_45_plus_15_across_national_day() -> None:
    start = D(2026, 9, 1)
    assert due_date(CAL, start=start, limit_days=45) == D(2026, 11, 9)
    assert due_date(CAL, start=start, limit_days=45, extension_days=15) == D(2026, 11, 30)


def test_a_due_date_in_an_unpublished_year_is_never_guessed() -> None:
    with pytest.raises(UnknownCalendarYearError):
        due_date(CAL, start=D(2026, 12, 1), limit_days=60)
    with pytest.raises(UnknownCalendarYearError):
        status(D(2026, 12, 15), start=D(2026, 12, 1), limit_days=60)


# --- a day-by-day reference ---------------------------------------------------------------------

# The package's own day-by-day answer (not our index), asked once per day.
WORKING = frozenset(
    D(2004, 1, 1) + i * DAY
    for i in range((D(2026, 12, 31) - D(2004, 1, 1)).days + 1)
    if chinese_calendar.is_workday(D(2004, 1, 1) + i * DAY)
)


def reference(
    start: date, total: int, pauses: Sequence[Pause], as_of: date
) -> tuple[date | None, int, int]:
    """Walk day by day: a working day after the start is counted unless some pause covers it
    (started < day <= ended, or started < day for an open pause)."""

    def covered(day: date) -> bool:
        return any(p.started < day and (p.ended is None or day <= p.ended) for p in pauses)

    due: date | None = start if total == 0 else None
    used = paused = counted = 0
    day = start
    horizon = max(as_of, *(p.ended or p.started for p in pauses), start) + 200 * DAY
    while day < horizon and (due is None or day < as_of):
        day += DAY
        if day not in WORKING:
            continue
        if covered(day):
            paused += day <= as_of
            continue
        counted += 1
        used += day <= as_of
        if counted == total and due is None:
            due = day
    return due, used, paused


def test_clocks_agree_with_day_by_day_counting() -> None:
    rng = random.Random(45)
    first, last = D(2004, 1, 1).toordinal(), D(2025, 6, 1).toordinal()
    for _ in range(400):
        start = date.fromordinal(rng.randint(first, last))
        limit, extension = rng.randint(0, 45), rng.choice([0, 0, 10, 15])
        pauses: list[Pause] = []
        cursor = start
        for _ in range(rng.randint(0, 3)):
            began = cursor + rng.randint(0, 25) * DAY
            ended = began + rng.randint(0, 30) * DAY
            pauses.append(Pause(began, ended))
            cursor = ended
        if pauses and rng.random() < 0.3:
            pauses[-1] = Pause(pauses[-1].started)
        today = start + rng.randint(0, 150) * DAY
        stopped_on = None if rng.random() < 0.7 else start + rng.randint(0, 150) * DAY
        as_of = today if stopped_on is None else min(today, stopped_on)
        expected_due, used, paused = reference(start, limit + extension, pauses, as_of)
        got = clock_status(
            CAL,
            start=start,
            limit_days=limit,
            extension_days=extension,
            pauses=pauses,
            today=today,
            stopped_on=stopped_on,
        )
        case = (start, limit, extension, pauses, today, stopped_on)
        assert got.due_date == expected_due, case
        assert (got.used_days, got.days_paused) == (used, paused), case
        assert got.remaining_days == limit + extension - used, case
        assert got.overdue == (expected_due is not None and as_of > expected_due), case
        assert got.used_days + got.days_paused == CAL.working_days_between(start, as_of), case
        assert (got.state == "stopped") is (stopped_on is not None), case


def test_the_colour_horizon_counts_working_days_and_stops_where_the_calendar_does() -> None:
    """Entry k is the k-th working day after today: the yellow threshold as a date."""
    horizon = working_horizon(CAL, date(2026, 3, 2), 10)
    assert horizon[:3] == (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))
    assert all(horizon[k] == CAL.add_working_days(date(2026, 3, 2), k) for k in range(11))
    # Late December: the horizon ends with the known years (2027 is not published).
    end = working_horizon(CAL, date(2026, 12, 28), 30)
    assert end[-1] == date(2026, 12, 31) and len(end) < 31
    with pytest.raises(UnknownCalendarYearError):
        working_horizon(CAL, date(2026, 12, 31), 5)
