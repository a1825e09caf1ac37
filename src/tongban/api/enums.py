"""Closed value sets shared by inputs and outputs: one vocabulary for the front ends."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, get_args

import strawberry

from tongban.cases import types as cases
from tongban.notifications.templates import KINDS


def derived_enum(name: str, values: Mapping[str, str], *, description: str) -> Any:
    """A GraphQL enum whose members are the domain's own list (value -> description).

    The domain's Literal or table stays the one place a value is added; the API follows.
    """
    members = {
        value.upper(): strawberry.enum_value(value, description=text or None)
        for value, text in values.items()
    }
    built: Any = Enum(name, members)  # type: ignore[misc]  # the name is not a literal here
    return strawberry.enum(built, description=description)


@strawberry.enum(description="Applicant kind.")
class ApplicantKind(Enum):
    PERSON = strawberry.enum_value("person", description="A natural person (resident ID number).")
    ORGANISATION = strawberry.enum_value(
        "organisation", description="An organisation (unified social credit code)."
    )


@strawberry.enum(description="A notice channel.")
class Channel(Enum):
    SMS = strawberry.enum_value("sms", description="Text message.")
    EMAIL = strawberry.enum_value("email", description="E-mail.")


@strawberry.enum(description="The decision on a case.")
class DecisionKind(Enum):
    APPROVED = strawberry.enum_value("approved", description="准予.")
    APPROVED_DEFERRED = strawberry.enum_value(
        "approved_deferred", description="容缺: approved, materials to follow."
    )
    DENIED = strawberry.enum_value("denied", description="不予.")


@strawberry.enum(description="When a material came in.")
class MaterialPhase(Enum):
    SUBMISSION = strawberry.enum_value("submission", description="With the application.")
    SUPPLEMENT = strawberry.enum_value("supplement", description="With a supplement (补正).")


# mypy sees an enum class; at run time the members come from the domain's lists.
if TYPE_CHECKING:
    CaseEventAction = Enum
    ActorKind = Enum
    NotificationKind = Enum
else:
    _ACTIONS = {
        "submitted": "Application filed (收件).",
        "accepted": "Accepted (受理).",
        "accepted_automatically": "Accepted by law: no intake decision within 5 days.",
        "declared_not_applicable": "Not within this agency's powers (不予受理, 告知有权机关).",
        "refused": "Refused at intake (不予受理).",
        "supplement_requested": "Supplement requested (一次性告知补正).",
        "supplemented": "Supplement filed.",
        "closed_no_supplement": "Closed: the supplement did not come (补正不来办结).",
        "task_claimed": "A review task was claimed.",
        "opinion_given": "A reviewer gave an opinion.",
        "sent_back": "Sent back to an earlier review stage.",
        "handed_up": "Handed up to a higher level (上报).",
        "transferred": "Transferred to another department or region (转办).",
        "special_procedure_started": "A special procedure started (特别程序).",
        "special_procedure_ended": "A special procedure ended.",
        "extended": "The decision deadline was extended (延期).",
        "decided": "Decided (决定).",
        "delivered": "The decision was delivered (送达).",
        "withdrawn": "Withdrawn by the applicant (撤回).",
        "revoked": "The permit was revoked (撤销).",
        "rated": "The applicant rated the service (好差评).",
        "deadline_yellow": "Yellow deadline warning (黄牌).",
        "deadline_red": "Red deadline warning (红牌).",
        "deadline_escalation": "Statutory deadline passed: escalated (督办).",
    }
    CaseEventAction = derived_enum(
        "CaseEventAction",
        {action: _ACTIONS.get(action, "") for action in get_args(cases.EventAction)},
        description="What happened to a case (an entry of its history).",
    )
    _ACTORS = {
        "applicant": "The applicant.",
        "officer": "A government officer.",
        "system": "Tongban itself (deadline supervision, automatic acceptance).",
    }
    ActorKind = derived_enum(
        "ActorKind",
        {kind: _ACTORS.get(kind, "") for kind in get_args(cases.ActorKind)},
        description="Who made a change to a case.",
    )
    NotificationKind = derived_enum(
        "NotificationKind",
        {kind: f"{k.title} (to the {k.audience})." for kind, k in KINDS.items()},
        description="What a notification is about.",
    )
