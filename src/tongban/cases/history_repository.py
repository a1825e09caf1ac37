"""SQL for the case history: each event appended with its outbox row, and read back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.types import (
    EVENT_ACTIONS,
    Event,
)
from tongban.events import types as events
from tongban.rows import fetch_all


async def insert_event(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    case_version: int,
    occurred_at: datetime,
    principal: Principal,
    reason: str | None,
    changes: dict[str, Any],
    event: events.Event,
    topic: str,
    outbox: events.OutboxMessage,
) -> str:
    """Append to the history and to the outbox, in the caller's transaction."""
    # The API reads the history through an enum derived from EventAction: an action outside it
    # would break every history query of the case, so it is refused before it is written.
    action = events.action_of(event)
    if action not in EVENT_ACTIONS:
        raise ValueError(f"{action!r} is not an EventAction")
    actor_id = principal.officer_id or principal.applicant_id
    event_id: str = await conn.fetchval(
        """
        WITH e AS (
            INSERT INTO case_event (case_id, case_version, action, actor_kind, actor_id,
                                    actor_name, actor_roles, actor_department_id, reason,
                                    changes, payload, occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14)
            RETURNING id, seq
        )
        INSERT INTO outbox (event_id, case_id, topic, payload)
        SELECT e.id, $1, $12, $13 || jsonb_build_object('eventId', e.id::text, 'seq', e.seq)
        FROM e
        RETURNING event_id::text
        """,
        case_id,
        case_version,
        action,
        principal.kind if not principal.is_anonymous else "system",
        actor_id,
        principal.name,
        sorted(principal.roles),
        principal.department_id,
        reason,
        changes,
        events.payload_of(event),
        topic,
        msgspec.to_builtins(outbox),
        occurred_at,
    )
    return event_id


async def events_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Event]:
    return await fetch_all(
        conn,
        Event,
        """SELECT seq, id::text, case_id::text, case_version, action, actor_kind, actor_id,
                  actor_name, actor_roles, actor_department_id::text, reason, changes, payload,
                  occurred_at
           FROM case_event WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, seq""",
        list(case_ids),
    )
