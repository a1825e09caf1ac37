"""arq settings shared by every worker group, and the system group's jobs."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from arq import cron
from arq.connections import RedisSettings

from tongban import db
from tongban.config import Settings, load_settings
from tongban.exports import tasks as exports
from tongban.system import repository as repo

log = logging.getLogger(__name__)

T = TypeVar("T", bound=type)
JOB_COMPLETION_WAIT = 20


def redis_settings(settings: Settings) -> RedisSettings:
    redis = RedisSettings.from_dsn(settings.redis_url)
    # A worker started while Redis is away waits for it (one warning a second) instead of
    # exiting after five tries; once running, system.worker rides out outages.
    redis.conn_retries = 1_000_000
    return redis


def worker_group(queue: str) -> Callable[[T], T]:
    """Class decorator: the settings every worker group shares, unless the class sets its own.

    Set on the class itself, not inherited: arq reads a settings class's own ``__dict__``."""

    def apply(cls: T) -> T:
        shared: dict[str, Any] = {
            "queue_name": queue,
            "redis_settings": redis_settings(load_settings()),
            "on_startup": startup,
            "on_shutdown": shutdown,
            # Per-pod health key (STACK_NOTES): one shared key would hide a dead pod.
            "health_check_key": f"{queue}:health:{socket.gethostname()}:{os.getpid()}",
            "health_check_interval": 10,
            "job_completion_wait": JOB_COMPLETION_WAIT,
        }
        for name, value in shared.items():
            if name not in cls.__dict__:
                setattr(cls, name, value)
        return cls

    return apply


def redis_client(settings: Settings) -> aioredis.Redis:
    """A worker's own Redis connection for its loops (arq's pool is arq's): short timeouts so a
    Redis outage shows in the loop's next pass instead of hanging it."""
    client: aioredis.Redis = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=2
    )
    return client


def loop_group(
    queue: str,
    heartbeat: Callable[..., Any],
    heartbeat_name: str,
    *,
    on_startup: Callable[..., Any],
    on_shutdown: Callable[..., Any],
) -> type:
    """The settings of a group whose work runs in its own loops beside arq (started and stopped
    by the hooks): arq needs at least one job, and the heartbeat reports the loops' liveness
    every ten seconds."""
    settings = type(
        "WorkerSettings",
        (),
        {
            "functions": [],
            "cron_jobs": [cron(heartbeat, name=heartbeat_name, second=set(range(0, 60, 10)))],
            "on_startup": on_startup,
            "on_shutdown": on_shutdown,
        },
    )
    return worker_group(queue)(settings)


async def startup(ctx: dict[str, Any], *, application_name: str = "tongban-worker") -> None:
    settings = load_settings()
    ctx["settings"] = settings
    ctx["pool"] = await db.create_pool(settings, application_name=application_name)


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get("pool")
    if pool is not None:
        await pool.close()


async def heartbeat(ctx: dict[str, Any]) -> str:
    """system.heartbeat: proves the worker reaches PostgreSQL; idempotent and harmless."""
    async with ctx["pool"].acquire() as conn:
        now = await repo.database_now(conn)
    return str(now)


@worker_group("tongban:system")
class WorkerSettings:
    # Background exports run here: platform work, neither deadlines nor notices.
    functions: list[Any] = [*exports.FUNCTIONS]
    cron_jobs = [
        cron(heartbeat, name="system.heartbeat", second=0, run_at_startup=False),
        *exports.CRON_JOBS,
    ]
    max_jobs = 10
