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
from typing import Any, Literal

import asyncpg
import msgspec

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.config import Settings
from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.clock import Pause, clock_status
from tongban.deadlines.service import load_calendar
from tongban.errors import ValidationError
from tongban.supervision import repository as repo

_NEVER_DECIDED = {"withdrawn", "revoked", "not_applicable", "refused", "closed_no_supplement"}


class Figures(msgspec.Struct, kw_only=True):
    key: str
    open_cases: int = 0
    concluded_cases: int = 0
    on_time: int = 0
    overdue: int = 0
    working_days_used: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.concluded_cases else self.on_time / self.concluded_cases

    @property
    def average_working_days(self) -> float | None:
        return None if not self.concluded_cases else self.working_days_used / self.concluded_cases


def _used(cal: WorkingCalendar, row: dict[str, Any], decided: date) -> int:
    pauses = [
        Pause(
            date.fromisoformat(s) if isinstance(s, str) else s,
            date.fromisoformat(e) if isinstance(e, str) else e,
        )
        for s, e in row["pauses"]
    ]
    if row["paused_since"] is not None:
        pauses.append(Pause(row["paused_since"], decided))
    status = clock_status(
        cal,
        start=row["start_on"],
        limit_days=row["limit_days"],
        today=decided,
        pauses=pauses,
        extension_days=row["extension_days"],
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
    for row in await repo.cases_for_figures(
        conn, principal=principal, region_code=region_code, until=end, timezone=settings.timezone
    ):
        key = row["department_id"] if group_by == "department" else row["region_code"]
        f = groups.setdefault(key, Figures(key=key))
        decided: date | None = row["decided_on"]
        due: date | None = row["due_on"]
        if decided is not None and start <= decided <= end:
            f.concluded_cases += 1
            late = due is not None and decided > due
            f.on_time += 0 if late else 1
            f.overdue += 1 if late else 0
            f.working_days_used += _used(cal, row, decided)
        elif (decided is None or decided > end) and row["state"] not in _NEVER_DECIDED:
            f.open_cases += 1
            if due is not None and due < end:
                f.overdue += 1
    return sorted(groups.values(), key=lambda f: f.key)
