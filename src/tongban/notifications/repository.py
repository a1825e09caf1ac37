"""SQL of the sending side: claiming, leasing, releasing and recording notification messages.

Leases (``lease_until``) are set and compared on the database's clock alone, so every worker
agrees on them whatever its own clock, and the simulated clock of legal dates
(TONGBAN_CLOCK_SPEED) never shortens one. ``next_attempt_at`` is on the platform's clock: quiet
hours and backoff are part of the service's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

CLAIM_LOCK = 0x7467_6E6F_7466  # "tgnotf": one claim at a time across all workers


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


async def claim_due(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    channel: str,
    limit: int,
    window: int,
    lease_seconds: float,
    quiet: bool,
) -> list[Claimed]:
    """Lease up to ``limit`` due messages of ``channel``, at most one per address, the one of
    its earliest event; none of an address that has a message in flight.

    Run it in a transaction after ``lock_claims``: serialised, each claim sees every earlier
    claim's in-flight rows, so no two workers take messages of one address at once.
    """
    rows = await conn.fetch(
        # The first due rows by the index whose address has no message in flight (an index
        # probe each, so a flood to one busy phone is walked past, not a page that crowds out
        # everyone else), then per address the one of its earliest event: one phone gets one
        # message at a time, in event order.
        """WITH candidates AS (
               SELECT id, channel, address, event_seq FROM notification_message c
               WHERE status IN ('pending', 'retry') AND next_attempt_at <= $1
                 AND channel = $2 AND (urgent OR NOT $5 OR channel <> 'sms')
                 AND NOT EXISTS (
                     SELECT 1 FROM notification_message s
                     WHERE s.status = 'sending' AND s.channel = c.channel
                       AND s.address = c.address)
               ORDER BY next_attempt_at, event_seq LIMIT $3
               FOR UPDATE SKIP LOCKED),
           firsts AS (
               SELECT DISTINCT ON (address) id, event_seq FROM candidates
               ORDER BY address, event_seq),
           due AS (SELECT id FROM firsts ORDER BY event_seq LIMIT $6)
           UPDATE notification_message m
           SET status = 'sending', attempts = m.attempts + 1,
               lease_until = now() + make_interval(secs => $4), updated_at = now()
           FROM due WHERE m.id = due.id
           RETURNING m.id::text, m.channel, m.address, m.subject, m.body, m.params,
                     m.urgent, m.attempts, m.created_at, m.event_seq""",
        now,
        channel,
        window,
        lease_seconds,
        quiet,
        limit,
    )
    return [Claimed(**dict(r)) for r in rows]


async def lock_claims(conn: asyncpg.Connection) -> None:
    """Wait for the claim lock, held until the caller's transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK)


async def renew_leases(
    conn: asyncpg.Connection, *, ids: Sequence[str], attempts: Sequence[int], lease_seconds: float
) -> set[str]:
    """Extend the leases these attempts still hold; return the ids whose lease was extended."""
    return {
        r["id"]
        for r in await conn.fetch(
            """UPDATE notification_message m
               SET lease_until = now() + make_interval(secs => $3)
               FROM unnest($1::uuid[], $2::int[]) AS h(id, attempts)
               WHERE m.id = h.id AND m.status = 'sending' AND m.attempts = h.attempts
               RETURNING m.id::text""",
            list(ids),
            list(attempts),
            lease_seconds,
        )
    }


async def release_expired(conn: asyncpg.Connection, *, next_attempt_at: datetime) -> int:
    """Messages whose lease ran out (their worker died or was cut off) go back to retry."""
    status = await conn.execute(
        """UPDATE notification_message
           SET status = 'retry', next_attempt_at = $1, lease_until = NULL,
               last_error = 'the sending worker stopped mid-send; checked before resending',
               updated_at = now()
           WHERE status = 'sending' AND lease_until < now()""",
        next_attempt_at,
    )
    return int(status.split()[-1])


async def record(conn: asyncpg.Connection, *, results: Sequence[Recorded], now: datetime) -> None:
    """Write the results of attempts that still hold their rows; a late result of an attempt
    whose lease ran out (the row released, perhaps claimed again) changes nothing."""
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
        [r.id for r in results],
        [r.status for r in results],
        [r.provider_message_id for r in results],
        [r.error for r in results],
        [r.next_attempt_at for r in results],
        [r.attempts for r in results],
        now,
        [r.provider for r in results],
    )
