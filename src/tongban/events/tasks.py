"""arq settings of the relay worker group: the relay loop runs beside arq for its lifetime."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from tongban.config import Settings
from tongban.events import relay
from tongban.system.tasks import loop_group, redis_client, shutdown, startup
from tongban.system.worker import Heartbeats

QUEUE = "tongban:relay"


async def _start(ctx: dict[str, Any]) -> None:
    await startup(ctx, application_name=relay.APP_NAME)
    settings: Settings = ctx["settings"]
    ctx["relay_redis"] = redis_client(settings)
    heartbeats: Heartbeats | None = ctx.get("heartbeats")
    ctx["relay_task"] = asyncio.create_task(
        relay.run(
            settings.database_url,
            ctx["pool"],
            ctx["relay_redis"],
            poll_seconds=settings.relay_poll_seconds,
            beat=(lambda: heartbeats.beat("relay")) if heartbeats else (lambda: None),
        )
    )


async def _stop(ctx: dict[str, Any]) -> None:
    task = ctx.get("relay_task")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if ctx.get("relay_redis") is not None:
        await ctx["relay_redis"].aclose()
    await shutdown(ctx)


async def heartbeat(ctx: dict[str, Any]) -> bool:
    """relay.heartbeat: the relay loop is alive (arq needs at least one job to run)."""
    task = ctx.get("relay_task")
    return task is not None and not task.done()


WorkerSettings = loop_group(
    QUEUE, heartbeat, "relay.heartbeat", on_startup=_start, on_shutdown=_stop
)
