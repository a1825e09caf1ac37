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


_PAGE = """
SELECT id::text, address, next_attempt_at, event_seq FROM notification_message
WHERE status IN ('pending', 'retry') AND next_attempt_at <= $1
  AND channel = $2 AND (urgent OR NOT $4 OR channel <> 'sms')
  {after}
ORDER BY next_attempt_at, event_seq LIMIT $3
FOR UPDATE SKIP LOCKED
"""
_FIRST_PAGE = _PAGE.format(after="")
_NEXT_PAGE = _PAGE.format(after="AND (next_attempt_at, event_seq) > ($5, $6)")


async def claim_due(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    channel: str,
    limit: int,
    window: int,
    pages: int,
    lease_seconds: float,
    quiet: bool,
) -> list[Claimed]:
    """Lease up to ``limit`` due messages of ``channel``, at most one per address, the one of
    its earliest event; none of an address that has a message in flight.

    Due rows are read by the index a page of ``window`` at a time (each page a plain index
    walk, whatever the statistics say), up to ``pages`` pages: a flood of messages to one busy
    address fills a page or two, not the claim. Run it in a transaction after ``lock_claims``:
    serialised, each claim sees every earlier claim's in-flight rows, so no two workers take
    messages of one address at once.
    """
    chosen: dict[str, tuple[int, str]] = {}  # address → (event_seq, id)
    taken: set[str] = set()
    after: tuple[datetime, int] | None = None
    for _ in range(pages):
        args: list[Any] = [now, channel, window, quiet]
        if after is not None:
            args += list(after)
        page = await conn.fetch(_FIRST_PAGE if after is None else _NEXT_PAGE, *args)
        if not page:
            break
        addresses = list({r["address"] for r in page} - taken)
        taken.update(
            r["address"]
            for r in await conn.fetch(
                """SELECT DISTINCT address FROM notification_message
                   WHERE status = 'sending' AND channel = $1 AND address = ANY($2::text[])""",
                channel,
                addresses,
            )
        )
        for r in page:
            address = r["address"]
            if address in taken:
                continue
            if address not in chosen or r["event_seq"] < chosen[address][0]:
                chosen[address] = (r["event_seq"], r["id"])
        taken.update(chosen)
        if len(chosen) >= limit or len(page) < window:
            break
        after = (page[-1]["next_attempt_at"], page[-1]["event_seq"])
    ids = [i for _, i in sorted(chosen.values())[:limit]]
    if not ids:
        return []
    # Leases measure real time between workers (a dead worker's row must come back): database clock.
    rows = await conn.fetch(
        """UPDATE notification_message m
           SET status = 'sending', attempts = m.attempts + 1,
               lease_until = now() + make_interval(secs => $2), updated_at = now()
           WHERE m.id = ANY($1::uuid[])
           RETURNING m.id::text, m.channel, m.address, m.subject, m.body, m.params,
                     m.urgent, m.attempts, m.created_at, m.event_seq""",
        ids,
        lease_seconds,
    )
    return [Claimed(**dict(r)) for r in rows]


async def lock_claims(conn: asyncpg.Connection) -> None:
    """Wait for the claim lock, held until the caller's transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK)


async def renew_leases(
    conn: asyncpg.Connection, *, ids: Sequence[str], attempts: Sequence[int], lease_seconds: float
) -> set[str]:
    """Extend the leases these attempts still hold; return the ids whose lease was extended.
    Leases are real time (the database clock), whatever the platform clock reads."""
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
    """Messages whose lease ran out (their worker died or was cut off) go back to retry; leases
    run on the database clock, real time between workers."""
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
           SET status = CASE WHEN r.status = 'deferred' THEN 'retry' ELSE r.status END,
               -- A deferral (per-recipient cap) was no attempt: it does not count towards the
               -- attempts after which a message is failed.
               attempts = CASE WHEN r.status = 'deferred' THEN m.attempts - 1 ELSE m.attempts END,
               provider = r.provider,
               provider_message_id = coalesce(r.provider_id, m.provider_message_id),
               last_error = CASE WHEN r.status = 'sent' THEN m.last_error ELSE r.error END,
               next_attempt_at = r.next_at,
               sent_at = CASE WHEN r.status = 'sent' THEN $7 ELSE m.sent_at END,
               failed_at = CASE WHEN r.status = 'failed' THEN $7 ELSE NULL END,
               lease_until = NULL,
               -- delivery bookkeeping: real time, like the leases
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
