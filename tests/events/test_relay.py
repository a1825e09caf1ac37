"""The outbox relay publishes committed events to a Redis stream and per-case channels, in
order, at least once, and catches up after Redis was away."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest
import redis.asyncio as aioredis
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient, running
from tests.scenarios import act, ok
from tests.servers import RedisProcess

from tongban import db
from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.events import relay
from tongban.events import repository as events_repo


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(settings)
    yield p
    await p.close()


async def stream_events(redis: aioredis.Redis) -> list[dict[str, object]]:
    return [json.loads(fields[b"event"]) for _, fields in await redis.xrange(relay.STREAM)]


async def test_events_are_published_in_order_once(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool, redis_url: str
) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    token = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, token, codes=["application", "articles"]))
    window = await client.officer_token("th.shipai.window")
    case = ok(
        await act(
            client,
            window,
            "requestSupplement",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "materialCodes": ["id", "premises"],
                "note": "",
            },
        )
    )
    subscriber = redis.pubsub()
    case_id = await conn.fetchval("SELECT id::text FROM case_record")
    await subscriber.subscribe(relay.CHANNEL_PREFIX + case_id)
    refused = await act(
        client,
        window,
        "refuseCase",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "reason": "不属本机关职权",
            "competentAgency": "国家知识产权局",
        },
    )
    ok(refused)

    assert await relay.drain(pool, redis) == 3
    events = await stream_events(redis)
    assert [e["topic"] for e in events] == [
        "case.submitted",
        "case.supplement_requested",
        "case.refused",
    ]
    assert [e["payload"]["version"] for e in events] == [2, 3, 4]
    assert await relay.drain(pool, redis) == 0, "nothing is published twice"
    assert await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    live = []
    for _ in range(20):
        message = await subscriber.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if message:
            live.append(json.loads(message["data"])["topic"])
    assert live == ["case.submitted", "case.supplement_requested", "case.refused"]
    await subscriber.aclose()
    await redis.aclose()


async def test_with_redis_away_changes_are_accepted_and_published_later(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pool: asyncpg.Pool,
    settings: Settings,
    clock: MovableClock,
) -> None:
    server = RedisProcess()
    server.start()
    redis = aioredis.Redis.from_url(server.url, socket_connect_timeout=0.5, socket_timeout=0.5)
    # The API itself talks to this Redis (deadline jobs, pub/sub), which then goes away.
    app = create_app(msgspec.structs.replace(settings, redis_url=server.url), clock=clock)
    try:
        async with running(app) as http:
            api = GraphQLClient(http, settings, conn, clock)
            server.stop()
            token = api.applicant_token(await make_applicant(conn))
            numbers = [
                ok(await submit(api, token, key=f"away-{i:04d}"))["number"] for i in range(200)
            ]
            assert len(set(numbers)) == 200, "every submission succeeded while Redis was away"
            with pytest.raises((aioredis.RedisError, OSError)):
                await relay.drain(pool, redis)
            assert (
                await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 200
            )
            assert await events_repo.oldest_unpublished_age(conn) > 0
            metrics = (await http.get("/metrics")).text
            assert "tongban_outbox_oldest_unpublished_seconds" in metrics

        server.start()
        assert await relay.drain(pool, redis) == 200
        events = await stream_events(redis)
        assert [e["payload"]["caseNumber"] for e in events] == numbers
        assert await events_repo.oldest_unpublished_age(conn) == 0
    finally:
        await redis.aclose()
        server.stop()


async def test_two_relays_at_once_keep_the_order(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool, redis_url: str
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    for i in range(30):
        ok(await submit(client, token, key=f"two-relays-{i:04d}"))
    redis = aioredis.Redis.from_url(redis_url)
    second = await db.create_pool(client.settings)
    try:
        await asyncio.gather(*(relay.drain(p, redis, batch=4) for p in (pool, second, pool)))
        await relay.drain(pool, redis)
        ids = [e["outboxId"] for e in await stream_events(redis)]
        assert ids == sorted(ids) and len(ids) == len(set(ids)) == 30
    finally:
        await second.close()
        await redis.aclose()


async def test_a_commit_wakes_the_relay_without_waiting_for_the_poll(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool, redis_url: str
) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    task = asyncio.create_task(
        relay.run(client.settings.database_url, pool, redis, poll_seconds=60)
    )
    try:
        await asyncio.sleep(0.3)  # the first drain and LISTEN are in place
        token = client.applicant_token(await make_applicant(conn))
        ok(await submit(client, token, key="wake-me-up-0001"))
        for _ in range(50):
            if await redis.xlen(relay.STREAM):
                break
            await asyncio.sleep(0.05)
        assert await redis.xlen(relay.STREAM) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await redis.aclose()
