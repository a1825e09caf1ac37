"""The notifications area's structs: what its repository returns and its services hand out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from tongban.notifications.templates import Template


class PublishedTemplate(msgspec.Struct, frozen=True, kw_only=True):
    template: Template
    published_at: datetime | None
    published_by: str | None


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    audience: str
    recipient_id: str
    channel: str
    address: str
    subject: str
    body: str
    status: str
    attempts: int
    provider_message_id: str | None
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None


class Claimed(msgspec.Struct, frozen=True):
    id: str
    channel: str
    address: str
    subject: str
    body: str
    params: dict[str, Any]
    urgent: bool
    attempts: int
    created_at: datetime
    event_seq: int


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """What became of one attempt, to be written if that attempt still holds the row."""

    id: str
    attempts: int
    status: str
    provider: str
    provider_message_id: str | None
    error: str | None
    next_attempt_at: datetime


class EventToPlan(msgspec.Struct, frozen=True, kw_only=True):
    """An outbox row's event with what its messages say and where they go."""

    outbox_id: int
    event_id: str
    action: str
    payload: dict[str, Any] | None
    reason: str | None
    case_id: str
    number: str
    received_on: date | None
    result_number: str | None
    competent_agency: str | None
    terminal_reason: str | None
    decision: str | None
    decision_reason: str | None
    receiving_region_name: str
    receiving_region_level: str
    applicant_id: str
    applicant_name: str | None
    mobile: str | None
    email: str | None
    channels: list[str]
    matter_name: str
    matter_kind: str
    department_name: str
    delivery_due_on: date | None
    # 一件事一次办 (None for a lone case): the bundle, this item's place in it, the events of
    # the same transaction on its items, every item as it is now, and whether no item ended
    # after this event (the one that may say the whole bundle is decided).
    bundle_application_id: str | None = None
    bundle_name: str | None = None
    bundle_position: int | None = None
    bundle_group: list[dict[str, Any]] | None = None
    bundle_items: list[dict[str, Any]] | None = None
    bundle_last_closing: bool = False


class Contact(msgspec.Struct, frozen=True):
    """Where one recipient takes messages."""

    recipient_id: str
    mobile: str | None
    email: str | None
    channels: list[str]


class NewMessage(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    event_seq: int
    case_id: str
    kind: str
    audience: str
    recipient_id: str
    channel: str
    address: str
    template_version: int
    urgent: bool
    subject: str
    body: str
    params: dict[str, str]
    next_attempt_at: datetime


class Planned(msgspec.Struct, frozen=True):
    events: int
    messages: int
    busy: frozenset[int] = frozenset()
    """Outbox ids not handled yet and locked by another transaction: try them again shortly."""


class Backlog(msgspec.Struct, frozen=True):
    """Messages due now, and how long the oldest of them has waited (seconds)."""

    due: int
    oldest_seconds: float
