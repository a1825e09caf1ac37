"""Sending messages: claim due rows, respect the shared rate limit, send, record what happened.

Lifecycle of a row: pending → sending → sent → delivered; a temporary failure → retry (backoff,
doubled per attempt) → … → failed after ``notify_max_attempts``; a permanent failure → failed.

At most one message reaches the provider per row, even when a worker dies mid-send:
- a claim is a lease (``lease_until``) fenced by the attempt number; a late result of an
  expired attempt changes nothing;
- a row whose lease expired (its worker died) goes back to retry, and before any retry the SMS
  provider is asked whether it already has the message (by our id, ``OutId``); only if it does
  not is it sent again. E-mail cannot be asked; a resend carries the same Message-ID, which
  receiving systems use to drop the copy.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import redis.asyncio as aioredis

from tongban.cases.workflow import Clock, local_day
from tongban.config import Settings
from tongban.notifications.channels import EmailSender, Outcome, ProviderError, SmsProvider
from tongban.notifications.planner import in_quiet_hours
from tongban.notifications.ratelimit import LimiterUnavailable, TokenBucket

log = logging.getLogger(__name__)


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


class Sender:
    """One worker's sending loop state: channels, buckets, and the clock that says "now"."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: aioredis.Redis,
        settings: Settings,
        clock: Clock,
        *,
        sms: SmsProvider | None,
        email: EmailSender | None,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.sms = sms
        self.email = email
        self.buckets = {
            "sms": TokenBucket(
                redis,
                f"sms:{settings.sms_provider}",
                rate=settings.sms_rate_per_second,
                burst=settings.sms_rate_burst,
            ),
            "email": TokenBucket(
                redis,
                "email:smtp",
                rate=settings.email_rate_per_second,
                burst=settings.email_rate_burst,
            ),
        }
        self._gate = asyncio.Semaphore(settings.notify_concurrency)
        self.limiter_errors = 0

    @property
    def channels(self) -> list[str]:
        return [c for c, on in (("sms", self.sms), ("email", self.email)) if on is not None]

    async def release_expired(self) -> int:
        """Rows whose worker died mid-send go back to retry (reconciled before any resend)."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            status = await conn.execute(
                """UPDATE notification_message
                   SET status = 'retry', next_attempt_at = $1, lease_until = NULL,
                       last_error = 'the sending worker stopped mid-send; checked before resending',
                       updated_at = now()
                   WHERE status = 'sending' AND lease_until < $1""",
                now,
            )
        released = int(status.split()[-1])
        if released:
            log.warning("notifications: released %d messages of a lost worker", released)
        return released

    async def run_once(self) -> int:
        """Claim what is due and may be sent now, send it, record it; return how many."""
        now = self.clock.now()
        quiet = in_quiet_hours(now, self.settings) is not None
        granted: dict[str, int] = {}
        for channel in self.channels:
            try:
                granted[channel], _ = await self.buckets[channel].take(self.settings.notify_batch)
            except LimiterUnavailable as exc:
                # Fail closed: without the shared limiter nothing is sent; rows stay due.
                self.limiter_errors += 1
                log.warning("notifications: rate limiter unreachable, sending nothing: %s", exc)
                granted[channel] = 0
        if not any(granted.values()):
            return 0
        claimed = await self._claim(now, granted, quiet)
        by_channel = {c: sum(1 for m in claimed if m.channel == c) for c in granted}
        for channel, tokens in granted.items():
            await self.buckets[channel].refund(tokens - by_channel[channel])
        if not claimed:
            return 0
        # One address receives its messages in event order; different addresses in parallel.
        queues: dict[tuple[str, str], list[Claimed]] = {}
        for m in sorted(claimed, key=lambda m: m.event_seq):
            queues.setdefault((m.channel, m.address), []).append(m)
        done = await asyncio.gather(*(self._send_in_order(q) for q in queues.values()))
        results = [r for q in done for r in q]
        await self._record(results)
        return len(results)

    async def _send_in_order(self, queue: list[Claimed]) -> list[Result]:
        return [await self._send(m) for m in queue]

    async def _claim(self, now: datetime, granted: dict[str, int], quiet: bool) -> list[Claimed]:
        lease_until = now + timedelta(seconds=self.settings.notify_lease_seconds)
        rows: list[asyncpg.Record] = []
        async with self.pool.acquire() as conn:
            for channel, limit in granted.items():
                if limit <= 0:
                    continue
                rows += await conn.fetch(
                    # The first due rows by the index, then those whose address has no message
                    # in flight (another send loop or worker): one phone gets one message at a
                    # time, in event order. Two steps keep the plan an index walk of one page.
                    """WITH candidates AS (
                           SELECT id, channel, address FROM notification_message
                           WHERE status IN ('pending', 'retry') AND next_attempt_at <= $1
                             AND channel = $2 AND (urgent OR NOT $5 OR channel <> 'sms')
                           ORDER BY next_attempt_at, event_seq LIMIT $3
                           FOR UPDATE SKIP LOCKED),
                       due AS (
                           SELECT c.id FROM candidates c
                           WHERE NOT EXISTS (
                               SELECT 1 FROM notification_message s
                               WHERE s.status = 'sending' AND s.channel = c.channel
                                 AND s.address = c.address))
                       UPDATE notification_message m
                       SET status = 'sending', attempts = m.attempts + 1, lease_until = $4,
                           updated_at = now()
                       FROM due WHERE m.id = due.id
                       RETURNING m.id::text, m.channel, m.address, m.subject, m.body, m.params,
                                 m.urgent, m.attempts, m.created_at, m.event_seq""",
                    now,
                    channel,
                    limit,
                    lease_until,
                    quiet,
                )
        return [Claimed(**dict(r)) for r in rows]

    async def _send(self, m: Claimed) -> Result:
        async with self._gate:
            try:
                if m.channel == "sms":
                    assert self.sms is not None
                    if m.attempts > 1:
                        found = await self._already_sent(m)
                        if found is not None:
                            return Result(m, Outcome("sent", provider_message_id=found))
                    # The provider template carries our rendered text in ${content} alone.
                    outcome = await self.sms.send(
                        message_id=m.id, phone=m.address, text=m.body, params={}
                    )
                else:
                    assert self.email is not None
                    outcome = await self.email.send(
                        message_id=m.id, to=m.address, subject=m.subject, body=m.body
                    )
            except ProviderError as exc:  # cannot tell whether it was sent: do not resend yet
                outcome = Outcome("temporary_failure", error=f"provider could not say: {exc}")
            except Exception as exc:  # a channel bug must not lose the row's lease bookkeeping
                log.exception("notifications: channel raised")
                outcome = Outcome("temporary_failure", error=f"{type(exc).__name__}: {exc}")
            return Result(m, outcome)

    async def _already_sent(self, m: Claimed) -> str | None:
        assert self.sms is not None
        today = local_day(self.clock.now(), self.settings.timezone)
        days: list[date] = sorted(
            {local_day(m.created_at, self.settings.timezone), today - timedelta(days=1), today}
        )
        for day in days:
            found = await self.sms.find_sent(message_id=m.id, phone=m.address, sent_on=day)
            if found is not None:
                return found
        return None

    async def _record(self, results: Sequence[Result]) -> None:
        now = self.clock.now()
        provider = {"sms": self.settings.sms_provider, "email": "smtp"}
        ids: list[str] = []
        statuses: list[str] = []
        provider_ids: list[str | None] = []
        errors: list[str | None] = []
        next_at: list[datetime] = []
        attempts: list[int] = []
        providers: list[str] = []
        for r in results:
            m, o = r.message, r.outcome
            status = {"sent": "sent", "permanent_failure": "failed"}.get(o.status, "retry")
            when = now
            if status == "retry":
                if m.attempts >= self.settings.notify_max_attempts:
                    status = "failed"
                else:
                    when = now + timedelta(seconds=backoff(self.settings, m.attempts))
                    if m.channel == "sms" and not m.urgent:
                        when = in_quiet_hours(when, self.settings) or when
            ids.append(m.id)
            statuses.append(status)
            provider_ids.append(o.provider_message_id)
            errors.append(o.error)
            next_at.append(when)
            attempts.append(m.attempts)
            providers.append(provider[m.channel])
        async with self.pool.acquire() as conn:
            await conn.execute(
                """UPDATE notification_message m
                   SET status = r.status,
                       provider = r.provider,
                       provider_message_id = coalesce(r.provider_id, m.provider_message_id),
                       last_error = CASE WHEN r.status = 'sent' THEN m.last_error ELSE r.error END,
                       next_attempt_at = r.next_at,
                       sent_at = CASE WHEN r.status = 'sent' THEN $7 ELSE m.sent_at END,
                       failed_at = CASE WHEN r.status = 'failed' THEN $7 ELSE NULL END,
                       lease_until = NULL,
                       updated_at = now()
                   FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],
                               $5::timestamptz[], $6::int[], $8::text[])
                        AS r(id, status, provider_id, error, next_at, attempts, provider)
                   WHERE m.id = r.id AND m.status = 'sending' AND m.attempts = r.attempts""",
                ids,
                statuses,
                provider_ids,
                errors,
                next_at,
                attempts,
                now,
                providers,
            )
