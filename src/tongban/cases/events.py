"""Events of a case's filing, intake and conclusion (their tag is the history's action)."""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

import msgspec

from tongban.events.types import Event

# Due date (ISO day) per deadline kind after the change, None while a clock waits for its start.
Deadlines = dict[str, str | None]


class Submitted(Event, frozen=True, tag="submitted"):
    matter_code: str
    matter_version: int
    receiving_region: str
    materials: list[str | None]
    received_on: date
    deadlines: Deadlines


class Accepted(Event, frozen=True, tag="accepted"):
    accepted_on: date
    deadlines: Deadlines


class AcceptedAutomatically(Accepted, frozen=True, tag="accepted_automatically"):
    """Art. 32: no intake decision within 5 days."""


class DeclaredNotApplicable(Event, frozen=True, tag="declared_not_applicable"):
    pass


class Refused(Event, frozen=True, tag="refused"):
    pass


class RequestedMaterial(msgspec.Struct, frozen=True):
    code: str
    name: str


class SupplementRequested(Event, frozen=True, tag="supplement_requested"):
    phase: str
    materials: list[RequestedMaterial]
    requested_on: date


class Supplemented(Event, frozen=True, tag="supplemented"):
    materials: list[str]
    complete_on: date
    deadlines: Deadlines


class Decided(Event, frozen=True, tag="decided"):
    decision: str
    result_number: str | None


class Delivered(Event, frozen=True, tag="delivered"):
    pass


class Withdrawn(Event, frozen=True, tag="withdrawn"):
    pass


class Revoked(Event, frozen=True, tag="revoked"):
    pass


class ClosedNoSupplement(Event, frozen=True, tag="closed_no_supplement"):
    """补正不来办结: the state machine's close_no_supplement transition (no use case yet)."""


class Rated(Event, frozen=True, tag="rated"):
    rating: int
    follow_up: bool


CaseEvents: TypeAlias = (
    Submitted
    | Accepted
    | AcceptedAutomatically
    | DeclaredNotApplicable
    | Refused
    | SupplementRequested
    | Supplemented
    | Decided
    | Delivered
    | Withdrawn
    | Revoked
    | ClosedNoSupplement
    | Rated
)
