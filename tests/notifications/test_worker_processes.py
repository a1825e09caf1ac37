"""Real notification worker processes: SIGKILL mid-send loses and repeats nothing; SIGTERM
lets the sends in flight finish."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from tests.servers import free_port

from tongban import db
from tongban.config import Settings
from tongban.events import relay

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_notifications", ROOT / "bench" / "notifications.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def at_least(b: ModuleType, record: Path, count: int) -> bool:
    return len(b.received(record)) >= count


async def wait_until(predicate: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_worker_killed_in_the_middle_of_1000_messages_sends_each_once(
    database: str, redis_url: str, conn: asyncpg.Connection, tmp_path: Path, settings: Settings
) -> None:
    b = bench()
    await b.seed_events(database, 1000)
    record = tmp_path / "sms.jsonl"
    port = free_port()
    stub = b.start_stub(port, record)
    # Slow enough (rate limit) that the kill lands mid-way; short lease so the restarted
    # worker reconciles the killed one's sends within seconds.
    env = b.worker_env(
        database,
        redis_url,
        f"http://127.0.0.1:{port}/",
        sms_rate_per_second=150,
        sms_rate_burst=50,
        sms_timeout_seconds=2,
        smtp_timeout_seconds=2,
        notify_lease_seconds=3,
    )
    # Each send takes 0.2 s at the provider: the kill finds sends in flight (whose answers
    # the dead worker never records); the in-process test pins that path down exactly.
    async with httpx.AsyncClient() as http:
        await http.post(f"http://127.0.0.1:{port}/_stub/delay", params={"seconds": "0.2"})
    redis = aioredis.Redis.from_url(redis_url)
    pool = await db.create_pool(settings)
    worker = b.start_worker(env)
    try:
        await b.wait_for_group(redis)
        await relay.drain(pool, redis)

        async def mid_send() -> bool:
            return len(b.received(record)) >= 300 and bool(
                await conn.fetchval(
                    "SELECT count(*) FROM notification_message WHERE status = 'sending'"
                )
            )

        await wait_until(mid_send, 60, "300 messages and more in flight")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_kill = len(b.received(record))
        assert at_kill < 1000, "the kill came too late to test anything"
        stuck = await conn.fetchval(
            "SELECT count(*) FROM notification_message WHERE status <> 'sent'"
        )
        assert stuck > 0
        leased = await conn.fetchval(
            "SELECT count(*) FROM notification_message WHERE status = 'sending'"
        )
        worker = b.start_worker(env)

        async def all_sent() -> bool:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) = 1000 FROM notification_message WHERE status = 'sent'"
                )
            )

        await wait_until(all_sent, 90, "every message sent after the restart")
    finally:
        worker.terminate()
        worker.wait(30)
        stub.terminate()
        stub.wait(10)
        await pool.close()
        await redis.aclose()
    # Counted at the end: every event planned once, every message sent once.
    assert await conn.fetchval("SELECT count(*) FROM outbox") == 1000
    assert await conn.fetchval("SELECT count(*) FROM outbox WHERE notified_at IS NULL") == 0
    ids = b.received(record)
    expected = {r["id"] for r in await conn.fetch("SELECT id::text FROM notification_message")}
    assert len(expected) == 1000
    assert len(ids) - len(set(ids)) == 0, "no message reached the provider twice"
    assert set(ids) == expected, "every message reached the provider"
    # What the killed worker held was released once its lease ran out, and each was looked up
    # at the provider before any resend.
    assert (
        await conn.fetchval("SELECT count(*) FROM notification_message WHERE attempts > 1")
        >= leased
    )


async def test_sigterm_lets_the_sends_in_flight_finish(
    database: str, redis_url: str, conn: asyncpg.Connection, tmp_path: Path, settings: Settings
) -> None:
    b = bench()
    await b.seed_events(database, 300)
    record = tmp_path / "sms.jsonl"
    port = free_port()
    stub = b.start_stub(port, record)
    env = b.worker_env(
        database, redis_url, f"http://127.0.0.1:{port}/", sms_rate_per_second=100, sms_rate_burst=20
    )
    redis = aioredis.Redis.from_url(redis_url)
    pool = await db.create_pool(settings)
    worker = b.start_worker(env)
    try:
        await b.wait_for_group(redis)
        await relay.drain(pool, redis)
        await wait_until(lambda: at_least(b, record, 50), 60, "50 sent")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
        # Nothing is left claimed: whatever was in flight was recorded before the exit.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM notification_message WHERE status = 'sending'"
            )
            == 0
        )
        sent = await conn.fetchval(
            "SELECT count(*) FROM notification_message WHERE status = 'sent'"
        )
        assert sent == len(b.received(record)) < 300
    finally:
        if worker.poll() is None:
            worker.kill()
        stub.terminate()
        stub.wait(10)
        await pool.close()
        await redis.aclose()
