"""The deadline worker group's arq jobs: the job that acts on one clock's threshold, the sweeper
that catches what a lost job missed, and the after-commit scheduling of precise jobs.

arq is only a trigger (STACK_NOTES): the truth is the clock row in PostgreSQL. A job carries the
clock version it was scheduled for and does nothing when that is stale; whatever the job, the
sweeper or a second worker does, the warning row's uniqueness raises each warning once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from arq import cron, func
from arq.connections import ArqRedis

from tongban.clock import Clock, SystemClock, clock_from_settings, real_seconds_until
from tongban.config import Settings
from tongban.deadlines import enforcement
from tongban.deadlines import repository as repo
from tongban.deadlines.types import DeadlineClock
from tongban.system.tasks import startup as base_startup
from tongban.system.tasks import worker_group

QUEUE = "tongban:deadlines"


# Enqueues in flight at once: a sweep of a thousand clocks waits for round trips in parallel
# (one by one they took seconds, and past job_timeout the sweep job failed).
ENQUEUE_CONCURRENCY = 32


async def schedule_jobs(
    pool: asyncpg.Pool, redis: ArqRedis, *, case_ids: Sequence[str], clock: Clock | None = None
) -> None:
    """After commit: defer a job to each running clock's next threshold (versioned job id)."""
    async with pool.acquire() as conn:
        clocks = await repo.clocks_of(conn, case_ids=case_ids)
    clock = clock or SystemClock()
    running = [c for c in clocks if c.state == "running" and c.next_check_at is not None]

    async def enqueue(c: DeadlineClock) -> None:
        assert c.next_check_at is not None
        # A threshold already past runs at once: arq cannot defer into the past.
        delay = max(real_seconds_until(clock, c.next_check_at), 0.0)
        await redis.enqueue_job(
            "deadlines.check_clock",
            c.id,
            c.version,
            _job_id=f"deadline:{c.id}:{c.version}",
            _defer_by=timedelta(seconds=delay),
            _queue_name=QUEUE,
        )

    for i in range(0, len(running), ENQUEUE_CONCURRENCY):
        await asyncio.gather(*(enqueue(c) for c in running[i : i + ENQUEUE_CONCURRENCY]))


def _now(ctx: dict[str, Any]) -> datetime:
    clock: Clock = ctx.get("clock") or SystemClock()
    return clock.now()


async def _schedule_next(ctx: dict[str, Any], clock_ids: Sequence[str]) -> None:
    async with ctx["pool"].acquire() as conn:
        case_ids = await repo.case_ids_of_clocks(conn, clock_ids=clock_ids)
    await schedule_jobs(ctx["pool"], ctx["redis"], case_ids=case_ids, clock=ctx.get("clock"))


async def check_clock(ctx: dict[str, Any], clock_id: str, version: int) -> str | None:
    """deadlines.check_clock: a stale version means the schedule moved; a newer job exists.

    The job acts through the sweeper's path: its own clock (waiting for it) and whatever else
    is due that nobody holds, in one batch. When thousands of thresholds fall due within a
    minute, the first job of a moment raises the warnings of all its neighbours with a handful
    of statements, and their jobs find their versions stale: one statement each."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    async with pool.acquire() as conn:
        if await repo.clock_version(conn, clock_id=clock_id) != version:
            return "stale"
        async with conn.transaction():
            handled = await enforcement.handle_due(
                conn,
                now=_now(ctx),
                settings=settings,
                limit=settings.sweep_batch,
                clock_ids=[clock_id],
            )
    if not handled:
        # Another job or a sweep acted on the clock first and queued its next job (a calendar
        # recheck, no warning, waits for the sweep: seconds on a daily retry).
        return None
    await _schedule_next(ctx, handled)
    return f"acted on {len(handled)}"


async def sweep_job(ctx: dict[str, Any]) -> int:
    """deadlines.sweep: catches thresholds whose job was lost (arq drops expired deferred jobs).

    The next thresholds of the clocks it handled get their precise jobs again: without them each
    later warning of such a clock would wait for a sweep, up to the sweep interval late."""
    handled = await enforcement.sweep_clocks(ctx["pool"], now=_now(ctx), settings=ctx["settings"])
    if handled:
        await _schedule_next(ctx, handled)
    return len(handled)


async def startup(ctx: dict[str, Any]) -> None:
    await base_startup(ctx)
    ctx["clock"] = clock_from_settings(ctx["settings"])


@worker_group(QUEUE)
class WorkerSettings:
    functions: list[Any] = [
        func(check_clock, name="deadlines.check_clock", max_tries=5),
    ]
    cron_jobs = [cron(sweep_job, name="deadlines.sweep", second=set(range(0, 60, 5)), unique=True)]
    on_startup = startup
    max_jobs = 50
    # A SIGKILLed worker's job is blocked for job_timeout + 10 s before it runs again; checks
    # take milliseconds.
    job_timeout = 30
    # Deferred jobs are picked up within this delay of their instant (warning latency).
    poll_delay = 0.1
