"""Liveness and readiness probes (Kubernetes), and the warnings readiness carries."""

from __future__ import annotations

import asyncio

import asyncpg
import msgspec
import redis.asyncio as aioredis
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from tongban.clock import local_day
from tongban.config import Settings
from tongban.deadlines.service import load_calendar
from tongban.metrics import (
    CALENDAR_NEXT_YEAR_KNOWN,
    READY,
)


class Readiness(msgspec.Struct):
    ready: bool
    checks: dict[str, str]
    warnings: list[str] = []


async def check_readiness(state: State) -> Readiness:
    checks: dict[str, str] = {}

    async def postgres() -> None:
        pool: asyncpg.Pool = state.pool
        async with pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1", timeout=2)

    async def redis() -> None:
        client: aioredis.Redis = state.redis
        await client.ping()

    for name, probe in (("postgres", postgres), ("redis", redis)):
        try:
            await asyncio.wait_for(probe(), timeout=3)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unavailable: {type(exc).__name__}: {exc}".strip()
    ready = all(v == "ok" for v in checks.values())
    READY.set(1 if ready else 0)
    warnings: list[str] = []
    if checks["postgres"] == "ok":
        warnings += await _calendar_warnings(state)
    return Readiness(ready=ready, checks=checks, warnings=warnings)


async def _calendar_warnings(state: State) -> list[str]:
    """From 1 December, say so when next year's official schedule is still unknown: every
    deadline reaching into it waits (never guessed) until an administrator publishes it."""

    settings: Settings = state.settings
    today = local_day(state.clock.now(), settings.timezone)
    async with state.pool.acquire(timeout=2) as conn:
        cal = await load_calendar(conn)
    known = cal.knows_year(today.year + 1)
    CALENDAR_NEXT_YEAR_KNOWN.set(1 if known else 0)
    if today.month == 12 and not known:
        return [f"the official working-day schedule for {today.year + 1} is not published yet"]
    return []


@get("/health/live", sync_to_thread=False, include_in_schema=False)
def health_live() -> dict[str, str]:
    """Liveness: the process answers. It never checks dependencies (that would restart pods
    when the database blips)."""
    return {"status": "live"}


@get("/health/ready", include_in_schema=False)
async def health_ready(state: State) -> Response[Readiness]:
    result = await check_readiness(state)
    return Response(result, status_code=200 if result.ready else 503)
