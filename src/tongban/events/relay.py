"""The outbox relay: committed outbox rows → a Redis stream (for consumers) and a pub/sub
channel per case (for live subscribers).

- Woken by LISTEN/NOTIFY (delivered on commit), with a polling fallback.
- One relay publishes at a time (a transaction-scoped advisory lock); others stand by, so the
  events of a case are never reordered, and a second relay takes over when one dies.
- At-least-once: rows are marked published only after Redis accepted them; a crash in between
  publishes them again, and consumers ignore an event id they have already handled.
- Redis down: nothing is marked, the API keeps accepting changes, the backlog drains later.
- PostgreSQL lost (restart, failover, backend terminated mid-transaction): the open transaction
  rolls back, the loop reconnects (and LISTENs again) and publishes from where the outbox says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import msgspec
import redis.asyncio as aioredis

from tongban.events import repository as repo
from tongban.outages import is_outage

log = logging.getLogger(__name__)

STREAM = "tongban:events"
# Consumers that fall further behind catch up from the outbox table (it is the truth).
STREAM_MAXLEN = 100_000
CHANNEL_PREFIX = "tongban:case:"
DEPARTMENT_PREFIX = "tongban:department:"
REGION_PREFIX = "tongban:region:"
# Deadline warnings, per region of the handling region's lineage: a supervisor follows their own.
SUPERVISION_PREFIX = "tongban:supervision:"
# Shown in pg_stat_activity, so operators (and the fault tests) can find the relay's sessions.
APP_NAME = "tongban-relay"
# An idle relay still beats this often (liveness tells idle from hung).
BEAT_SECONDS = 1.0
# Pause between attempts while PostgreSQL or Redis is away.
RETRY_SECONDS = 1.0
_encoder = msgspec.json.Encoder()


async def publish_pending(pool: asyncpg.Pool, redis: aioredis.Redis, *, batch: int = 500) -> int:
    """Publish up to ``batch`` unpublished rows in id order; return how many were published."""
    async with pool.acquire() as conn, conn.transaction():
        if not await repo.try_relay_lock(conn):
            return 0
        rows = await repo.unpublished(conn, limit=batch)
        if not rows:
            return 0
        # Worklist feeds: every department handling the case or holding a task on it, and the
        # intake windows of the region that received it (new cases arrive there).
        audiences = await repo.audiences(conn, case_ids=list({r.case_id for r in rows}))
        async with redis.pipeline(transaction=True) as pipe:
            for r in rows:
                message = _encoder.encode(
                    {
                        "outboxId": r.id,
                        "eventId": r.event_id,
                        "caseId": r.case_id,
                        "topic": r.topic,
                        "payload": r.payload,
                        "createdAt": r.created_at.isoformat(),
                    }
                )
                pipe.xadd(
                    STREAM,
                    {"event": message, "topic": r.topic, "eventId": r.event_id},
                    maxlen=STREAM_MAXLEN,
                    approximate=True,
                )
                pipe.publish(CHANNEL_PREFIX + r.case_id, message)
                audience = audiences.get(r.case_id)
                if audience is not None:
                    for department in audience.departments:
                        pipe.publish(DEPARTMENT_PREFIX + department, message)
                    pipe.publish(REGION_PREFIX + audience.receiving_region, message)
                    if r.topic.startswith("deadline."):
                        for region in audience.handling_lineage:
                            pipe.publish(SUPERVISION_PREFIX + region, message)
            await pipe.execute()
        # Delivery bookkeeping on the database clock: its age measures real lag, not case time.
        await repo.mark_published(conn, ids=[r.id for r in rows])
        return len(rows)


async def drain(pool: asyncpg.Pool, redis: aioredis.Redis, *, batch: int = 500) -> int:
    total = 0
    while True:
        published = await publish_pending(pool, redis, batch=batch)
        total += published
        if published < batch:
            return total


async def _idle(wake: asyncio.Event, seconds: float, beat: Callable[[], None]) -> None:
    """Wait for a NOTIFY or ``seconds``, beating meanwhile: an idle relay is a live one."""
    deadline = time.monotonic() + seconds
    while not wake.is_set() and (remaining := deadline - time.monotonic()) > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=min(remaining, BEAT_SECONDS))
        beat()


async def _listen(dsn: str, wake: asyncio.Event) -> Any:
    """A dedicated LISTEN connection (a pooled one is reset, UNLISTEN *, on release). Losing
    it wakes the loop, which connects again: without that, a PostgreSQL restart would leave the
    relay on its polling fallback for good."""
    listener: Any = await asyncpg.connect(dsn, server_settings={"application_name": APP_NAME})
    await listener.add_listener("tongban_outbox", lambda *_: wake.set())
    listener.add_termination_listener(lambda *_: wake.set())
    return listener


async def run(
    dsn: str,
    pool: asyncpg.Pool,
    redis: aioredis.Redis,
    *,
    poll_seconds: float = 1.0,
    beat: Callable[[], None] = lambda: None,
) -> None:
    """Publish whenever woken by NOTIFY, and at least every ``poll_seconds``, until cancelled.

    Nothing but cancellation ends the loop: Redis or PostgreSQL away, a backend terminated
    mid-transaction (the transaction rolls back; its rows are published on the next pass) — each
    is logged and retried, and ``beat`` is called on every pass so liveness sees a loop that
    works, or one that hangs.
    """
    wake = asyncio.Event()
    listener: Any = None
    failing = ""
    try:
        while True:
            beat()
            try:
                if listener is None or listener.is_closed():
                    if listener is not None:
                        listener.terminate()
                    listener = None
                    listener = await _listen(dsn, wake)
                    if failing:
                        log.warning("outbox relay: LISTEN re-established")
                await drain(pool, redis)
                if failing:
                    log.warning("outbox relay: publishing again", extra={"after": failing})
                    failing = ""
            except Exception as exc:
                what = f"{type(exc).__name__}: {exc}"
                if what != failing:
                    # One line per kind of failure, not one per retry.
                    if is_outage(exc):
                        log.warning(
                            "outbox relay: dependency unavailable, retrying", extra={"error": what}
                        )
                    else:
                        log.exception("outbox relay: publishing failed, retrying")
                failing = what
            # After a failure, retry soon: the NOTIFY that would wake us may be lost with it.
            await _idle(wake, min(poll_seconds, RETRY_SECONDS) if failing else poll_seconds, beat)
            wake.clear()
    finally:
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.close(), timeout=2)
