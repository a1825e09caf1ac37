"""A slow SMS provider and a slow mail relay, a real notification worker process, one phone and
one mailbox with 150 messages each: every message arrives exactly once, in event order.

The batch a worker claims for one address is sent one message at a time; with a lease shorter
than the batch, or counted on the simulated clock (TONGBAN_CLOCK_SPEED), the catch-up scan used
to hand the rest of the batch to the other send loop, which sent it again.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from aiosmtpd.controller import Controller
from tests.notifications.conftest import Mailbox
from tests.notifications.test_worker_processes import bench
from tests.servers import free_port

from tongban import db
from tongban.config import Settings
from tongban.events import relay

pytestmark = pytest.mark.slow
PHONE = "13912345678"
ADDRESS = "laowang@example.cn"
COUNT = 150


@pytest.fixture
def slow_mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


async def wait_until(predicate: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("clock_speed", [1.0, 3600.0], ids=["real-clock", "fast-simulated-clock"])
async def test_150_messages_to_one_phone_and_one_mailbox_through_slow_servers_arrive_once(
    database: str,
    redis_url: str,
    conn: asyncpg.Connection,
    tmp_path: Path,
    settings: Settings,
    slow_mailbox: Mailbox,
    clock_speed: float,
) -> None:
    b = bench()
    await b.seed_events(database, COUNT, mobile=PHONE, email=ADDRESS)
    record = tmp_path / "sms.jsonl"
    port = free_port()
    stub = b.start_stub(port, record)
    # 150 sends one after another take several times the lease: the smallest delays that
    # made the old worker send dozens twice.
    async with httpx.AsyncClient() as http:
        await http.post(f"http://127.0.0.1:{port}/_stub/delay", params={"seconds": "0.05"})
    slow_mailbox.delay = 0.05
    simulated = (
        {"clock_start": "2026-03-02T09:30:00+08:00", "clock_speed": clock_speed}
        if clock_speed != 1.0
        else {}
    )
    env = b.worker_env(
        database,
        redis_url,
        f"http://127.0.0.1:{port}/",
        smtp_port=slow_mailbox.port,
        sms_timeout_seconds=2,
        smtp_timeout_seconds=2,
        notify_lease_seconds=3,
        **simulated,
    )
    redis = aioredis.Redis.from_url(redis_url)
    pool = await db.create_pool(settings)
    worker = b.start_worker(env)
    try:
        await b.wait_for_group(redis)
        await relay.drain(pool, redis)

        async def all_sent() -> bool:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) = $1 FROM notification_message WHERE status = 'sent'",
                    2 * COUNT,
                )
            )

        await wait_until(all_sent, 120, "every message sent")
        # SIGTERM lets sends still in flight finish: a copy sent late is counted too.
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        stub.terminate()
        stub.wait(10)
        await pool.close()
        await redis.aclose()

    assert await conn.fetchval("SELECT count(*) FROM outbox") == COUNT
    assert await conn.fetchval("SELECT count(*) FROM outbox WHERE notified_at IS NULL") == 0
    rows = await conn.fetch(
        "SELECT id::text, channel, status, attempts FROM notification_message ORDER BY event_seq"
    )
    assert len(rows) == 2 * COUNT
    sms_ids = [r["id"] for r in rows if r["channel"] == "sms"]
    email_ids = [r["id"] for r in rows if r["channel"] == "email"]
    at_stub = b.received(record)
    at_relay = [
        str(m["Message-ID"]).strip("<>").removesuffix("@tongban") for m in slow_mailbox.messages
    ]
    duplicates = (len(at_stub) - len(set(at_stub)), len(at_relay) - len(set(at_relay)))
    assert duplicates == (0, 0), "(SMS, e-mails) that arrived twice"
    assert at_stub == sms_ids, "every SMS arrived, in event order"
    assert sorted(at_relay) == sorted(email_ids), "every e-mail arrived"
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}, "nothing was released"
