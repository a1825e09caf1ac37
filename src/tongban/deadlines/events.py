"""Deadline warnings: a clock crossed a threshold (yellow, red, escalation to supervisors)."""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

import msgspec

from tongban.events.types import Event


class Recipient(msgspec.Struct, frozen=True, rename="camel"):
    officer_id: str
    username: str
    roles: list[str]


class DeadlineWarning(Event, frozen=True):
    # Defaults: a warning is about the case, not a change of it, and older or hand-made rows
    # may carry less than the deadline worker writes today.
    clock: str | None = None
    due_on: date | None = None
    level: str | None = None
    # Instants as the worker wrote them (ISO with offset), kept as text so rows stay byte-equal.
    threshold: str | None = None
    at: str | None = None
    department_id: str | None = None
    recipients: list[Recipient] = msgspec.field(default_factory=list)


class DeadlineYellow(DeadlineWarning, frozen=True, tag="deadline_yellow"):
    """Yellow card: remaining working days at most max(2, ⌈limit / 3⌉)."""


class DeadlineRed(DeadlineWarning, frozen=True, tag="deadline_red"):
    """Red card: past the promised limit (承诺时限)."""


class DeadlineEscalation(DeadlineWarning, frozen=True, tag="deadline_escalation"):
    """Past the statutory limit (法定时限): supervisors are told."""


WARNINGS: dict[str, type[DeadlineWarning]] = {
    "yellow": DeadlineYellow,
    "red": DeadlineRed,
    "escalation": DeadlineEscalation,
}

DeadlineEvents: TypeAlias = DeadlineYellow | DeadlineRed | DeadlineEscalation
