"""Sending messages: claim due rows, respect the shared rate limit, send, record what happened.

Lifecycle of a row: pending → sending → sent → delivered; a temporary failure → retry (backoff,
doubled per attempt) → … → failed after ``notify_max_attempts``; a permanent failure → failed.

At most one message reaches the provider per row, even when a worker dies mid-send:
- a claim is a lease (``lease_until``) fenced by the attempt number; a late result of an
  expired attempt changes nothing;
- a lease runs on the database's clock, never on the simulated clock of legal dates
  (TONGBAN_CLOCK_SPEED), and a live worker renews the leases of everything it holds every
  quarter lease, so only a dead (or cut-off) worker's lease runs out; before handing a message
  to the provider the worker checks that its lease outlasts the send timeout;
- a claim takes one message per address (the one of the earliest event), and each result is
  recorded as soon as that message is sent: nothing sits claimed behind a slow provider, and
  the address's next message is claimable once this one is recorded — one phone gets one
  message at a time, in event order. Claims are serialised (a transaction-scoped advisory
  lock) so two workers cannot each take a message of the same address;
- a row whose lease expired (its worker died) goes back to retry, and before any retry the SMS
  provider is asked whether it already has the message (by our id, ``OutId``); only if it does
  not is it sent again. E-mail cannot be asked; a resend carries the same Message-ID, which
  receiving systems use to drop the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg
import redis.asyncio as aioredis

from tongban.clock import Clock
from tongban.config import Settings
from tongban.notifications import repository
from tongban.notifications.attempts import Result, already_sent, recorded
from tongban.notifications.channels import (
    EmailSender,
    Outcome,
    SmsProvider,
    temporary,
)
from tongban.notifications.errors import ProviderError
from tongban.notifications.planner import in_quiet_hours
from tongban.notifications.ratelimit import LimiterUnavailable, TokenBucket, recipient_over_cap
from tongban.notifications.types import Claimed

log = logging.getLogger(__name__)

# A claim reads due rows in pages of this many per message it may take, and at most
# CLAIM_PAGES pages: an address with many due messages yields one of them, and those behind
# a flood to one busy phone are still reached.
CLAIM_WINDOW = 4
CLAIM_PAGES = 4


class _Hold:
    """A message this process has claimed and not yet recorded, until when (monotonic seconds)
    its lease is known to hold, and its result if sent but not yet recorded."""

    __slots__ = ("message", "result", "until")

    def __init__(self, message: Claimed, until: float) -> None:
        self.message = message
        self.until = until
        self.result: Result | None = None


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
        self.redis = redis
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
        self._held: dict[str, _Hold] = {}
        self._keeper: asyncio.Task[None] | None = None
        self._results: list[tuple[Result, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    def channels(self) -> list[str]:
        return [c for c, on in (("sms", self.sms), ("email", self.email)) if on is not None]

    async def release_expired(self) -> int:
        """Rows whose worker died mid-send go back to retry (reconciled before any resend)."""
        async with self.pool.acquire() as conn:
            released = await repository.release_expired(conn, next_attempt_at=self.clock.now())
        if released:
            log.warning("notifications: released %d messages of a lost worker", released)
        return released

    async def run_once(self) -> int:
        """Claim what is due and may be sent now, send it, record each; return how many."""
        claimed = await self.claim()
        await asyncio.gather(*(self.deliver(m) for m in claimed))
        return len(claimed)

    async def claim(self, limit: int | None = None) -> list[Claimed]:
        """Claim up to ``limit`` due messages (one per address) under the rate limit, and keep
        their leases alive until ``deliver`` has recorded them."""
        limit = self.settings.notify_batch if limit is None else limit
        now = self.clock.now()
        quiet = in_quiet_hours(now, self.settings) is not None
        granted: dict[str, int] = {}
        for channel in self.channels:
            try:
                granted[channel], _ = await self.buckets[channel].take(limit)
            except LimiterUnavailable as exc:
                # Fail closed: without the shared limiter nothing is sent; rows stay due.
                self.limiter_errors += 1
                log.warning("notifications: rate limiter unreachable, sending nothing: %s", exc)
                granted[channel] = 0
        if not any(granted.values()):
            return []
        # Measured before the claim: the database's lease ends no earlier than this plus the
        # lease, whatever the statement's latency.
        started = time.monotonic()
        try:
            claimed = await self._claim(now, granted, quiet)
        except BaseException:
            for channel, tokens in granted.items():
                await self.buckets[channel].refund(tokens)
            raise
        by_channel = {c: sum(1 for m in claimed if m.channel == c) for c in granted}
        for channel, tokens in granted.items():
            await self.buckets[channel].refund(tokens - by_channel[channel])
        until = started + self.settings.notify_lease_seconds
        for m in claimed:
            self._held[m.id] = _Hold(m, until)
        if claimed and (self._keeper is None or self._keeper.done()):
            self._keeper = asyncio.create_task(self._keep_leases())
        return claimed

    async def deliver(self, m: Claimed) -> Result | None:
        """Send one claimed message and record its result at once (None: the lease was lost
        before the send, so nothing was sent)."""
        hold = self._held.get(m.id)
        if hold is None:
            return None
        try:
            result = await self._send(m)
        except BaseException:
            self._held.pop(m.id, None)
            raise
        if result is None:
            self._held.pop(m.id, None)
            return None
        try:
            await self._record_soon(result)
        except Exception as exc:
            # Sent but not recorded: keep holding it (the lease renewed) and record it later;
            # meanwhile its address stays in flight, so nothing overtakes it.
            log.warning("notifications: recording a sent message failed, retrying: %s", exc)
            hold.result = result
            return result
        self._held.pop(m.id, None)
        return result

    async def close(self) -> None:
        """Stop renewing leases (a process on its way out; unrecorded rows will be reconciled)."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None

    async def _keep_leases(self) -> None:
        interval = self.settings.notify_lease_seconds / 4
        while self._held:
            await asyncio.sleep(interval)
            holds = list(self._held.values())
            if not holds:
                return
            try:
                await self._renew(holds)
            except Exception as exc:  # the database away: the deadline check stops sends
                log.warning("notifications: renewing leases failed: %s", exc)
                continue
            unrecorded = [h for h in holds if h.result is not None and h.message.id in self._held]
            if unrecorded:
                try:
                    await self._record([h.result for h in unrecorded if h.result is not None])
                except Exception as exc:
                    log.warning("notifications: recording sent messages failed: %s", exc)
                else:
                    for h in unrecorded:
                        self._held.pop(h.message.id, None)

    async def _renew(self, holds: Sequence[_Hold]) -> None:
        started = time.monotonic()
        async with self.pool.acquire() as conn:
            kept = await repository.renew_leases(
                conn,
                ids=[h.message.id for h in holds],
                attempts=[h.message.attempts for h in holds],
                lease_seconds=self.settings.notify_lease_seconds,
            )
        for h in holds:
            if h.message.id in kept:
                h.until = started + self.settings.notify_lease_seconds
            else:
                # Released and perhaps claimed by another worker: never send it from here.
                h.until = float("-inf")
                self._held.pop(h.message.id, None)

    async def _lease_covers_send(self, m: Claimed) -> bool:
        """Whether the lease outlasts a send that takes the whole timeout (renewed if not)."""
        hold = self._held.get(m.id)
        if hold is None:  # not claimed through claim(): nothing to check against
            return True
        timeout = (
            self.settings.sms_timeout_seconds
            if m.channel == "sms"
            else self.settings.smtp_timeout_seconds
        )
        if hold.until - time.monotonic() > timeout:
            return True
        await self._renew([hold])
        return hold.until - time.monotonic() > timeout

    async def _claim(self, now: datetime, granted: dict[str, int], quiet: bool) -> list[Claimed]:
        claimed: list[Claimed] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await repository.lock_claims(conn)
            for channel, limit in granted.items():
                if limit > 0:
                    claimed += await repository.claim_due(
                        conn,
                        now=now,
                        channel=channel,
                        limit=limit,
                        window=limit * CLAIM_WINDOW,
                        pages=CLAIM_PAGES,
                        lease_seconds=self.settings.notify_lease_seconds,
                        quiet=quiet,
                    )
        return sorted(claimed, key=lambda m: m.event_seq)

    async def _send(self, m: Claimed) -> Result | None:
        """The outcome of one send; None when the lease cannot be shown to outlast the send
        (nothing was sent: the row is reconciled once its lease runs out)."""
        async with self._gate:
            try:
                if m.channel == "sms" and m.attempts > 1:
                    assert self.sms is not None
                    found = await already_sent(self.sms, m, timezone=self.settings.timezone)
                    if found is not None:
                        return Result(m, Outcome("sent", provider_message_id=found))
            except ProviderError as exc:  # cannot tell whether it was sent: do not resend yet
                return Result(m, temporary(f"provider could not say: {exc}"))
            except Exception as exc:
                log.exception("notifications: reconciling with the provider raised")
                return Result(m, temporary(f"{type(exc).__name__}: {exc}"))
            try:
                if not await self._lease_covers_send(m):
                    log.warning("notifications: lease of %s lost before sending", m.id)
                    return None
            except Exception as exc:  # the database away: no proof of the lease, no send
                log.warning("notifications: cannot renew the lease of %s: %s", m.id, exc)
                return None
            if m.channel == "sms" and not m.urgent:
                capped = await self._over_cap(m)
                if capped is not None:
                    return Result(m, capped)
            return Result(m, await self._dispatch(m))

    async def _over_cap(self, m: Claimed) -> Outcome | None:
        """A deferral when the number had its hourly share of non-urgent SMS (None: send)."""
        try:
            later = await recipient_over_cap(
                self.redis,
                address=m.address,
                cap=self.settings.sms_per_recipient_per_hour,
                # The platform's clock, like quiet hours: a policy about people's hours.
                now=self.clock.now().timestamp(),
            )
        except LimiterUnavailable as exc:  # cannot count: send nothing now
            return temporary(f"per-recipient cap unavailable: {exc}")
        if later is None:
            return None
        return Outcome(
            "deferred",
            error=(
                f"more than {self.settings.sms_per_recipient_per_hour} "
                "non-urgent SMS this hour to this number"
            ),
            retry_at=datetime.fromtimestamp(later, UTC),
        )

    async def _dispatch(self, m: Claimed) -> Outcome:
        try:
            if m.channel == "sms":
                assert self.sms is not None
                # The provider template carries our rendered text in ${content} alone.
                return await self.sms.send(message_id=m.id, phone=m.address, text=m.body, params={})
            assert self.email is not None
            return await self.email.send(
                message_id=m.id, to=m.address, subject=m.subject, body=m.body
            )
        except Exception as exc:  # a channel bug must not lose the row's lease bookkeeping
            log.exception("notifications: channel raised")
            return temporary(f"{type(exc).__name__}: {exc}")

    async def _record_soon(self, result: Result) -> None:
        """Record one result now; results arriving while a write is under way share the next
        write (one statement for many sends, none waiting for a whole batch)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((result, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._results:
            batch, self._results = self._results, []
            try:
                await self._record([r for r, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _record(self, results: Sequence[Result]) -> None:
        now = self.clock.now()
        rows = recorded(results, now=now, settings=self.settings)
        async with self.pool.acquire() as conn:
            await repository.record(conn, results=rows, now=now)
