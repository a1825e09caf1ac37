"""What an event is: a msgspec struct per kind of event, tagged with its action, and the one
message the outbox carries for every event.

The history row keeps the event's fields as its payload (the action has its own column, so the
tag is left out of the payload); the keys are the camelCase ones the history has always had, so
rows written before these types decode the same way.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="action", rename="camel"):
    """Base of every event; each area's ``events.py`` has its kinds, tagged with the action."""


def action_of(event: Event) -> str:
    tag = type(event).__struct_config__.tag
    assert isinstance(tag, str), f"{type(event).__name__} has no action tag"
    return tag


def payload_of(event: Event) -> dict[str, Any]:
    """The history payload: the event's fields without its tag."""
    payload: dict[str, Any] = msgspec.to_builtins(event)
    payload.pop("action", None)
    return payload


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The outbox row's payload, as the relay publishes it: a case change carries the version
    and state after it, a deadline warning its level, clock and recipients. ``eventId`` and
    ``seq`` are added by the insert, which knows them."""

    action: str
    caseId: str | None = None
    caseNumber: str | None = None
    version: int | None = None
    state: str | None = None
    level: str | None = None
    clock: str | None = None
    recipients: list[str] | None = None
    eventId: str | None = None
    seq: int | None = None


class RelayMessage(msgspec.Struct, frozen=True, kw_only=True):
    """What the relay puts on the stream and the pub/sub channels for one outbox row (a
    subscription's replay from the outbox table knows only the first three)."""

    eventId: str
    caseId: str
    payload: OutboxMessage
    outboxId: int | None = None
    topic: str | None = None
    createdAt: str | None = None
