"""What one send attempt comes to: reconciling a resend with the provider, and the row an
attempt's outcome writes (sent, retried after a backoff, deferred, or failed)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import msgspec

from tongban.clock import local_day
from tongban.config import Settings
from tongban.notifications.channels import Outcome, SmsProvider
from tongban.notifications.planner import in_quiet_hours
from tongban.notifications.types import Claimed, Recorded


class Result(msgspec.Struct, frozen=True):
    message: Claimed
    outcome: Outcome


def backoff(settings: Settings, attempts: int, *, jitter: float | None = None) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones (±20 % jitter)."""
    base = min(
        settings.notify_backoff_max_seconds,
        settings.notify_backoff_seconds * 2 ** max(attempts - 1, 0),
    )
    factor = jitter if jitter is not None else random.uniform(0.8, 1.2)
    return float(base * factor)


async def already_sent(sms: SmsProvider, m: Claimed, *, timezone: str) -> str | None:
    """The provider's id of this message if the provider already has it (asked by our id)."""
    # The provider files messages by the real day it got them, not the platform's clock.
    today = local_day(datetime.now(UTC), timezone)
    days: list[date] = sorted({local_day(m.created_at, timezone), today - timedelta(days=1), today})
    for day in days:
        found = await sms.find_sent(message_id=m.id, phone=m.address, sent_on=day)
        if found is not None:
            return found
    return None


def recorded(results: Sequence[Result], *, now: datetime, settings: Settings) -> list[Recorded]:
    """The rows these outcomes write: a temporary failure is retried after a backoff (out of
    quiet hours for a non-urgent SMS) until the attempts run out."""
    provider = {"sms": settings.sms_provider, "email": "smtp"}
    rows: list[Recorded] = []
    for r in results:
        m, o = r.message, r.outcome
        status = {"sent": "sent", "permanent_failure": "failed", "deferred": "deferred"}.get(
            o.status, "retry"
        )
        when = o.retry_at or now
        if status == "retry":
            if m.attempts >= settings.notify_max_attempts:
                status = "failed"
            else:
                when = now + timedelta(seconds=backoff(settings, m.attempts))
                if m.channel == "sms" and not m.urgent:
                    when = in_quiet_hours(when, settings) or when
        rows.append(
            Recorded(
                id=m.id,
                attempts=m.attempts,
                status=status,
                provider=provider[m.channel],
                provider_message_id=o.provider_message_id,
                error=o.error,
                next_attempt_at=when,
            )
        )
    return rows
