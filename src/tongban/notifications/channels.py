"""Outbound channels: the shapes every SMS provider and e-mail sender share.

A channel never raises from ``send``: it answers with an ``Outcome``, so the sending loop can
decide between done, retry later (temporary) and give up (permanent) without knowing which
provider is behind it. A temporary failure after the request left may still have been delivered
(a timeout waiting for the answer): the caller reconciles with ``SmsProvider.find_sent`` before
sending again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal, Protocol

import msgspec


class Outcome(msgspec.Struct, frozen=True):
    """What became of one send."""

    status: Literal["sent", "temporary_failure", "permanent_failure", "deferred"]
    provider_message_id: str | None = None
    error: str | None = None
    # "deferred": not sent and not an attempt (a per-recipient cap); try again at this instant.
    retry_at: datetime | None = None


def sent(provider_message_id: str | None) -> Outcome:
    return Outcome("sent", provider_message_id=provider_message_id)


def temporary(error: str) -> Outcome:
    return Outcome("temporary_failure", error=error)


def permanent(error: str) -> Outcome:
    return Outcome("permanent_failure", error=error)


class Receipt(msgspec.Struct, frozen=True):
    """A delivery report from the SMS provider."""

    message_id: str
    """Our id (Alibaba ``out_id``)."""
    provider_message_id: str
    """The provider's id (Alibaba ``biz_id``)."""
    delivered: bool
    error: str | None
    reported_at: datetime
    """When the handset's network reported it (aware)."""


class SmsProvider(Protocol):
    name: str

    async def send(
        self, *, message_id: str, phone: str, text: str, params: Mapping[str, str]
    ) -> Outcome: ...

    async def find_sent(self, *, message_id: str, phone: str, sent_on: date) -> str | None:
        """The provider's id of our ``message_id`` if the provider has it, else None.

        Used after a crash mid-send. Raises ``ProviderError`` when the provider cannot say.
        """
        ...

    def parse_receipts(
        self, body: bytes, headers: Mapping[str, str], *, now: float | None = None
    ) -> list[Receipt]:
        """Authenticate and parse a delivery-report callback; raises InvalidReceiptSignature
        when the signature is wrong or the report was signed outside the accepted window."""
        ...

    async def aclose(self) -> None: ...


class EmailSender(Protocol):
    async def send(self, *, message_id: str, to: str, subject: str, body: str) -> Outcome: ...

    async def aclose(self) -> None: ...
