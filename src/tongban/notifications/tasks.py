"""The notification worker group (`tongban worker notifications`): arq runs the Notifier's
loops (notifier.py) beside it for the worker's lifetime; on SIGTERM they stop taking work and
the sends in flight finish before the process exits."""

from __future__ import annotations

import os
import socket
from typing import Any

from tongban.clock import clock_from_settings
from tongban.config import Settings
from tongban.notifications.email import SmtpSender
from tongban.notifications.notifier import Notifier
from tongban.notifications.providers import sms_provider_from_settings
from tongban.notifications.sender import Sender
from tongban.system.tasks import (
    JOB_COMPLETION_WAIT,
    loop_group,
    redis_client,
    shutdown,
    startup,
)

QUEUE = "tongban:notifications"


async def _start(ctx: dict[str, Any]) -> None:
    await startup(ctx)
    settings: Settings = ctx["settings"]
    redis = redis_client(settings)
    ctx["notify_redis"] = redis
    sms = sms_provider_from_settings(settings)
    email = SmtpSender(settings)
    ctx["notify_channels"] = (sms, email)
    clock = clock_from_settings(settings)
    sender = Sender(ctx["pool"], redis, settings, clock, sms=sms, email=email)
    notifier = Notifier(sender, consumer=f"{socket.gethostname()}:{os.getpid()}")
    ctx["notifier"] = notifier
    notifier.heartbeats = ctx.get("heartbeats")
    notifier.start()


async def _stop(ctx: dict[str, Any]) -> None:
    notifier: Notifier | None = ctx.get("notifier")
    if notifier is not None:
        await notifier.stop(grace_seconds=JOB_COMPLETION_WAIT)
    for channel in ctx.get("notify_channels", ()):
        if channel is not None:
            await channel.aclose()
    if ctx.get("notify_redis") is not None:
        await ctx["notify_redis"].aclose()
    await shutdown(ctx)


async def heartbeat(ctx: dict[str, Any]) -> bool:
    """notifications.heartbeat: the consume, catch-up and send loops are alive."""
    notifier: Notifier | None = ctx.get("notifier")
    return notifier is not None and notifier.alive


WorkerSettings = loop_group(
    QUEUE, heartbeat, "notifications.heartbeat", on_startup=_start, on_shutdown=_stop
)
