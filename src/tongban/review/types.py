"""The review area's structs: the tasks of a case's review stages and follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

Opinion = Literal["agree", "agree_with_conditions", "disagree"]
TaskState = Literal["waiting", "open", "claimed", "completed", "cancelled"]
SpecialProcedureKind = Literal[
    "hearing",
    "tendering",
    "auction",
    "testing",
    "inspection",
    "quarantine",
    "appraisal",
    "expert_review",
]


class Task(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    case_id: str
    kind: Literal["review", "follow_up", "verification"]
    stage_index: int | None
    stage_name: str
    position: int
    round: int
    department_id: str
    state: TaskState
    claimed_by: str | None
    opinion: Opinion | None
    comment: str | None
    completed_by: str | None
    created_at: datetime
    opened_at: datetime | None
    completed_at: datetime | None
    due_on: date | None
