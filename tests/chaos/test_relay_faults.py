"""The outbox relay cannot die silently: its PostgreSQL backend terminated mid-transaction, or
its LISTEN session killed, it reconnects and publishes everything (NOTIFY-driven again, not on
a slow poll); a relay loop that hangs turns its liveness probe red."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from tests.chaos.conftest import bench_notifications, healthy, probe, start_group, stop, wait_until
from tests.servers import free_port

from tongban import db
from tongban.events import relay
from tongban.events import repository as events_repo

pytestmark = pytest.mark.slow
# The relay's polling fallback, far beyond every wait below: whatever is published in time was
# woken by NOTIFY, so LISTEN works.
POLL_SECONDS = 600


async def test_the_relay_survives_its_backend_terminated_mid_transaction_and_listens_again(
    database: str, redis_url: str, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    b = bench_notifications()
    env = b.worker_env(
        database,
        redis_url,
        f"http://127.0.0.1:{free_port()}/",
        health_dir=tmp_path / "health",
        worker_stale_seconds=3,
        relay_poll_seconds=POLL_SECONDS,
    )
    worker = start_group("relay", env, tmp_path / "relay.log")
    redis = aioredis.Redis.from_url(redis_url)
    holder = await db.connect(database)

    async def unpublished() -> int:
        n: int = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return n

    async def none_unpublished() -> bool:
        return await unpublished() == 0

    async def relay_sessions() -> list[asyncpg.Record]:
        return await conn.fetch(
            """SELECT pid, wait_event_type, state FROM pg_stat_activity
               WHERE datname = current_database() AND application_name = $1""",
            relay.APP_NAME,
        )

    try:
        await wait_until(lambda: _true(healthy("relay", env)[0]), 60, "the relay started")
        await b.seed_events(database, 10)
        await wait_until(none_unpublished, 30, "the first events published")

        # Hold the relay in the middle of its transaction: it has read and published the rows,
        # and waits to mark them published behind our row locks.
        await holder.execute("SELECT pg_advisory_lock($1)", events_repo.RELAY_LOCK)
        await b.seed_events(database, 20, start=10)
        blocker = holder.transaction()
        await blocker.start()
        await holder.execute("SELECT id FROM outbox WHERE published_at IS NULL FOR SHARE")
        await holder.execute("SELECT pg_advisory_unlock($1)", events_repo.RELAY_LOCK)
        # (NOTIFY inside a transaction is sent on commit: wake the relay from outside it.)
        await conn.execute("SELECT pg_notify('tongban_outbox', '')")

        async def relay_waits_on_our_lock() -> bool:
            return any(s["wait_event_type"] == "Lock" for s in await relay_sessions())

        await wait_until(relay_waits_on_our_lock, 30, "the relay blocked mid-transaction")
        before = len(await redis.xrange(relay.STREAM))
        killed = await conn.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
               WHERE datname = current_database() AND application_name = $1""",
            relay.APP_NAME,
        )
        assert killed >= 2, "the publishing session and the LISTEN session"
        await blocker.rollback()

        # The rolled-back batch is published again (at least once) without any new event…
        await wait_until(none_unpublished, 30, "the interrupted batch published")
        assert len(await redis.xrange(relay.STREAM)) >= before
        # …and LISTEN is back: new events go out on NOTIFY, long before the polling fallback.
        await b.seed_events(database, 5, start=30)
        await wait_until(none_unpublished, 30, "new events published on NOTIFY")
        assert worker.poll() is None, "the relay process is still running"
        assert healthy("relay", env)[0]

        # A relay that hangs (here: on a table lock it waits for forever) is reported dead.
        locker = holder.transaction()
        await locker.start()
        await holder.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        await conn.execute("SELECT pg_notify('tongban_outbox', '')")

        async def unhealthy() -> bool:
            return not healthy("relay", env)[0]

        await wait_until(unhealthy, 30, "the hung relay loop reported")
        result = probe("relay", env)
        assert result.returncode == 1
        assert "loop relay silent" in result.stdout
        await locker.rollback()
        await wait_until(lambda: _true(healthy("relay", env)[0]), 30, "the relay healthy again")
    finally:
        stop([worker])
        await holder.close()
        await redis.aclose()
    stream = [
        fields[b"eventId"]
        for _, fields in await aioredis.Redis.from_url(redis_url).xrange(relay.STREAM)
    ]
    assert len(set(stream)) == 35, "every event reached the stream"


async def _true(value: bool) -> bool:
    await asyncio.sleep(0)
    return value
