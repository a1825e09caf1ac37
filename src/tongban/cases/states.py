"""The case state machine: one table, the only place that says which action is allowed when.

State codes follow GB/T 39046 and the national project-approval spec (BLZT).
"""

from __future__ import annotations

from typing import Final

from tongban.errors import DomainError

STATE_CODES: Final[dict[str, str | None]] = {
    # 一件事一次办: an item of a bundle waiting for an earlier item's result before it starts.
    "waiting": None,
    "received": "1",
    "supplement_requested": "6",
    "accepted": "3",
    "under_review": "8",
    "special_procedure": "9",
    "review_supplement": None,
    "approved": "11",
    "approved_deferred": "12",
    "denied": "13",
    "delivered": None,
    "not_applicable": "4",
    "refused": "5",
    "withdrawn": "2",
    "revoked": "15",
    "closed_no_supplement": None,
    "closed_no_show": None,
    # 一件事一次办: an item whose prerequisite item was refused or denied never starts.
    "closed_prerequisite": None,
}

_OPEN_BEFORE_DECISION = (
    "waiting",
    "received",
    "supplement_requested",
    "accepted",
    "under_review",
    "special_procedure",
    "review_supplement",
)
_DECIDED = ("approved", "approved_deferred", "denied")
_REVIEWING = ("accepted", "under_review")

# action → (states it may be taken in, state it leads to; None keeps the state)
TRANSITIONS: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {
    "accept": (("received",), "accepted"),
    "declare_not_applicable": (("received",), "not_applicable"),
    "refuse": (("received", "supplement_requested"), "refused"),
    "request_intake_supplement": (("received",), "supplement_requested"),
    "supplement": (("supplement_requested", "review_supplement"), None),
    # 容缺受理: owed materials arrive any time until they are all in (or the case closes).
    "supply_owed": (
        ("accepted", "under_review", "special_procedure", "approved_deferred", "delivered"),
        None,
    ),
    "close_no_supplement": (("supplement_requested", "review_supplement"), "closed_no_supplement"),
    # 终止办理: the applicant did not attend the hearing held on their application.
    "close_no_show": (("special_procedure",), "closed_no_show"),
    "claim_task": (_REVIEWING, "under_review"),
    "complete_task": (_REVIEWING, "under_review"),
    "send_back": (_REVIEWING, "under_review"),
    "hand_up": (_REVIEWING, None),
    "transfer": (_REVIEWING, None),
    "start_special_procedure": (_REVIEWING, "special_procedure"),
    "end_special_procedure": (("special_procedure",), "under_review"),
    "request_review_supplement": (_REVIEWING, "review_supplement"),
    "extend": ((*_REVIEWING, "special_procedure", "review_supplement"), None),
    "decide": (_REVIEWING, None),
    "deliver": (_DECIDED, "delivered"),
    "withdraw": (_OPEN_BEFORE_DECISION, "withdrawn"),
    "revoke": ((*_DECIDED, "delivered"), "revoked"),
    "rate": ((*_DECIDED, "delivered"), None),
    "complete_follow_up": ((*_DECIDED, "delivered", "revoked"), None),
    "rerate": ((*_DECIDED, "delivered", "revoked"), None),
    # 告知承诺制: accepted and approved at once (即办), then verified (事中事后核查).
    "approve_on_commitment": (("received",), "approved"),
    "pass_verification": ((*_DECIDED, "delivered"), None),
    "fail_verification": ((*_DECIDED, "delivered"), "revoked"),
}

# Transitions only the platform takes, as the consequence of another case's action: never
# offered to anyone (allowedActions), never a mutation of their own.
SYSTEM_TRANSITIONS: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {
    # 一件事一次办: the prerequisite items' results exist (the item is received, its clocks
    # start), or one never will (the item is closed, naming it).
    "release": (("waiting",), "received"),
    "close_prerequisite": (("waiting",), "closed_prerequisite"),
}

TERMINAL = frozenset(
    {
        "not_applicable",
        "refused",
        "withdrawn",
        "revoked",
        "closed_no_supplement",
        "closed_no_show",
        "closed_prerequisite",
    }
)
CONCLUDED = frozenset({*_DECIDED, "delivered"})


class InvalidStateError(DomainError):
    """The action is not allowed in the case's current state."""

    code = "INVALID_STATE"


def allowed_actions(state: str) -> list[str]:
    return sorted(a for a, (sources, _) in TRANSITIONS.items() if state in sources)


def check(action: str, state: str) -> str:
    """The state after ``action``; raises ``InvalidStateError`` naming what is allowed."""
    sources, target = TRANSITIONS.get(action) or SYSTEM_TRANSITIONS[action]
    if state not in sources:
        allowed = allowed_actions(state)
        raise InvalidStateError(
            f"cannot {action.replace('_', ' ')} a case that is {state.replace('_', ' ')}; "
            f"allowed: {', '.join(allowed) if allowed else 'nothing (the case is closed)'}",
            details={"state": state, "allowedActions": allowed},
            params={"state": state, "action": action},
        )
    return target or state
