"""Events of a case's filing, intake and conclusion (their tag is the history's action)."""

from __future__ import annotations

from datetime import date, datetime
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


class OwedItem(msgspec.Struct, frozen=True):
    code: str
    name: str


class AcceptedDeferred(Accepted, frozen=True, tag="accepted_deferred"):
    """容缺受理: accepted with deferrable materials missing, on the applicant's signed undertaking
    to bring them by ``owed_due_on``."""

    owed: list[OwedItem]
    owed_due_on: date


class OwedMaterialsSupplied(Event, frozen=True, tag="owed_materials_supplied"):
    """Materials owed after a deferred acceptance arrived; ``outstanding`` is what is still owed
    (empty: everything arrived and the owed clock stopped)."""

    materials: list[OwedItem]
    outstanding: list[OwedItem]
    arrived_on: date


class DeclaredNotApplicable(Event, frozen=True, tag="declared_not_applicable"):
    """不受理: the matter needs no licence, or not this kind (state 4); the reason is in the history."""


class Refused(Event, frozen=True, tag="refused"):
    """不予受理: outside this agency's powers (state 5); the reason names the competent agency."""


class RequestedMaterial(msgspec.Struct, frozen=True):
    code: str
    name: str


class SupplementRequested(Event, frozen=True, tag="supplement_requested"):
    phase: str
    materials: list[RequestedMaterial]
    requested_on: date
    # 补正期限 (working days) and its last day; notices sent before it was kept have neither.
    period_days: int | None = None
    due_on: date | None = None


class Supplemented(Event, frozen=True, tag="supplemented"):
    """Materials of the open supplement notice arrived; ``complete_on`` once all of them have
    (until then ``outstanding`` names what is still owed and the case stays where it is)."""

    materials: list[str]
    complete_on: date | None
    deadlines: Deadlines
    outstanding: list[RequestedMaterial] = []
    due_on: date | None = None


class Decided(Event, frozen=True, tag="decided", omit_defaults=True):
    decision: str
    result_number: str | None
    # 容缺准予: what is still owed and by when, for the notice (left out of other decisions'
    # payloads, which keep their keys).
    owed: list[OwedItem] = []
    owed_due_on: date | None = None


class Delivered(Event, frozen=True, tag="delivered"):
    """送达: the decision (and any licence) reached the applicant (Art. 44). Deliveries recorded
    before delivery records existed have no method (their notice is the rating invitation)."""

    method: str | None = None
    recipient_name: str | None = None
    recipient_is_agent: bool = False
    carrier: str | None = None
    tracking_number: str | None = None
    # The decision document an electronic delivery links to.
    document_id: str | None = None
    delivered_at: datetime | None = None


class Withdrawn(Event, frozen=True, tag="withdrawn"):
    """The applicant withdrew the case before a decision (state 2 or 14)."""


class Revoked(Event, frozen=True, tag="revoked"):
    """撤销: an administrator revoked the decision, and with it the licence (state 15)."""


class ClosedNoSupplement(Event, frozen=True, tag="closed_no_supplement"):
    """终止办理: the supplement period passed without every requested material."""

    phase: str
    due_on: date | None
    missing: list[RequestedMaterial]


class ClosedNoShow(Event, frozen=True, tag="closed_no_show"):
    """终止办理: the applicant did not attend the hearing (the reason is in the history)."""

    procedure: str
    closed_on: date


class Released(Event, frozen=True, tag="released"):
    """一件事一次办: the items this one depends on have their results; it is received now and
    its Art. 32 clock starts."""

    prerequisites: list[str]
    received_on: date
    deadlines: Deadlines


class ClosedPrerequisite(Event, frozen=True, tag="closed_prerequisite"):
    """一件事一次办: an item this one depends on will have no result (refused, denied,
    withdrawn …), so this one never starts; the reason names it."""

    prerequisite: str
    prerequisite_state: str
    closed_on: date


class Rated(Event, frozen=True, tag="rated"):
    rating: int
    follow_up: bool


class FollowUpCompleted(Event, frozen=True, tag="follow_up_completed"):
    """差评整改回访 done: what was done is the history's reason; the applicant may rate again."""

    task_id: str
    completed_on: date


class Rerated(Event, frozen=True, tag="rerated"):
    """The applicant's second rating after the rectification, kept beside the first."""

    rating: int


class ApprovedOnCommitment(Event, frozen=True, tag="approved_on_commitment"):
    """告知承诺制, 即办: accepted and approved at once on the applicant's written commitment,
    without the proofs it replaces; the verification (事中事后核查) is due on
    ``verification_due_on``."""

    result_number: str
    accepted_on: date
    verification_task_id: str
    verification_days: int
    verification_due_on: date | None
    deadlines: Deadlines


class VerificationPassed(Event, frozen=True, tag="verification_passed"):
    """事中事后核查 found the commitment true; the findings are the history's reason."""

    task_id: str
    verified_on: date


class CommitmentRevoked(Event, frozen=True, tag="commitment_revoked"):
    """事中事后核查 found the commitment false: the approval is revoked (state 15) and a credit
    record (失信记录) written; the findings are the history's reason."""

    task_id: str
    verified_on: date
    committed_on: date
    conditions: str
    result_number: str | None
    credit_record_id: str


CaseEvents: TypeAlias = (
    Submitted
    | Accepted
    | AcceptedAutomatically
    | AcceptedDeferred
    | OwedMaterialsSupplied
    | DeclaredNotApplicable
    | Refused
    | SupplementRequested
    | Supplemented
    | Decided
    | Delivered
    | Withdrawn
    | Revoked
    | ClosedNoSupplement
    | ClosedNoShow
    | Released
    | ClosedPrerequisite
    | Rated
    | FollowUpCompleted
    | Rerated
    | ApprovedOnCommitment
    | VerificationPassed
    | CommitmentRevoked
)
