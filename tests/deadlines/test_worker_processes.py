"""Real `tongban worker deadlines` processes on a fast simulated clock: a case left alone gets
each warning at its instant, exactly once, with two workers — one SIGKILLed and restarted."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import asyncpg
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from tests.cases.factories import accepted_withdrawal, make_applicant, submit
from tests.conftest import GraphQLClient
from tests.scenarios import TZ, act, ok

from tongban import db
from tongban.clock import FastClock
from tongban.deadlines.tasks import schedule_jobs

pytestmark = pytest.mark.slow
SPEED = 43_200  # half a simulated day per real second


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "worker", "deadlines"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_two_workers_one_killed_raise_each_warning_once_on_time(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    case = await accepted_withdrawal(client, conn)
    start = datetime(2026, 3, 2, 23, 59, 58, tzinfo=TZ)
    anchor = time.time() + 2  # leaves the workers time to start
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_CLOCK_START": start.isoformat(),
        "TONGBAN_CLOCK_SPEED": str(SPEED),
        "TONGBAN_CLOCK_ANCHOR": str(anchor),
    }
    fast = FastClock(start, SPEED, anchor)
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    await redis.flushdb()
    pool = await db.create_pool(client.settings)
    workers = [start_worker(env), start_worker(env)]
    try:
        await schedule_jobs(
            pool,
            redis,
            case_ids=[await conn.fetchval("SELECT id::text FROM case_record")],
            clock=fast,
        )
        # Yellow is due at 03-03 00:00 (2 s after start); kill one worker mid-run, restart it.
        await asyncio.sleep(4.5)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        workers[0] = start_worker(env)
        # Escalation is due at 03-10 00:00: 7 simulated days after the start, ~14 s.
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if await conn.fetchval(
                "SELECT count(*) FROM deadline_warning"
            ) >= 5 and fast.now() > datetime(2026, 3, 11, tzinfo=TZ):
                break
            await asyncio.sleep(0.5)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
        await pool.close()
        await redis.aclose()
    rows = await conn.fetch(
        """SELECT k.kind, w.level, count(*) AS n FROM deadline_warning w
           JOIN deadline_clock k ON k.id = w.clock_id GROUP BY k.kind, w.level ORDER BY 1, 2"""
    )
    assert [(r["kind"], r["level"], r["n"]) for r in rows] == [
        ("promised", "red", 1),
        ("promised", "yellow", 1),
        ("stage", "red", 1),
        ("stage", "yellow", 1),
        ("statutory", "escalation", 1),
    ]
    events = await conn.fetch("SELECT payload FROM case_event WHERE action LIKE 'deadline_%'")
    assert len(events) == 5
    for e in events:
        threshold = datetime.fromisoformat(e["payload"]["threshold"])
        at = datetime.fromisoformat(e["payload"]["at"])
        # Raised at its instant, never before, and well within the 2.5 simulated days (5 real
        # seconds) the sweeper alone could take: the deferred job did it (3 real seconds of
        # slack for a loaded 2-core machine).
        assert threshold <= at < threshold + timedelta(hours=36), (
            e["payload"]["level"],
            threshold,
            at,
        )
    _ = case


async def test_a_worker_sigtermed_with_jobs_running_loses_and_repeats_nothing(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    window = await client.officer_token("gz.gjj.intake")
    for i in range(15):  # promised, statutory and stage clocks each
        case = ok(
            await submit(
                client,
                token,
                matter="GZ-HPF-WITHDRAW",
                region="440100",
                codes=["id", "contract", "invoice"],
                key=f"sigterm-{i:04d}",
            )
        )
        ok(
            await act(
                client,
                window,
                "acceptCase",
                "",
                {"number": case["number"], "expectedVersion": case["version"]},
            )
        )
    start = datetime(2026, 3, 3, 0, 0, 1, tzinfo=TZ)  # every yellow is due
    anchor = time.time() + 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_CLOCK_START": start.isoformat(),
        "TONGBAN_CLOCK_SPEED": "1",
        "TONGBAN_CLOCK_ANCHOR": str(anchor),
    }
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    await redis.flushdb()
    pool = await db.create_pool(client.settings)
    case_ids = [r["id"] for r in await conn.fetch("SELECT id::text FROM case_record")]
    await schedule_jobs(pool, redis, case_ids=case_ids, clock=FastClock(start, 1, anchor))
    worker = start_worker(env)
    try:
        # Stop it as soon as it has started on the jobs.
        for _ in range(200):
            if await conn.fetchval("SELECT count(*) FROM deadline_warning"):
                break
            await asyncio.sleep(0.02)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(40) == 0, "running jobs finished within the completion wait"
        worker = start_worker(env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if await conn.fetchval("SELECT count(*) FROM deadline_warning") >= 30:
                break
            await asyncio.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(40)
        await pool.close()
        await redis.aclose()
    rows = await conn.fetch(
        "SELECT clock_id, level, count(*) AS n FROM deadline_warning GROUP BY clock_id, level"
    )
    assert len(rows) == 30, "a yellow for each promised and stage clock of the 15 cases"
    assert all(r["n"] == 1 and r["level"] == "yellow" for r in rows)
    events = await conn.fetchval("SELECT count(*) FROM case_event WHERE action = 'deadline_yellow'")
    assert events == 30, "each warning's history event written once"
