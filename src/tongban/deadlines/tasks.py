"""The deadline worker group's arq jobs: the job that acts on one clock's threshold, the sweeper
that catches what a lost job missed, and the after-commit scheduling of precise jobs: one per
slot (250 ms) in which thresholds fall (at a midnight thousands do), not one per clock — arq's per-job
Redis round trips and polling, not the database, bounded the warning latency.

arq is only a trigger (STACK_NOTES): the truth is the clock row in PostgreSQL. A job raises what
is due when it runs, so a moved threshold leaves at worst a job that finds nothing; whatever the
jobs, the sweeper or a second worker do, claims (SKIP LOCKED) and the warning row's uniqueness
raise each warning once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
from arq import cron, func
from arq.connections import ArqRedis

from tongban.clock import Clock, SystemClock, clock_from_settings, real_seconds_until
from tongban.config import Settings
from tongban.deadlines import enforcement
from tongban.deadlines import repository as repo
from tongban.system.tasks import startup as base_startup
from tongban.system.tasks import worker_group

QUEUE = "tongban:deadlines"


# Thresholds falling within one slot share a job that runs at the slot's end: longer slots, fewer
# jobs (arq's per-job Redis traffic); shorter ones, less waiting for the end (half a slot on
# average). bench/deadlines.py, 10,000 thresholds spread over a minute, one worker: 1 s slots
# p50 474 ms, p99 1.0 s, worker CPU 0.20 ms per warning; 250 ms slots p50 120 ms, p99 300 ms,
# 0.30 ms (one job per clock: p50 145 ms, p99 925 ms, 2.07 ms, and p99 11-17 s under load).
# Most thresholds fall at a midnight, where thousands share one slot whatever its size.
JOB_SLOT_MS = 250


def job_slot(run_at: float, *, now: float) -> int:
    """The Unix millisecond at which the job for a threshold due at ``run_at`` (real Unix
    seconds) runs: the end of its slot; its job id derives from it, so every threshold falling
    within one slot shares one job.

    Never a slot that has begun: arq starts a job at its instant or later, so a job whose id
    is handed out here has not started yet, and a queued one raises whatever is due when it
    runs. A later threshold (one a pause or an extension moved, or one already past when its
    clock is scheduled again) gets a slot still to come, never the id of a job that has run,
    is running, or whose result arq keeps (it would refuse the id and the warning would wait
    for a sweep)."""
    slot = max(math.ceil(run_at * 1000 / JOB_SLOT_MS), math.floor(now * 1000 / JOB_SLOT_MS) + 1)
    return slot * JOB_SLOT_MS


def job_id(slot_ms: int) -> str:
    return f"deadlines:due:{slot_ms}"


async def schedule_jobs(
    pool: asyncpg.Pool, redis: ArqRedis, *, case_ids: Sequence[str], clock: Clock | None = None
) -> None:
    """After commit: one deferred job per slot in which a running clock's next threshold falls
    (``job_slot``); arq drops the duplicates of a slot already queued."""
    async with pool.acquire() as conn:
        clocks = await repo.clocks_of(conn, case_ids=case_ids)
    clock = clock or SystemClock()
    now = time.time()
    slots = {
        job_slot(now + real_seconds_until(clock, c.next_check_at), now=now)
        for c in clocks
        if c.state == "running" and c.next_check_at is not None
    }
    for slot in sorted(slots):
        await redis.enqueue_job(
            "deadlines.check_due",
            slot,
            _job_id=job_id(slot),
            _defer_until=datetime.fromtimestamp(slot / 1000, UTC),
            _queue_name=QUEUE,
        )


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


async def check_due(ctx: dict[str, Any], slot_ms: int) -> int:
    """deadlines.check_due: raise every threshold due by now (the job's slot and any earlier
    one a lost job missed) with the batch path, and queue the next thresholds of the
    clocks acted on. Racing jobs and sweeps claim disjoint clocks (SKIP LOCKED); a clock held
    by an officer's transaction is queued again after that commits, or swept."""
    handled = await enforcement.raise_due(ctx["pool"], now=_now(ctx), settings=ctx["settings"])
    if handled:
        await _schedule_next(ctx, handled)
    return len(handled)


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
        func(check_due, name="deadlines.check_due", max_tries=5, keep_result=0),
        # Jobs of the previous scheme (one per clock version) still queued at an upgrade.
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
