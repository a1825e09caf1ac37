"""Subscriptions stay up while nothing happens, and end with a coded, retryable error when
Redis goes away: a worklist left open all day must not die of quiet."""

import asyncio
import json
import subprocess
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import next_updates, open_subscription, serve, wait_ready
from tests.scenarios import act, ok
from tests.servers import RedisProcess, free_port

from tongban import db
from tongban.events import relay

pytestmark = pytest.mark.slow


async def quiet_for(ws: Any, seconds: float) -> None:
    """Nothing at all arrives for a while (no error, no complete)."""
    with pytest.raises(TimeoutError):
        message = await asyncio.wait_for(ws.recv(), seconds)
        pytest.fail(f"unexpected message while idle: {message}")


async def test_an_idle_subscription_answers_pings_and_receives_the_next_event(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        await wait_ready(port)
        applicant = client.applicant_token(await make_applicant(conn))
        case = ok(await submit(client, applicant))
        await relay.drain(pool, redis)
        ws = await open_subscription(port, applicant, case["number"])

        # Longer than the 2 s read timeout the API's Redis client has for commands.
        await quiet_for(ws, 3)
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
        await quiet_for(ws, 3)

        window = await client.officer_token("th.shipai.window")
        await act(
            client,
            window,
            "requestSupplement",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "materialCodes": ["id"],
                "note": "",
            },
        )
        await relay.drain(pool, redis)
        assert [u["action"] for u in await next_updates(ws, 1)] == ["SUPPLEMENT_REQUESTED"]
        await ws.close()
    finally:
        await pool.close()
        await redis.aclose()
        server.terminate()
        server.wait(30)


async def test_when_redis_goes_away_the_subscription_ends_with_a_retryable_code(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    private = RedisProcess()
    private.start()
    port = free_port()
    server = serve(client, private.url, port, stderr=subprocess.DEVNULL)
    try:
        await wait_ready(port)
        applicant = client.applicant_token(await make_applicant(conn))
        case = ok(await submit(client, applicant))
        ws = await open_subscription(port, applicant, case["number"])
        watcher = aioredis.Redis.from_url(private.url)
        for _ in range(100):
            if await watcher.pubsub_channels():
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the subscription never subscribed to its channel")
        await watcher.aclose()

        private.stop()
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert errors[0]["extensions"]["details"] == {"retryable": True, "retryAfter": 2}
        if message["type"] == "next":
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {
                "id": "1",
                "type": "complete",
            }
        await ws.close()
    finally:
        server.terminate()
        server.wait(30)
        private.stop()
