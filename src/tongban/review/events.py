"""Events of the review: tasks, stages, moves between departments, pauses and the extension."""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

from tongban.events.types import Event


class TaskClaimed(Event, frozen=True, tag="task_claimed"):
    task_id: str
    stage: str | None


class OpinionGiven(Event, frozen=True, tag="opinion_given"):
    task_id: str
    stage: str | None
    department_id: str
    opinion: str
    stage_done: bool


class SentBack(Event, frozen=True, tag="sent_back"):
    to_stage: int
    stage_name: str


class HandedUp(Event, frozen=True, tag="handed_up"):
    to_region: str
    to_department_id: str
    # The name when it moved, for the applicant's notice (events recorded before have none).
    to_department_name: str = ""


class Transferred(HandedUp, frozen=True, tag="transferred"):
    """转办: another region's department handles the case; number and history stay."""


class SpecialProcedureStarted(Event, frozen=True, tag="special_procedure_started"):
    kind: str
    expected_days: int
    started_on: date


class SpecialProcedureEnded(Event, frozen=True, tag="special_procedure_ended"):
    kind: str
    ended_on: date
    deadlines: dict[str, str | None]


class Extended(Event, frozen=True, tag="extended"):
    days: int
    deadlines: dict[str, str | None]


ReviewEvents: TypeAlias = (
    TaskClaimed
    | OpinionGiven
    | SentBack
    | HandedUp
    | Transferred
    | SpecialProcedureStarted
    | SpecialProcedureEnded
    | Extended
)
