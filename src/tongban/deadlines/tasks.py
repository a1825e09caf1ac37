"""Deadline enforcement: the job that acts on one clock's threshold, the sweeper that catches
what a lost job missed, and the arq settings of the deadline worker group.

arq is only a trigger (STACK_NOTES): the truth is the clock row in PostgreSQL. A job carries the
clock version it was scheduled for and does nothing when that is stale; whatever the job, the
sweeper or a second worker does, the warning row's uniqueness raises each warning once.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec
from arq import cron, func
from arq.connections import ArqRedis

from tongban.cases import intake
from tongban.cases import repository as cases_repo
from tongban.cases.workflow import Clock, SystemClock, clock_from_settings, real_seconds_until
from tongban.config import Settings, load_settings
from tongban.deadlines import repository as repo
from tongban.deadlines import service
from tongban.deadlines.events import WARNINGS, Recipient
from tongban.events.types import OutboxMessage, action_of
from tongban.system.tasks import redis_settings, shutdown
from tongban.system.tasks import startup as base_startup

log = logging.getLogger(__name__)

QUEUE = "tongban:deadlines"
SWEEP_LOCK = 0x7467_7377_6570  # one active sweeper across all pods


async def _check_once(
    conn: asyncpg.Connection,
    *,
    clock_id: str,
    now: datetime,
    settings: Settings,
    skip_locked: bool = False,
) -> str | None:
    """Act on the clock's next threshold if it is due; return the level acted on."""
    clock = await repo.lock_clock(conn, clock_id=clock_id, skip_locked=skip_locked)
    if clock is None or clock.state != "running" or clock.next_check_at is None:
        return None
    if clock.next_check_at > now:
        return None
    level = clock.next_level
    cal = await service.load_calendar(conn)
    if level == "recheck":
        # Waiting for a year's official schedule: recompute now that it may be published.
        await service._reschedule(conn, clock.id, cal, settings)
        return None
    case = await cases_repo.lock_case_by_id(conn, case_id=clock.case_id)
    assert case is not None
    if level == "auto_accept":
        if case.state == "received":
            await intake.accept_automatically(conn, case, settings=settings)
        await service.stop(conn, case_id=case.id, on=case.received_on, kinds=["one_notice"])
        return level
    warned = (
        level in ("yellow", "red", "escalation")
        and clock.due_on is not None
        and await repo.insert_warning(
            conn, clock_id=clock.id, case_id=case.id, level=level, due_on=clock.due_on
        )
    )
    if warned and level is not None:
        await _announce(conn, case, clock, level, now)
    await service._reschedule(conn, clock.id, cal, settings)
    return level


async def check(
    conn: asyncpg.Connection,
    *,
    clock_id: str,
    now: datetime,
    settings: Settings,
    skip_locked: bool = False,
) -> str | None:
    """Act on every threshold of the clock that is due by ``now`` (a worker that was down may
    find yellow and red both due); return the last level acted on."""
    last = None
    for _ in range(len(service.LEVELS["promised"]) + 2):
        level = await _check_once(
            conn, clock_id=clock_id, now=now, settings=settings, skip_locked=skip_locked
        )
        if level is None:
            break
        last = level
        skip_locked = False  # the row lock is ours now
    return last


async def _announce(
    conn: asyncpg.Connection, case: Any, clock: Any, level: str, now: datetime
) -> None:
    department = case.handling_department_id
    if clock.task_id is not None:
        from tongban.review import repository as review_repo

        task = await review_repo.task_by_id(conn, task_id=clock.task_id)
        if task is not None:
            department = task.department_id
    recipients = await repo.warning_recipients(
        conn, department_id=department, region_lineage=await _lineage(conn, case.handling_region)
    )
    # A warning is about the case, not a change of it: the case version stays, so officers
    # acting on the case are not pushed into conflicts by the supervision worker.
    event = WARNINGS[level](
        clock=clock.kind,
        due_on=clock.due_on,
        level=level,
        threshold=clock.next_check_at.isoformat(),
        at=now.isoformat(),
        department_id=department,
        recipients=msgspec.convert(recipients, list[Recipient]),
    )
    await cases_repo.insert_event(
        conn,
        case_id=case.id,
        case_version=case.version,
        principal=service.SYSTEM,
        reason=None,
        changes={},
        event=event,
        topic=f"deadline.{level}",
        outbox=OutboxMessage(
            action=action_of(event),
            caseId=case.id,
            caseNumber=case.number,
            level=level,
            clock=clock.kind,
            recipients=[r["officerId"] for r in recipients],
        ),
    )


async def _lineage(conn: asyncpg.Connection, region_code: str) -> list[str]:
    from tongban.government import repository as gov_repo

    found = await gov_repo.regions_by_code(conn, codes=[region_code])
    return list(found[0].lineage) if found else [region_code]


async def sweep(
    pool: asyncpg.Pool, *, now: datetime, settings: Settings, handled_ids: list[str] | None = None
) -> int:
    """Handle every threshold that is due (through the partial index: cost follows the number due)."""
    handled = 0
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", SWEEP_LOCK):
            return 0
        for clock_id in await repo.due_clock_ids(conn, now=now, limit=settings.sweep_batch):
            try:
                async with conn.transaction():
                    if await check(
                        conn, clock_id=clock_id, now=now, settings=settings, skip_locked=True
                    ):
                        handled += 1
            except Exception:
                log.exception("deadline check failed", extra={"clock": clock_id})
    return handled


async def schedule_jobs(
    pool: asyncpg.Pool, redis: ArqRedis, *, case_ids: list[str], clock: Clock | None = None
) -> None:
    """After commit: defer a job to each running clock's next threshold (versioned job id)."""
    async with pool.acquire() as conn:
        clocks = await repo.clocks_of(conn, case_ids=case_ids)
    clock = clock or SystemClock()
    for c in clocks:
        if c.state == "running" and c.next_check_at is not None:
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


def _now(ctx: dict[str, Any]) -> datetime:
    clock: Clock = ctx.get("clock") or SystemClock()
    return clock.now()


async def check_clock(ctx: dict[str, Any], clock_id: str, version: int) -> str | None:
    """deadlines.check_clock: a stale version means the schedule moved; a newer job exists."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    async with pool.acquire() as conn, conn.transaction():
        current = await conn.fetchval("SELECT version FROM deadline_clock WHERE id = $1", clock_id)
        if current != version:
            return "stale"
        level = await check(conn, clock_id=clock_id, now=_now(ctx), settings=settings)
    await schedule_jobs(
        pool, ctx["redis"], case_ids=[await _case_of(pool, clock_id)], clock=ctx.get("clock")
    )
    return level


async def _case_of(pool: asyncpg.Pool, clock_id: str) -> str:
    async with pool.acquire() as conn:
        value: str = await conn.fetchval(
            "SELECT case_id::text FROM deadline_clock WHERE id = $1", clock_id
        )
    return value


async def sweep_job(ctx: dict[str, Any]) -> int:
    """deadlines.sweep: catches thresholds whose job was lost (arq drops expired deferred jobs)."""
    handled_ids: list[str] = []
    count = await sweep(
        ctx["pool"], now=_now(ctx), settings=ctx["settings"], handled_ids=handled_ids
    )
    if handled_ids:
        # The next thresholds of what the sweeper handled get their precise jobs again.
        async with ctx["pool"].acquire() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT case_id::text FROM deadline_clock WHERE id = ANY($1::uuid[])",
                handled_ids,
            )
        await schedule_jobs(
            ctx["pool"], ctx["redis"], case_ids=[r["case_id"] for r in rows], clock=ctx.get("clock")
        )
    return count


async def startup(ctx: dict[str, Any]) -> None:
    await base_startup(ctx)
    ctx["clock"] = clock_from_settings(ctx["settings"])


class WorkerSettings:
    functions: list[Any] = [
        func(check_clock, name="deadlines.check_clock", max_tries=5),
    ]
    cron_jobs = [cron(sweep_job, name="deadlines.sweep", second=set(range(0, 60, 5)), unique=True)]
    queue_name = QUEUE
    redis_settings = redis_settings(load_settings())
    on_startup = startup
    on_shutdown = shutdown
    health_check_key = f"{QUEUE}:health:{socket.gethostname()}:{os.getpid()}"
    health_check_interval = 10
    job_completion_wait = 20
    max_jobs = 50
    # A SIGKILLed worker's job is blocked for job_timeout + 10 s before it runs again; checks
    # take milliseconds.
    job_timeout = 30
    # Deferred jobs are picked up within this delay of their instant (warning latency).
    poll_delay = 0.1
