"""Subscriptions as front ends need them: resumable after a reconnect (afterEventId), what an
applicant's feed carries, new cases on an intake window's worklist, and an end when the token
expires."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
import websockets
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import serve, wait_ready
from tests.scenarios import act, ok
from tests.servers import free_port

from tongban import db
from tongban.auth.types import Principal
from tongban.cases import history_repository as history_repo
from tongban.cases import repository as repo
from tongban.deadlines.events import DeadlineYellow
from tongban.events import relay
from tongban.events.types import OutboxMessage

pytestmark = pytest.mark.slow
CASE = """subscription ($n: String!, $after: ID) {
  caseUpdated(caseNumber: $n, afterEventId: $after) { eventId action version } }"""
WORKLIST = "subscription { worklistUpdated { eventId caseNumber action } }"


@pytest.fixture
def api(client: GraphQLClient, redis_url: str) -> Iterator[int]:
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    yield port
    server.terminate()
    server.wait(30)


async def subscribe(port: int, token: str, query: str, variables: dict[str, Any]) -> Any:
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
    )
    return ws


async def received(ws: Any, field: str, count: int) -> list[dict[str, Any]]:
    found = []
    while len(found) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert message["type"] == "next", message
        found.append(message["payload"]["data"][field])
    return found


async def test_a_reconnect_with_after_event_id_misses_nothing_and_applicants_see_no_warnings(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api: int
) -> None:
    await wait_ready(api)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant, codes=["application", "articles"]))
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
    # A deadline warning, as the deadline worker records it: for officers only.
    async with conn.transaction():
        locked = await repo.lock_case(conn, number=case["number"])
        assert locked is not None
        await history_repo.insert_event(
            conn,
            case_id=locked.id,
            case_version=locked.version,
            occurred_at=client.clock.now(),
            principal=Principal(kind="anonymous"),
            reason=None,
            changes={},
            event=DeadlineYellow(),
            topic="case.deadline_yellow",
            outbox=OutboxMessage(action="deadline_yellow", version=locked.version),
        )
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    await relay.drain(pool, redis)
    first = await conn.fetchval("SELECT id::text FROM case_event ORDER BY seq LIMIT 1")

    # Both reconnect after the first event: the gap comes from the history, in order.
    mine = await subscribe(api, applicant, CASE, {"n": case["number"], "after": first})
    theirs = await subscribe(api, window, CASE, {"n": case["number"], "after": first})
    assert [u["action"] for u in await received(mine, "caseUpdated", 1)] == ["SUPPLEMENT_REQUESTED"]
    assert [u["action"] for u in await received(theirs, "caseUpdated", 2)] == [
        "SUPPLEMENT_REQUESTED",
        "DEADLINE_YELLOW",
    ]

    # Then the live ones.
    await asyncio.sleep(0.5)
    supplemented = await client.upload(
        "mutation ($n: String!, $v: Int!, $m: [MaterialUpload!]!) { supplementCase(number: $n, expectedVersion: $v, materials: $m) { case { version } userErrors { code } } }",
        {
            "n": case["number"],
            "v": case["version"],
            "m": [{"materialCode": "id", "file": None}, {"materialCode": "premises", "file": None}],
        },
        {
            "m.0.file": ("id.pdf", b"%PDF-1.4 id", "application/pdf"),
            "m.1.file": ("p.pdf", b"%PDF-1.4 p", "application/pdf"),
        },
        token=applicant,
    )
    assert supplemented["supplementCase"]["userErrors"] == []
    await relay.drain(pool, redis)
    for ws in (mine, theirs):
        assert [u["action"] for u in await received(ws, "caseUpdated", 1)] == ["SUPPLEMENTED"]
        await ws.close()

    unknown = await subscribe(
        api, applicant, CASE, {"n": case["number"], "after": "00000000-0000-4000-8000-000000000000"}
    )
    message = json.loads(await asyncio.wait_for(unknown.recv(), 10))
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    await unknown.close()
    await pool.close()
    await redis.aclose()


async def test_an_intake_window_receives_the_new_cases_of_its_region(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api: int
) -> None:
    await wait_ready(api)
    window = await client.officer_token("th.shipai.window")
    ws = await subscribe(api, window, WORKLIST, {})
    await asyncio.sleep(0.5)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant, region="440106005"))
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    await relay.drain(pool, redis)
    update = (await received(ws, "worklistUpdated", 1))[0]
    assert (update["caseNumber"], update["action"]) == (case["number"], "SUBMITTED")
    await ws.close()
    await pool.close()
    await redis.aclose()


async def test_a_subscription_ends_with_a_coded_error_when_the_token_expires(
    client: GraphQLClient, conn: asyncpg.Connection, api: int
) -> None:
    await wait_ready(api)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    short = await client.officer_token("th.shipai.window", ttl_seconds=3)
    ws = await subscribe(api, short, CASE, {"n": case["number"]})
    message = json.loads(await asyncio.wait_for(ws.recv(), 20))
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert errors[0]["extensions"]["details"] == {"reason": "expired"}
    await ws.close()
