from datetime import date

import pytest

from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import (
    Pause,
    clock_status,
    colour,
    due_date,
    one_notice_deadline,
    yellow_threshold,
)

CAL = WorkingCalendar.from_package()
D = date
ACCEPTED = D(2026, 3, 2)  # a Monday


def test_worked_example_plain() -> None:
    assert due_date(CAL, start=ACCEPTED, limit_days=20) == D(2026, 3, 30)


def test_worked_example_paused_and_resumed() -> None:
    pause = Pause(D(2026, 3, 6), D(2026, 3, 20))
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[pause]) == D(2026, 4, 14)
    status = clock_status(CAL, start=ACCEPTED, limit_days=20, pauses=[pause], today=D(2026, 3, 20))
    assert (status.used_days, status.remaining_days) == (4, 16)
    assert status.days_paused == 10


def test_worked_example_extended() -> None:
    pause = Pause(D(2026, 3, 6), D(2026, 3, 20))
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[pause], extension_days=10) == D(
        2026, 4, 28
    )


def test_an_open_pause_has_no_due_date_and_stops_counting() -> None:
    pause = Pause(D(2026, 3, 6))
    status = clock_status(CAL, start=ACCEPTED, limit_days=20, pauses=[pause], today=D(2026, 4, 30))
    assert status.state == "paused"
    assert status.due_date is None
    assert status.used_days == 4
    assert not status.overdue


def test_a_pause_starting_on_a_non_working_day_uses_no_day() -> None:
    pause = Pause(D(2026, 3, 7), D(2026, 3, 9))  # Saturday → Monday
    # 03-03…03-06 used (4); resumes Monday 03-09 (not counted) → 16 left from 03-10.
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=[pause]) == D(2026, 3, 31)


def test_several_pauses() -> None:
    pauses = [Pause(D(2026, 3, 3), D(2026, 3, 4)), Pause(D(2026, 3, 10), D(2026, 3, 11))]
    # used: 03-03 (1); resume 03-04; 03-05, 06, 09, 10 (5 in all); resume 03-11; 15 left from 03-12.
    assert due_date(CAL, start=ACCEPTED, limit_days=20, pauses=pauses) == D(2026, 4, 1)


def test_status_while_running_and_overdue() -> None:
    on_due = clock_status(CAL, start=ACCEPTED, limit_days=20, today=D(2026, 3, 30))
    assert (on_due.remaining_days, on_due.overdue, on_due.state) == (0, False, "running")
    after = clock_status(CAL, start=ACCEPTED, limit_days=20, today=D(2026, 3, 31))
    assert (after.remaining_days, after.overdue) == (-1, True)
    stopped = clock_status(
        CAL, start=ACCEPTED, limit_days=20, today=D(2026, 5, 1), stopped_on=D(2026, 3, 20)
    )
    assert (stopped.state, stopped.used_days, stopped.overdue) == ("stopped", 14, False)


@pytest.mark.parametrize(
    ("limit", "threshold"), [(20, 7), (5, 2), (1, 2), (45, 15), (3, 2), (7, 3)]
)
def test_yellow_threshold(limit: int, threshold: int) -> None:
    assert yellow_threshold(limit) == threshold


def test_colours() -> None:
    assert colour(8, 20) == "green"
    assert colour(7, 20) == "yellow"
    assert colour(0, 20) == "yellow"
    assert colour(-1, 20) == "red"


def test_the_one_notice_timer_across_spring_festival() -> None:
    assert one_notice_deadline(CAL, D(2026, 2, 12)) == D(2026, 2, 26)  # 13, 14, 24, 25, 26
