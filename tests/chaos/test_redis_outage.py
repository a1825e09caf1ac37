"""Redis stopped for a minute under load: every worker group keeps running (no restart, liveness
stays green), nothing is published while it is away, and the backlog drains by itself when it
returns — each event's SMS reaching the provider exactly once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest
from tests.chaos.conftest import (
    GROUPS,
    bench_notifications,
    healthy,
    probe,
    start_group,
    stop,
    wait_until,
)
from tests.servers import RedisProcess, free_port

pytestmark = pytest.mark.slow
OUTAGE_SECONDS = 60
BEFORE, DURING = 40, 40


async def test_every_worker_group_rides_out_a_redis_outage_and_drains_the_backlog(
    database: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    b = bench_notifications()
    redis = RedisProcess()
    redis.start()
    record = tmp_path / "sms.jsonl"
    stub_port = free_port()
    stub = b.start_stub(stub_port, record)
    env = b.worker_env(
        database,
        redis.url,
        f"http://127.0.0.1:{stub_port}/",
        health_dir=tmp_path / "health",
        worker_stale_seconds=15,
        smtp_port=free_port(),
        http_port=free_port(),
        notify_lease_seconds=20,
        sms_timeout_seconds=5,
        smtp_timeout_seconds=5,
    )
    workers = {g: start_group(g, env, tmp_path / f"{g}.log") for g in GROUPS}
    assert set(workers) == {"deadlines", "notifications", "relay", "system"}
    pids = {g: p.pid for g, p in workers.items()}

    async def all_healthy() -> bool:
        return all(healthy(g, env)[0] for g in GROUPS)

    async def published(count: int) -> bool:
        n: int = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
        return n == count

    async def at_provider(count: int) -> bool:
        return len(b.received(record)) >= count

    try:
        await wait_until(all_healthy, 60, "every worker group started")
        await b.seed_events(database, BEFORE)
        await wait_until(lambda: at_provider(BEFORE), 60, "the SMS of the first events")

        redis.stop()
        # The platform keeps accepting changes while Redis is away (the outbox is the truth).
        await b.seed_events(database, DURING, start=BEFORE)
        ends = time.monotonic() + OUTAGE_SECONDS
        while time.monotonic() < ends:
            exited = {g: p.returncode for g, p in workers.items() if p.poll() is not None}
            assert exited == {}, f"worker groups exited during the outage: {exited}"
            for group in GROUPS:
                alive, why = healthy(group, env)
                assert alive, f"{group} unhealthy during a Redis outage: {why}"
            await asyncio.sleep(5)
        assert await published(BEFORE), "nothing can be published while Redis is away"
        assert probe("relay", env).returncode == 0

        redis.start()
        await wait_until(lambda: published(BEFORE + DURING), 60, "the backlog published")
        await wait_until(lambda: at_provider(BEFORE + DURING), 90, "every SMS sent")
        assert {g: p.pid for g, p in workers.items() if p.poll() is None} == pids, (
            "no worker group was restarted"
        )
        for group in GROUPS:
            result = probe(group, env)
            assert result.returncode == 0, (group, result.stdout, result.stderr)
    finally:
        stop(list(workers.values()))
        stub.terminate()
        stub.wait(10)
        redis.stop()
    ids = b.received(record)
    messages = {r["id"] for r in await conn.fetch("SELECT id::text FROM notification_message")}
    assert len(messages) == BEFORE + DURING
    assert len(ids) == len(set(ids)), "no SMS reached the provider twice"
    assert set(ids) == messages, "every event's SMS reached the provider"
