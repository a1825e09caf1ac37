"""Which notification each kind of event gives: one row per event type, so that a new kind of
event cannot be forgotten (tests/events/test_event_types.py fails without its row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tongban.cases import events as ce
from tongban.deadlines import events as de
from tongban.events.types import Event
from tongban.licences import events as le
from tongban.review import events as rv


def _decision_notice(event: Any) -> str:
    # A denial is the decision itself; an approval first tells where to collect the licence,
    # and an approval with materials still owed (容缺) also what is owed and by when.
    if event.decision == "denied":
        return "decided"
    return (
        "ready_for_delivery_deferred"
        if event.decision == "approved_deferred"
        else ("ready_for_delivery")
    )


def _delivery_notice(event: Any) -> str:
    # What the applicant is told names how the result reached them (and invites a rating);
    # a delivery recorded before methods were, only invites the rating.
    return "rating_invitation" if event.method is None else f"delivered_{event.method}"


# Every kind of event decides here which notification it gives; None: internal steps notify
# nobody. A new kind of event without a row here fails tests/events/test_event_types.py.
NOTIFICATIONS: dict[type[Event], str | Callable[[Any], str | None] | None] = {
    ce.Submitted: "received",
    ce.Accepted: "accepted",
    ce.AcceptedAutomatically: "accepted",
    ce.AcceptedDeferred: "accepted_deferred",
    ce.OwedMaterialsSupplied: "owed_materials_received",
    ce.DeclaredNotApplicable: "not_applicable",
    ce.Refused: "refused",
    ce.SupplementRequested: "supplement_requested",
    # Only a partial supplement: the applicant is told what is still owed and by when.
    ce.Supplemented: lambda e: "supplement_partly_received" if e.outstanding else None,
    ce.Decided: _decision_notice,
    ce.Delivered: _delivery_notice,
    ce.Withdrawn: "withdrawn",
    ce.ClosedNoSupplement: "closed_no_supplement",
    ce.ClosedNoShow: "closed_no_show",
    # 一件事一次办: the bundle's own notice tells the applicant (bundles.notices), not each item.
    ce.Released: None,
    ce.ClosedPrerequisite: None,
    ce.Revoked: "revoked",
    ce.Rated: None,
    ce.FollowUpCompleted: "follow_up_completed",
    ce.Rerated: None,
    ce.ApprovedOnCommitment: "approved_on_commitment",
    ce.VerificationPassed: "verification_passed",
    ce.CommitmentRevoked: "commitment_revoked",
    le.LicenceIssued: "licence_issued",
    # The revocation's own notice already says the licence lapses with the decision.
    le.LicenceRevoked: None,
    rv.TaskClaimed: None,
    rv.OpinionGiven: None,
    rv.SentBack: None,
    rv.HandedUp: "handed_up",
    rv.Transferred: "transferred",
    rv.SpecialProcedureStarted: "special_procedure",
    rv.SpecialProcedureEnded: None,
    rv.Extended: "extended",
    de.DeadlineYellow: "deadline_yellow",
    de.DeadlineRed: "deadline_red",
    de.DeadlineEscalation: "deadline_escalation",
}


def kind_of(event: Event) -> str | None:
    """The notification an event gives, or None (internal steps notify nobody)."""
    decision = NOTIFICATIONS.get(type(event))
    return decision(event) if callable(decision) else decision
