"""SQL of the events area read by subscribers (the relay's own SQL lives in relay.py)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec


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
