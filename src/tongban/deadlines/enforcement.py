"""Enforcement: the deadline worker and the sweeper act on thresholds that are due — warnings up
the hierarchy, and Art. 32's deemed acceptance of a case nobody decided on within 5 days.

It sits above both cases and deadlines: acting on a threshold may accept a case (``cases.intake``),
while the case actions start and stop clocks through ``deadlines.service``; keeping the two
apart leaves no import cycle between the areas.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tongban.cases import history_repository as history_repo
from tongban.cases import intake
from tongban.cases import repository as cases_repo
from tongban.config import Settings
from tongban.deadlines import batch, service
from tongban.deadlines import repository as repo
from tongban.deadlines.schedule import LEVELS
from tongban.deadlines.types import DeadlineClock, DueClock
from tongban.government import repository as gov_repo
from tongban.review import repository as review_repo

log = logging.getLogger(__name__)

# Batches one ``raise_due`` handles: ~1 s each at the default batch, inside the job timeout.
MAX_ROUNDS = 20


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
    for _ in range(len(LEVELS["promised"]) + 2):
        clock = await repo.lock_clock(conn, clock_id=clock_id, skip_locked=skip_locked)
        skip_locked = False  # the row lock is ours now
        if clock is None or clock.state != "running" or clock.next_check_at is None:
            break
        if clock.next_check_at > now:
            break
        level = await _act(conn, clock, now=now, settings=settings)
        if level is None:
            break
        last = level
    return last


async def _act(
    conn: asyncpg.Connection, clock: DeadlineClock, *, now: datetime, settings: Settings
) -> str | None:
    """Act on the clock's threshold that is due; return the level acted on."""
    level = clock.next_level
    cal = await service.load_calendar(conn)
    if level == "recheck":
        # Waiting for a year's official schedule: recompute now that it may be published.
        await service.reschedule(conn, clock.id, cal, settings)
        return None
    case = await cases_repo.lock_case_by_id(conn, case_id=clock.case_id)
    assert case is not None
    if level == "auto_accept":
        if case.state == "received":
            await intake.accept_automatically(conn, case, settings=settings, at=now)
        await service.stop(conn, case_id=case.id, on=case.received_on, at=now, kinds=["one_notice"])
        return level
    warned = (
        level in ("yellow", "red", "escalation")
        and clock.due_on is not None
        and await repo.insert_warning(
            conn,
            clock_id=clock.id,
            case_id=case.id,
            level=level,
            due_on=clock.due_on,
            raised_at=now,
        )
    )
    if warned and level is not None:
        if level == "red":
            # The red card supersedes the yellow one: a supervisor's list of open warnings
            # shows the case once, at its worst, not also as "about to be late".
            await repo.resolve_warnings(conn, clock_ids=[clock.id], at=now, levels=["yellow"])
        await _announce(conn, case, clock, level, now)
    await service.reschedule(conn, clock.id, cal, settings)
    return level


async def _announce(
    conn: asyncpg.Connection, case: Any, clock: DeadlineClock, level: str, now: datetime
) -> None:
    department = case.handling_department_id
    if clock.task_id is not None:
        task = await review_repo.task_by_id(conn, task_id=clock.task_id)
        if task is not None:
            department = task.department_id
    recipients = await repo.warning_recipients(
        conn, department_id=department, region_lineage=await _lineage(conn, case.handling_region)
    )
    # A warning is about the case, not a change of it: the case version stays, so officers
    # acting on the case are not pushed into conflicts by the supervision worker.
    event, outbox = batch.warning_messages(
        level=level,
        clock=clock,
        case_id=case.id,
        case_number=case.number,
        department_id=department,
        recipients=recipients,
        now=now,
    )
    await history_repo.insert_event(
        conn,
        case_id=case.id,
        case_version=case.version,
        occurred_at=now,
        principal=service.SYSTEM,
        reason=None,
        changes={},
        event=event,
        topic=f"deadline.{level}",
        outbox=outbox,
    )


async def _lineage(conn: asyncpg.Connection, region_code: str) -> list[str]:
    found = await gov_repo.regions_by_code(conn, codes=[region_code])
    return list(found[0].lineage) if found else [region_code]


async def handle_due(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    settings: Settings,
    limit: int,
    clock_ids: Sequence[str] = (),
) -> list[str]:
    """Claim ``clock_ids`` if due by ``now`` (waiting for them), then up to ``limit`` other due
    clocks nobody holds, and act on them in the caller's transaction; return the ids of the
    clocks acted on.

    Warnings go together (``batch``: a fixed number of statements for any number of clocks);
    automatic acceptance and calendar rechecks one clock at a time. Should the set-based
    statements fail, the same clocks are acted on one by one, so one bad row costs its own
    warning, not the batch's."""
    due = await repo.claim_due(conn, now=now, clock_ids=clock_ids) if clock_ids else []
    if limit:
        due += await repo.claim_due(conn, now=now, limit=limit, besides=clock_ids)
    return await act_on(conn, due, now=now, settings=settings)


async def act_on(
    conn: asyncpg.Connection, due: Sequence[DueClock], *, now: datetime, settings: Settings
) -> list[str]:
    """Act on claimed clocks (``handle_due``); return the ids of those acted on."""
    alone = [d for d in due if d.clock.next_level in batch.PER_CLOCK_LEVELS]
    together = [d for d in due if d.clock.next_level not in batch.PER_CLOCK_LEVELS]
    handled: list[str] = []
    try:
        if together:
            async with conn.transaction():
                handled += await batch.raise_warnings(conn, together, now=now, settings=settings)
    except Exception:
        log.exception("deadline batch failed; one clock at a time", extra={"n": len(together)})
        alone = together + alone
    for d in alone:
        try:
            async with conn.transaction():
                if await check(conn, clock_id=d.clock.id, now=now, settings=settings):
                    handled.append(d.clock.id)
        except Exception:
            log.exception("deadline check failed", extra={"clock": d.clock.id})
    return handled


async def sweep_clocks(pool: asyncpg.Pool, *, now: datetime, settings: Settings) -> list[str]:
    """Handle up to ``sweep_batch`` thresholds that are due (through the partial index: cost
    follows the number due), in one transaction; return the ids of the clocks acted on.
    Sweepers on several pods share the work: each claims the clocks no other one holds."""
    async with pool.acquire() as conn, conn.transaction():
        return await handle_due(conn, now=now, settings=settings, limit=settings.sweep_batch)


async def raise_due(pool: asyncpg.Pool, *, now: datetime, settings: Settings) -> list[str]:
    """Everything due by ``now`` that nobody holds, ``sweep_batch`` clocks per transaction until
    a claim comes back short (at most ``MAX_ROUNDS``; the sweep takes any rest). Each batch
    commits on its own: with ten thousand thresholds at one midnight, the first thousand
    warnings do not wait for the last. Return the ids of the clocks acted on."""
    handled: list[str] = []
    for _ in range(MAX_ROUNDS):
        async with pool.acquire() as conn, conn.transaction():
            due = await repo.claim_due(conn, now=now, limit=settings.sweep_batch)
            handled += await act_on(conn, due, now=now, settings=settings)
        if len(due) < settings.sweep_batch:
            break
    return handled


async def sweep(pool: asyncpg.Pool, *, now: datetime, settings: Settings) -> int:
    """``sweep_clocks``, counted."""
    return len(await sweep_clocks(pool, now=now, settings=settings))
