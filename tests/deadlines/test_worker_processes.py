"""Real `tongban worker deadlines` processes on a fast simulated clock: a case left alone gets
each warning at its instant, exactly once, with two workers — one SIGKILLed and restarted."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from tests.conftest import GraphQLClient
from tests.deadlines.test_enforcement import accepted_withdrawal

from tongban import db
from tongban.cases.workflow import FastClock
from tongban.deadlines.tasks import schedule_jobs

pytestmark = pytest.mark.slow
TZ = ZoneInfo("Asia/Shanghai")
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
        # Raised at its instant, never before; the sweeper's 5 s would be 2.5 simulated days.
        assert threshold <= at < threshold + timedelta(hours=12), (
            e["payload"]["level"],
            threshold,
            at,
        )
    _ = case
