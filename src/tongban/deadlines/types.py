from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

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


class DueClock(msgspec.Struct, frozen=True, kw_only=True):
    """A clock whose threshold is due, claimed (row-locked with its case) by the sweeper or a
    job, with what its warnings name: the case as of now and the responsible department."""

    clock: DeadlineClock
    case_version: int
    case_number: str
    # The review task's department for a task clock, else the case's handling department.
    department_id: str
    region_code: str


class NewWarning(msgspec.Struct, frozen=True, kw_only=True):
    """A warning row with its history event and outbox row, ready for one set-based insert."""

    clock_id: str
    case_id: str
    level: str
    due_on: date
    event_id: str
    case_version: int
    action: str
    payload: dict[str, Any]
    topic: str
    outbox: dict[str, Any]


class ClockPlan(msgspec.Struct, frozen=True, kw_only=True):
    """A clock's schedule after its due thresholds were acted on, ``steps`` recomputations."""

    clock_id: str
    due_on: date | None
    next_check_at: datetime | None
    next_level: str | None
    steps: int
