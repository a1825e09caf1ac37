"""One arq job per slot (250 ms) in which thresholds fall: clocks due within one slot share a job
that raises each of their warnings once, and a threshold scheduled again after its slot's job
has run (a pause or an extension moved it) gets a job of its own rather than a refused id."""

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import asyncpg
import msgspec
import pytest
from arq.connections import ArqRedis
from arq.worker import Worker
from redis.asyncio import ConnectionPool
from tests.deadlines.test_batch_sweep import bulk_cases
from tests.scenarios import at

from tongban import db
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.deadlines.tasks import JOB_SLOT_MS, QUEUE, WorkerSettings, job_slot, schedule_jobs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(settings)
    yield p
    await p.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    r = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    await r.flushdb()
    yield r
    await r.aclose()


def test_thresholds_within_one_slot_share_it_and_none_gets_a_begun_one() -> None:
    now = 1_000.1
    slot = JOB_SLOT_MS / 1000
    begun_end = (math.floor(now / slot) + 1) * slot  # the end of the slot that has begun
    within_next = [begun_end + f * slot for f in (0.1, 0.5, 1.0)]
    assert {job_slot(t, now=now) for t in within_next} == {round((begun_end + slot) * 1000)}
    # Past, due now, or due within the slot that has begun: the end of that slot, whose job
    # cannot have started yet.
    assert {job_slot(t, now=now) for t in (now - 3_600, now, begun_end)} == {
        round(begun_end * 1000)
    }
    # At a slot's very start, that slot has begun: the next one.
    assert job_slot(1_000.0, now=1_000.0) == 1_000_000 + JOB_SLOT_MS


async def queued(redis: ArqRedis) -> list[str]:
    return [m.decode() for m in await redis.zrange(QUEUE, 0, -1)]


async def run_worker(
    redis_url: str, pool: asyncpg.Pool, settings: Settings, now: datetime, seconds: float
) -> None:
    """A worker with the production job functions, acting at ``now`` for ``seconds``."""
    w = Worker(
        WorkerSettings.functions,
        redis_pool=ArqRedis(connection_pool=ConnectionPool.from_url(redis_url)),
        queue_name=QUEUE,
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"pool": pool, "settings": settings, "clock": MovableClock(now)},
    )
    # The next thresholds (days away) stay queued, so a burst worker would wait for them.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(w.main(), seconds)
    await w.close()


def within_one_slot(base: datetime, count: int) -> list[datetime]:
    """``count`` instants on a clock reading ``base`` now that fall, in real time, inside a
    slot starting about a second from now (away from its edges)."""
    slot = JOB_SLOT_MS / 1000
    now = time.time()
    ahead = (math.floor(now / slot) + 1) * slot + max(slot, 1.0) - now
    return [base + timedelta(seconds=ahead + slot * (0.3 + 0.4 * i / count)) for i in range(count)]


async def test_clocks_due_in_the_same_slot_share_one_job_that_raises_each_warning_once(
    conn: asyncpg.Connection,
    settings: Settings,
    pool: asyncpg.Pool,
    redis: ArqRedis,
    redis_url: str,
) -> None:
    cases = await bulk_cases(conn, settings, 30, kinds=(("promised", 3),))
    base = at("2026-03-04", "23:00")
    instants = within_one_slot(base, 30)
    await conn.execute(
        """UPDATE deadline_clock k SET next_check_at = x.at FROM
           (SELECT id, (($1::timestamptz[])[row_number() OVER (ORDER BY id)]) AS at
            FROM deadline_clock) x WHERE k.id = x.id""",
        instants,
    )
    await schedule_jobs(pool, redis, case_ids=cases, clock=MovableClock(base))
    assert len(await queued(redis)) == 1, "one job for the slot, not one per clock"

    # Two workers race for it; a job raises in batches of 7, so one job takes several.
    small = msgspec.structs.replace(settings, sweep_batch=7)
    later = base + timedelta(seconds=5)
    await asyncio.gather(
        run_worker(redis_url, pool, small, later, 4), run_worker(redis_url, pool, small, later, 4)
    )
    warned = await conn.fetch(
        "SELECT level, count(*) AS n FROM deadline_warning GROUP BY clock_id, level"
    )
    assert len(warned) == 30 and all(r["level"] == "yellow" and r["n"] == 1 for r in warned)
    assert (
        await conn.fetchval("SELECT count(*) FROM case_event WHERE action LIKE 'deadline_%'") == 30
    )
    # The red thresholds (one midnight for all thirty) are queued again: one job.
    assert len(await queued(redis)) == 1


async def test_a_threshold_scheduled_again_after_its_slots_job_ran_is_still_raised(
    conn: asyncpg.Connection,
    settings: Settings,
    pool: asyncpg.Pool,
    redis: ArqRedis,
    redis_url: str,
) -> None:
    cases = await bulk_cases(conn, settings, 1, kinds=(("promised", 3),))
    base = at("2026-03-04", "23:00")
    [instant] = within_one_slot(base, 1)
    await conn.execute("UPDATE deadline_clock SET next_check_at = $1", instant)
    await schedule_jobs(pool, redis, case_ids=cases, clock=MovableClock(base))
    [first] = await queued(redis)

    # The clock is paused before its threshold: the slot's job runs and finds nothing due.
    await conn.execute("UPDATE deadline_clock SET state = 'paused', version = version + 1")
    later = base + timedelta(seconds=5)
    await run_worker(redis_url, pool, settings, later, 4)
    assert await queued(redis) == []
    assert not await conn.fetchval("SELECT count(*) FROM deadline_warning")

    # Resumed with the same threshold, now past: scheduled again, it gets a job of its own (the
    # first one's id is spent) and the warning is raised.
    await conn.execute("UPDATE deadline_clock SET state = 'running', version = version + 1")
    await schedule_jobs(pool, redis, case_ids=cases, clock=MovableClock(later))
    [again] = await queued(redis)
    assert again != first
    await run_worker(redis_url, pool, settings, later, 3)
    assert await conn.fetchval("SELECT count(*) FROM deadline_warning WHERE level = 'yellow'") == 1
