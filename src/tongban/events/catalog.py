"""Every kind of event as one tagged union: what the planner and the subscriptions decode."""

from __future__ import annotations

from typing import Any, Final, TypeAlias, get_args

import msgspec

from tongban.cases.events import CaseEvents
from tongban.deadlines.events import DeadlineEvents
from tongban.events.types import Event
from tongban.licences.events import LicenceEvents
from tongban.review.events import ReviewEvents

AnyEvent: TypeAlias = CaseEvents | ReviewEvents | DeadlineEvents | LicenceEvents

EVENT_TYPES: Final[dict[str, type[Event]]] = {
    str(t.__struct_config__.tag): t for t in get_args(AnyEvent)
}


def decode(action: str, payload: dict[str, Any] | None) -> AnyEvent:
    """The typed event of a history row (its action and payload columns)."""
    event: AnyEvent = msgspec.convert({**(payload or {}), "action": action}, AnyEvent)
    return event
