from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

ClockKind = Literal[
    "one_notice",
    "promised",
    "statutory",
    "stage",
    "delivery",
    "follow_up",
    "verification",
    "owed_materials",
]
Level = Literal["yellow", "red", "escalation", "auto_accept"]


class DeadlineClock(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    case_id: str
    task_id: str | None
    kind: ClockKind
    start_on: date
    limit_days: int
    extension_days: int
    pauses: list[tuple[date, date]]
    paused_since: date | None
    state: Literal["running", "paused", "stopped"]
    stopped_on: date | None
    due_on: date | None
    next_check_at: datetime | None
    next_level: str | None
    version: int


class Warning(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    clock_id: str
    case_id: str
    level: str
    due_on: date
    raised_at: datetime
    kind: str
    case_number: str
    department_id: str
    region_code: str
