"""The notifications area's SQL: templates, planning events into messages, and the sending
side (claiming, leasing, releasing and recording messages).

Leases (``lease_until``) are set and compared on the database's clock alone, so every worker
agrees on them whatever its own clock, and the simulated clock of legal dates
(TONGBAN_CLOCK_SPEED) never shortens one. ``next_attempt_at`` is on the platform's clock: quiet
hours and backoff are part of the service's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from tongban.notifications.channels import Receipt
from tongban.notifications.templates import Template
from tongban.notifications.types import (
    Backlog,
    Claimed,
    Contact,
    EventToPlan,
    Message,
    NewMessage,
    PublishedTemplate,
    Recorded,
)

CLAIM_LOCK = 0x7467_6E6F_7466  # "tgnotf": one claim at a time across all workers


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
    return await _lease(conn, ids=ids, lease_seconds=lease_seconds)


async def _lease(
    conn: asyncpg.Connection, *, ids: Sequence[str], lease_seconds: float
) -> list[Claimed]:
    rows = await conn.fetch(
        """UPDATE notification_message m
           SET status = 'sending', attempts = m.attempts + 1,
               lease_until = now() + make_interval(secs => $2), updated_at = now()
           WHERE m.id = ANY($1::uuid[])
           RETURNING m.id::text, m.channel, m.address, m.subject, m.body, m.params,
                     m.urgent, m.attempts, m.created_at, m.event_seq""",
        list(ids),
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


async def due_backlog(conn: asyncpg.Connection) -> Backlog:
    row = await conn.fetchrow(
        """SELECT count(*) AS due,
                  coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8 AS oldest
           FROM notification_message
           WHERE status IN ('pending', 'retry') AND next_attempt_at <= now()"""
    )
    return Backlog(row["due"], row["oldest"])


async def apply_receipts(conn: asyncpg.Connection, *, receipts: Sequence[Receipt]) -> int:
    """Record delivery reports of SMS we sent; return how many messages they changed."""
    status = await conn.execute(
        """UPDATE notification_message m
           SET status = CASE WHEN r.delivered THEN 'delivered' ELSE 'failed' END,
               delivered_at = CASE WHEN r.delivered THEN r.at END,
               failed_at = CASE WHEN r.delivered THEN NULL ELSE r.at END,
               sent_at = coalesce(m.sent_at, r.at),
               last_error = CASE WHEN r.delivered THEN m.last_error
                                 ELSE coalesce(r.error, 'not delivered') END,
               provider_message_id = coalesce(m.provider_message_id, r.provider_id),
               lease_until = NULL,
               updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::timestamptz[])
                AS r(id, provider_id, delivered, error, at)
           WHERE m.id = r.id AND m.channel = 'sms' AND m.status IN ('sending', 'sent')""",
        [r.message_id for r in receipts],
        [r.provider_message_id for r in receipts],
        [r.delivered for r in receipts],
        [r.error for r in receipts],
        [r.reported_at for r in receipts],
    )
    return int(status.split()[-1])


MESSAGE_COLUMNS = """id::text, kind, audience, recipient_id::text, channel, address, subject,
    body, status, attempts, provider_message_id, last_error, next_attempt_at, created_at, sent_at,
    delivered_at, failed_at"""
"""A ``Message``'s columns of ``notification_message``."""


async def messages_of_cases(
    conn: asyncpg.Connection, *, case_ids: Sequence[str], applicant_id: str | None
) -> dict[str, list[Message]]:
    """Messages per case, oldest first; only those to ``applicant_id`` when one is given."""
    rows = await conn.fetch(
        f"""SELECT {MESSAGE_COLUMNS}, case_id::text
           FROM notification_message
           WHERE case_id = ANY($1::uuid[])
             AND ($2::uuid IS NULL OR (audience = 'applicant' AND recipient_id = $2::uuid))
           ORDER BY case_id, event_seq, channel""",
        list(case_ids),
        applicant_id,
    )
    found: dict[str, list[Message]] = {}
    for r in rows:
        values = dict(r)
        found.setdefault(values.pop("case_id"), []).append(Message(**values))
    return found


_TEMPLATE_COLUMNS = """kind, channel, audience, version, enabled, urgent, subject, body,
    published_at, published_by"""


def _published(row: asyncpg.Record) -> PublishedTemplate:
    values = dict(row)
    published_at, published_by = values.pop("published_at"), values.pop("published_by")
    return PublishedTemplate(
        template=msgspec.convert(values, Template),
        published_at=published_at,
        published_by=published_by,
    )


async def newest_published(
    conn: asyncpg.Connection,
) -> dict[tuple[str, str, str], PublishedTemplate]:
    """The newest published version of every (kind, channel, audience) that has one."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (kind, channel, audience) {_TEMPLATE_COLUMNS}
            FROM notification_template ORDER BY kind, channel, audience, version DESC"""
    )
    return {(r["kind"], r["channel"], r["audience"]): _published(r) for r in rows}


async def template_versions(
    conn: asyncpg.Connection, *, kind: str, channel: str
) -> list[PublishedTemplate]:
    """Every published version of one template, newest first."""
    rows = await conn.fetch(
        f"""SELECT {_TEMPLATE_COLUMNS} FROM notification_template
            WHERE kind = $1 AND channel = $2 ORDER BY version DESC""",
        kind,
        channel,
    )
    return [_published(r) for r in rows]


async def latest_template_version(conn: asyncpg.Connection, *, kind: str, channel: str) -> int:
    """The newest published version (0: none, the built-in default is in force)."""
    value: int = await conn.fetchval(
        """SELECT coalesce(max(version), 0) FROM notification_template
           WHERE kind = $1 AND channel = $2""",
        kind,
        channel,
    )
    return value


async def insert_template(
    conn: asyncpg.Connection, *, template: Template, published_by: str
) -> PublishedTemplate | None:
    """Publish ``template``; None when that version was published meanwhile by someone else."""
    try:
        row = await conn.fetchrow(
            f"""INSERT INTO notification_template
                    (kind, channel, audience, version, enabled, urgent, subject, body, published_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                RETURNING {_TEMPLATE_COLUMNS}""",
            template.kind,
            template.channel,
            template.audience,
            template.version,
            template.enabled,
            template.urgent,
            template.subject,
            template.body,
            published_by,
        )
    except asyncpg.UniqueViolationError:
        return None
    assert row is not None
    return _published(row)


_EVENTS_TO_PLAN = (Path(__file__).parent / "events_to_plan.sql").read_text()
_INSERT_MESSAGES = (Path(__file__).parent / "insert_messages.sql").read_text()


async def lock_unplanned(conn: asyncpg.Connection, *, outbox_ids: Sequence[int]) -> list[int]:
    """Lock the rows not planned yet, skipping those another transaction holds."""
    rows = await conn.fetch(
        """SELECT id FROM outbox WHERE id = ANY($1::bigint[]) AND notified_at IS NULL
           ORDER BY id FOR UPDATE SKIP LOCKED""",
        list(outbox_ids),
    )
    return [r["id"] for r in rows]


async def unplanned_among(
    conn: asyncpg.Connection, *, outbox_ids: Sequence[int], besides: Sequence[int]
) -> frozenset[int]:
    rows = await conn.fetch(
        """SELECT id FROM outbox WHERE id = ANY($1::bigint[]) AND notified_at IS NULL
           AND NOT (id = ANY($2::bigint[]))""",
        list(outbox_ids),
        list(besides),
    )
    return frozenset(r["id"] for r in rows)


async def unplanned_published(
    conn: asyncpg.Connection, *, older_than_seconds: float, limit: int
) -> list[int]:
    rows = await conn.fetch(
        """SELECT id FROM outbox
           WHERE notified_at IS NULL AND published_at IS NOT NULL
             AND published_at <= now() - make_interval(secs => $1)
           ORDER BY id LIMIT $2""",
        older_than_seconds,
        limit,
    )
    return [r["id"] for r in rows]


async def events_to_plan(
    conn: asyncpg.Connection, *, outbox_ids: Sequence[int]
) -> list[EventToPlan]:
    rows = await conn.fetch(_EVENTS_TO_PLAN, list(outbox_ids))
    return [msgspec.convert(dict(r), EventToPlan) for r in rows]


async def officer_contacts(conn: asyncpg.Connection, *, ids: Sequence[str]) -> dict[str, Contact]:
    rows = await conn.fetch(
        """SELECT id::text, mobile, email, channels FROM officer
           WHERE id = ANY($1::uuid[]) AND active""",
        list(ids),
    )
    return {r["id"]: Contact(r["id"], r["mobile"], r["email"], list(r["channels"])) for r in rows}


_NEW_MESSAGE_COLUMNS = tuple(NewMessage.__struct_fields__)


async def insert_messages(conn: asyncpg.Connection, *, messages: Sequence[NewMessage]) -> int:
    """Insert the messages not planned before (one per event, recipient and channel); return
    how many were new."""
    if not messages:
        return 0
    rows = await conn.fetch(
        _INSERT_MESSAGES,
        *([getattr(m, c) for m in messages] for c in _NEW_MESSAGE_COLUMNS),
    )
    return len(rows)


async def mark_planned(conn: asyncpg.Connection, *, outbox_ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE outbox SET notified_at = now() WHERE id = ANY($1::bigint[])", list(outbox_ids)
    )
