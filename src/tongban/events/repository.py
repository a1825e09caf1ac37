"""SQL of the events area: the outbox as the relay publishes it and as subscribers replay it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

RELAY_LOCK = 0x7467_7265_6C79  # one publishing relay at a time


class OutboxEvent(msgspec.Struct, frozen=True):
    event_id: str
    payload: dict[str, Any]


async def outbox_after(
    conn: asyncpg.Connection, *, case_id: str, after_event_id: str
) -> list[OutboxEvent] | None:
    """The case's events after ``after_event_id`` in history order, as they were published
    (the outbox keeps each message); None when that event is not one of the case's."""
    rows = await conn.fetch(
        """WITH mark AS (SELECT seq FROM case_event WHERE id = $2 AND case_id = $1)
           SELECT o.event_id::text, o.payload, (SELECT seq FROM mark) IS NOT NULL AS known
           FROM (SELECT 1) one
           LEFT JOIN case_event e ON e.case_id = $1 AND e.seq > (SELECT seq FROM mark)
           LEFT JOIN outbox o ON o.event_id = e.id
           ORDER BY e.seq""",
        case_id,
        after_event_id,
    )
    if not rows or not rows[0]["known"]:
        return None
    return [OutboxEvent(r["event_id"], r["payload"]) for r in rows if r["event_id"] is not None]


class Unpublished(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    event_id: str
    case_id: str
    topic: str
    payload: dict[str, Any]
    created_at: datetime


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    """Who follows a case's worklist feeds: the departments handling it or holding a task on
    it, and the region whose intake windows received it."""

    departments: list[str]
    receiving_region: str
    # Supervisors of every region from the province down to the handling one follow its
    # deadline warnings.
    handling_lineage: list[str]


async def try_relay_lock(conn: asyncpg.Connection) -> bool:
    """Take the relay's lock for the caller's transaction, unless another relay publishes."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK))


async def unpublished(conn: asyncpg.Connection, *, limit: int) -> list[Unpublished]:
    rows = await conn.fetch(
        """SELECT id, event_id::text, case_id::text, topic, payload, created_at
           FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1""",
        limit,
    )
    return [Unpublished(**dict(r)) for r in rows]


async def audiences(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> dict[str, Audience]:
    rows = await conn.fetch(
        """SELECT c.id::text AS case_id, c.receiving_region, c.handling_lineage,
                  array_agg(DISTINCT d)::text[] AS departments
           FROM case_record c
           CROSS JOIN LATERAL (
               SELECT c.handling_department_id AS d
               UNION SELECT t.department_id FROM review_task t WHERE t.case_id = c.id
           ) x
           WHERE c.id = ANY($1::uuid[])
           GROUP BY c.id""",
        list(case_ids),
    )
    return {
        r["case_id"]: Audience(
            departments=list(r["departments"]),
            receiving_region=r["receiving_region"],
            handling_lineage=list(r["handling_lineage"]),
        )
        for r in rows
    }


async def mark_published(conn: asyncpg.Connection, *, ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", list(ids)
    )


async def oldest_unpublished_age(conn: asyncpg.Connection) -> float:
    """Seconds since the oldest unpublished event was written (0 when none waits)."""
    age: float | None = await conn.fetchval(
        """SELECT extract(epoch FROM now() - min(created_at))::float8
           FROM outbox WHERE published_at IS NULL"""
    )
    return age or 0.0
