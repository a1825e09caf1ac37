"""arq settings shared by every worker group, and the system group's jobs."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from arq import cron
from arq.connections import RedisSettings

from tongban import db
from tongban.config import Settings, load_settings

log = logging.getLogger(__name__)


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url)


async def startup(ctx: dict[str, Any]) -> None:
    settings = load_settings()
    ctx["settings"] = settings
    ctx["pool"] = await db.create_pool(settings)


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get("pool")
    if pool is not None:
        await pool.close()


async def heartbeat(ctx: dict[str, Any]) -> str:
    """system.heartbeat: proves the worker reaches PostgreSQL; idempotent and harmless."""
    async with ctx["pool"].acquire() as conn:
        now = await conn.fetchval("SELECT now()")
    return str(now)


class WorkerSettings:
    functions: list[Any] = []
    cron_jobs = [cron(heartbeat, name="system.heartbeat", second=0, run_at_startup=False)]
    queue_name = "tongban:system"
    redis_settings = redis_settings(load_settings())
    on_startup = startup
    on_shutdown = shutdown
    # Per-pod health key (STACK_NOTES): one shared key would hide a dead pod.
    health_check_key = f"tongban:system:health:{socket.gethostname()}:{os.getpid()}"
    health_check_interval = 10
    job_completion_wait = 20
    max_jobs = 10
