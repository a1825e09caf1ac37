"""supervisionWarnings over graphql-transport-ws, on a real API process behind the relay: a
supervisor hears the warnings raised in their region subtree, and no other region's."""

import asyncio
import json
import subprocess
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
import websockets
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import serve, wait_ready
from tests.scenarios import at
from tests.servers import free_port

from tongban import db
from tongban.deadlines.enforcement import sweep
from tongban.events import relay

pytestmark = pytest.mark.slow
FEED = """subscription ($r: String) { supervisionWarnings(regionCode: $r) {
  level clock caseNumber dueOn department { code } region { code name } } }"""


async def subscribe(
    client: GraphQLClient, port: int, username: str, region: str | None = None
) -> Any:
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    )
    token = await client.officer_token(username)
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": FEED, "variables": {"r": region}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def drained(ws: Any) -> list[dict[str, Any]]:
    """Every update until the feed stays quiet for a second."""
    found = []
    while True:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 1 if found else 10))
        except TimeoutError:
            return found
        found.append(message["payload"]["data"])


async def test_supervisors_hear_the_warnings_of_their_region_subtree(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        await wait_ready(port)
        # A Tianhe business licence accepted Monday 2 March and never decided.
        case, _ = await make_case(client, conn, accepted=True, key="feed-case")
        await relay.drain(pool, redis)
        city = await subscribe(client, port, "gz.supervisor")
        district = await subscribe(client, port, "th.supervisor")
        shenzhen = await subscribe(client, port, "sz.supervisor")
        refused = await subscribe(client, port, "th.supervisor", region="440100")
        reviewer = await subscribe(client, port, "th.scjg.reviewer")
        for ws in (refused, reviewer):
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        await asyncio.sleep(0.5)

        # A month on, every clock of the case is past its limit.
        await sweep(pool, now=at("2026-04-01", "10:00"), settings=client.settings)
        await relay.drain(pool, redis)
        raised = {
            (r["level"].upper(), r["kind"].upper())
            for r in await conn.fetch(
                """SELECT w.level, k.kind FROM deadline_warning w
                   JOIN deadline_clock k ON k.id = w.clock_id
                   JOIN case_record c ON c.id = w.case_id WHERE c.number = $1""",
                case["number"],
            )
        }
        assert raised, "the sweep raised warnings on the case"
        for ws in (city, district):
            heard = [w["supervisionWarnings"] for w in await drained(ws)]
            assert {(w["level"], w["clock"]) for w in heard} == raised
            assert {w["caseNumber"] for w in heard} == {case["number"]}
            assert {w["region"]["code"] for w in heard} == {"440106"}
            assert {w["region"]["name"] for w in heard} == {"天河区"}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(shenzhen.recv(), 1)
        for ws in (city, district, shenzhen, refused, reviewer):
            await ws.close()
    finally:
        await pool.close()
        await redis.aclose()
        server.terminate()
        server.wait(30)
