"""Supervision figures, computed from the cases' promised clocks.

Definitions (per group, for the period [from, to], or for each day / week / month of it):
- concluded: decided within the period; on time when decided on or before its promised due date;
- open: accepted by the end of the period and not decided by then (withdrawn or revoked cases
  that were never decided do not count);
- overdue: concluded late, plus open cases whose promised due date passed before the period end;
- average working days used: over concluded cases, working days from acceptance to decision,
  not counting paused time.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.config import Settings
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import Pause, clock_status
from tongban.deadlines.service import load_calendar
from tongban.errors import ValidationError
from tongban.supervision import repository as repo
from tongban.supervision.types import FigureCase, Figures

# A daily series of more than a year is a table no one reads, and costs a pass per day.
MAX_DAYS = 366
_NEVER_DECIDED = {
    "withdrawn",
    "revoked",
    "not_applicable",
    "refused",
    "closed_no_supplement",
    "closed_no_show",
    "closed_prerequisite",
}


def require_supervisor(principal: Principal) -> None:
    """The figures are counts over a region, for those who supervise it."""
    if not (principal.is_officer and principal.has_role("supervisor", "head", "admin")):
        raise NotAllowedError(
            "supervision figures are for supervisors, heads and administrators",
            problem="SUPERVISION_ROLES_ONLY",
        )


def check_series(start: date, end: date, period: str) -> None:
    if period == "day" and (end - start).days > MAX_DAYS:
        raise ValidationError(
            f"a daily series covers at most {MAX_DAYS + 1} days",
            field="period",
            problem="SERIES_TOO_LONG",
            params={"max": MAX_DAYS + 1},
        )


def _used(cal: WorkingCalendar, case: FigureCase, decided: date) -> int:
    pauses = [Pause(start, end) for start, end in case.pauses]
    if case.paused_since is not None:
        pauses.append(Pause(case.paused_since, decided))
    status = clock_status(
        cal,
        start=case.start_on,
        limit_days=case.limit_days,
        today=decided,
        pauses=pauses,
        extension_days=case.extension_days,
        stopped_on=decided,
    )
    return status.used_days


def periods(start: date, end: date, step: str) -> list[tuple[date, date, date | None]]:
    """(first day, last day, label) of each period of [start, end]: days, weeks from Monday,
    calendar months — the label is the period's own first day, as date_trunc gives it (None
    for the whole range as one); the first and last periods are cut to the range."""
    if step == "none":
        return [(start, end, None)]
    found: list[tuple[date, date, date | None]] = []
    label = {
        "day": start,
        "week": start - timedelta(days=start.weekday()),
        "month": start.replace(day=1),
    }[step]
    while label <= end:
        if step == "day":
            following = label + timedelta(days=1)
        elif step == "week":
            following = label + timedelta(days=7)
        else:
            following = (label.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append((max(label, start), min(following - timedelta(days=1), end), label))
        label = following
    return found


def _count(
    groups: dict[tuple[str, date | None], Figures],
    cal: WorkingCalendar,
    case: FigureCase,
    key: str,
    span: tuple[date, date, date | None],
) -> None:
    start, end, label = span
    if case.accepted_on is None or case.accepted_on > end:
        return
    f = groups.setdefault((key, label), Figures(key=key, period_start=label))
    decided, due = case.decided_on, case.due_on
    if decided is not None and start <= decided <= end:
        f.concluded_cases += 1
        late = due is not None and decided > due
        f.on_time += 0 if late else 1
        f.overdue += 1 if late else 0
        f.working_days_used += _used(cal, case, decided)
    elif (decided is None or decided > end) and case.state not in _NEVER_DECIDED:
        f.open_cases += 1
        if due is not None and due < end:
            f.overdue += 1


async def figures(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    region_code: str,
    start: date,
    end: date,
    group_by: Literal["department", "region"],
    period: Literal["day", "week", "month", "none"] = "none",
) -> list[Figures]:
    """Figures per group, and per period when asked (each period as if it were the range)."""
    require_supervisor(principal)
    if end < start:
        raise ValidationError(
            "the period ends before it starts", field="to", problem="PERIOD_ENDS_BEFORE_START"
        )
    check_series(start, end, period)
    cal = await load_calendar(conn)
    spans = periods(start, end, period)
    groups: dict[tuple[str, date | None], Figures] = {}
    for case in await repo.cases_for_figures(
        conn, principal=principal, region_code=region_code, until=end, timezone=settings.timezone
    ):
        key = case.department_id if group_by == "department" else case.region_code
        for span in spans:
            _count(groups, cal, case, key, span)
    return sorted(groups.values(), key=lambda f: (f.period_start or start, f.key))
