"""The loops of a notification worker (`tongban worker notifications`).

Three loops run beside arq for the worker's lifetime:
- consume: reads the relay's stream in the consumer group ``notifications`` and plans the
  messages of each event; an entry is acknowledged only once its event is planned (an outbox
  row still locked by the relay's open transaction is tried again within milliseconds), and
  entries of a dead consumer are claimed after 30 s;
- catch up: every few seconds plans published events the stream lost (the outbox is the
  truth) and releases messages whose worker died mid-send;
- send: claims due messages under the shared rate limit whenever it has room, sends each as
  soon as it is claimed and records its result as soon as it is sent (see sender.py for
  leases).
On SIGTERM the loops stop taking work and the sends in flight finish before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis

from tongban.events.relay import STREAM
from tongban.notifications.planner import plan_pending
from tongban.notifications.sender import Sender
from tongban.notifications.types import Claimed
from tongban.system.worker import Heartbeats

log = logging.getLogger(__name__)

GROUP = "notifications"
CLAIM_IDLE_MS = 30_000
CATCH_UP_SECONDS = 5.0
CATCH_UP_AGE_SECONDS = 10.0
# The relay commits a few milliseconds after its stream entries become readable: the first
# retry of an event whose outbox row it still holds comes soon, later ones back off.
RETRY_FIRST_SECONDS = 0.02
RETRY_MAX_SECONDS = 1.0
_decoder = msgspec.json.Decoder()


class Notifier:
    """The loops of one worker process, with a stop that lets sends in flight finish."""

    def __init__(self, sender: Sender, *, consumer: str) -> None:
        # The loops plan and claim on the connections, settings and clock the sender sends with.
        self.pool = sender.pool
        self.redis = sender.redis
        self.settings = sender.settings
        self.clock = sender.clock
        self.sender = sender
        self.consumer = consumer
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        # Stream entries read but not acknowledged: their outbox rows were busy when we tried.
        self.unplanned: list[Any] = []
        self._retry_seconds = RETRY_FIRST_SECONDS
        # Liveness: each loop beats on every pass, failed or not (system.worker).
        self.heartbeats: Heartbeats | None = None

    def _beat(self, loop: str) -> None:
        if self.heartbeats is not None:
            self.heartbeats.beat(loop)

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self._guard("consume", self.consume_once, 0.0)),
            asyncio.create_task(self._guard("catch-up", self.catch_up, CATCH_UP_SECONDS)),
            asyncio.create_task(self._send_loop()),
        ]

    async def stop(self, grace_seconds: float) -> None:
        self.stopping.set()
        self.wake.set()
        _, pending = (
            await asyncio.wait(self.tasks, timeout=grace_seconds) if self.tasks else ((), ())
        )
        for task in pending:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.sender.close()

    @property
    def alive(self) -> bool:
        return bool(self.tasks) and not any(t.done() for t in self.tasks)

    async def _guard(self, name: str, step: Callable[[], Awaitable[Any]], pause: float) -> None:
        while not self.stopping.is_set():
            self._beat(name)
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis or PostgreSQL away: log, wait, go on
                log.warning("notifications: %s failed, retrying: %s", name, exc)
                pause_now = max(pause, 1.0)
            else:
                pause_now = pause
            if pause_now:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), timeout=pause_now)

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
        except aioredis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def consume_once(self, block_ms: int = 1000) -> int:
        """Plan the events of the next stream entries (and of those whose rows were busy);
        return how many entries were planned and acknowledged."""
        await self.ensure_group()
        retry, self.unplanned = self.unplanned, []
        if retry:
            # New entries may arrive meanwhile; the busy ones are retried when the wait ends.
            block_ms = max(1, min(block_ms, int(self._retry_seconds * 1000)))
        try:
            found = await self.redis.xreadgroup(
                GROUP, self.consumer, {STREAM: ">"}, count=500, block=block_ms
            )
        except BaseException:
            self.unplanned = retry + self.unplanned
            raise
        entries = [e for _, stream_entries in found or [] for e in stream_entries]
        acked = await self._handle(retry + entries)
        self._retry_seconds = (
            min(self._retry_seconds * 2, RETRY_MAX_SECONDS)
            if self.unplanned
            else RETRY_FIRST_SECONDS
        )
        return acked

    async def _handle(self, entries: list[Any]) -> int:
        """Plan the entries' events; acknowledge only the entries whose event is now planned."""
        if not entries:
            return 0
        outbox_of: dict[Any, int] = {}
        for entry_id, fields in entries:
            raw = fields.get(b"event") or fields.get("event")
            if raw:
                outbox_of[entry_id] = int(_decoder.decode(raw)["outboxId"])
        busy: frozenset[int] = frozenset()
        messages = 0
        if outbox_of:
            try:
                planned = await plan_pending(
                    self.pool,
                    settings=self.settings,
                    now=self.clock.now(),
                    outbox_ids=sorted(set(outbox_of.values())),
                )
            except BaseException:
                # Not planned: the entries stay pending here, not only in Redis, so that they
                # are retried in milliseconds rather than reclaimed after CLAIM_IDLE_MS.
                self.unplanned.extend(entries)
                raise
            busy, messages = planned.busy, planned.messages
        done = [entry_id for entry_id, _ in entries if outbox_of.get(entry_id) not in busy]
        self.unplanned.extend(e for e in entries if outbox_of.get(e[0]) in busy)
        if done:
            await self.redis.xack(STREAM, GROUP, *done)
        if messages:
            self.wake.set()
        return len(done)

    async def catch_up(self) -> None:
        await self.ensure_group()
        # Entries a dead consumer read but never acknowledged.
        _, claimed, *_ = await self.redis.xautoclaim(
            STREAM, GROUP, self.consumer, min_idle_time=CLAIM_IDLE_MS, start_id="0", count=500
        )
        await self._handle([e for e in claimed if e and e[1]])
        planned = await plan_pending(
            self.pool,
            settings=self.settings,
            now=self.clock.now(),
            older_than_seconds=CATCH_UP_AGE_SECONDS,
        )
        if planned.events:
            log.info("notifications: caught up %d events the stream missed", planned.events)
        if planned.messages or await self.sender.release_expired():
            self.wake.set()

    async def _send_loop(self) -> None:
        """Claim whenever there is room and something may be due; each message is sent and
        recorded on its own, so a slow send holds up nothing but its own address."""
        in_flight: set[asyncio.Task[None]] = set()
        room = min(self.settings.notify_batch, self.settings.notify_concurrency)
        while not self.stopping.is_set():
            self._beat("send")
            claimed: list[Claimed] = []
            # Claims of a slot or two each would cost more than the sends; below half full
            # there is always room for a worthwhile claim (and an idle worker claims at once).
            if len(in_flight) <= room // 2:
                try:
                    claimed = await self.sender.claim(room - len(in_flight))
                except Exception as exc:
                    log.warning("notifications: claiming failed, retrying: %s", exc)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), timeout=1.0)
                    continue
            for m in claimed:
                task = asyncio.create_task(self._deliver(m))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if not claimed and not self.stopping.is_set():
                # Woken by new messages, or by a send that frees its address or a slot.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=0.5)
                self.wake.clear()
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _deliver(self, m: Claimed) -> None:
        try:
            await self.sender.deliver(m)
        except Exception:
            log.exception("notifications: delivering %s failed", m.id)
        finally:
            self.wake.set()
