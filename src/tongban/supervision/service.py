"""Supervision figures, computed from the cases' promised clocks.

Definitions (per group, for the period [from, to]):
- concluded: decided within the period; on time when decided on or before its promised due date;
- open: accepted by the end of the period and not decided by then (withdrawn or revoked cases
  that were never decided do not count);
- overdue: concluded late, plus open cases whose promised due date passed before the period end;
- average working days used: over concluded cases, working days from acceptance to decision,
  not counting paused time.
"""

from __future__ import annotations

from datetime import date
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

_NEVER_DECIDED = {
    "withdrawn",
    "revoked",
    "not_applicable",
    "refused",
    "closed_no_supplement",
    "closed_no_show",
}


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


async def figures(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    region_code: str,
    start: date,
    end: date,
    group_by: Literal["department", "region"],
) -> list[Figures]:
    if not (principal.is_officer and principal.has_role("supervisor", "head", "admin")):
        raise NotAllowedError(
            "supervision figures are for supervisors, heads and administrators",
            problem="SUPERVISION_ROLES_ONLY",
        )
    if end < start:
        raise ValidationError(
            "the period ends before it starts", field="to", problem="PERIOD_ENDS_BEFORE_START"
        )
    cal = await load_calendar(conn)
    groups: dict[str, Figures] = {}
    for case in await repo.cases_for_figures(
        conn, principal=principal, region_code=region_code, until=end, timezone=settings.timezone
    ):
        key = case.department_id if group_by == "department" else case.region_code
        f = groups.setdefault(key, Figures(key=key))
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
    return sorted(groups.values(), key=lambda f: f.key)
