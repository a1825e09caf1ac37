"""SQL of the system worker: the one statement its heartbeat needs."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def database_now(conn: asyncpg.Connection) -> datetime:
    """The database's own clock: the heartbeat proves a round trip, not the time of day."""
    now: datetime = await conn.fetchval("SELECT now()")
    return now
