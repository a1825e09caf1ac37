"""Live updates over graphql-transport-ws, on two real API processes behind one relay."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
import websockets
from tests.cases.factories import make_applicant, make_case, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act, department_id, ok
from tests.servers import free_port

from tongban import db
from tongban.events import relay

pytestmark = pytest.mark.slow
SUBSCRIBE = (
    "subscription ($n: String!) { caseUpdated(caseNumber: $n) { eventId action version state } }"
)


def serve(client: GraphQLClient, redis_url: str, port: int, stderr: int) -> subprocess.Popen[bytes]:
    """The production entry point, `tongban serve`, as a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


@pytest.fixture
def api_processes(client: GraphQLClient, redis_url: str) -> Iterator[list[int]]:
    ports = [free_port(), free_port()]
    servers = [serve(client, redis_url, p, stderr=subprocess.DEVNULL) for p in ports]
    yield ports
    for s in servers:
        s.terminate()
    for s in servers:
        s.wait(30)


async def wait_ready(port: int, seconds: float = 60) -> None:
    # Generous: importing the app alone takes 4-10 s on two shared, busy cores.
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(port)


async def open_subscription(port: int, token: str | None, number: str) -> Any:
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    )
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"n": number}},
            }
        )
    )
    return ws


async def next_updates(ws: Any, count: int) -> list[dict[str, Any]]:
    found = []
    while len(found) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        found.append(message["payload"]["data"]["caseUpdated"])
    return found


async def test_subscribers_on_two_processes_receive_three_mutations_in_order(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api_processes: list[int]
) -> None:
    for port in api_processes:
        await wait_ready(port)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant, codes=["application", "articles"]))
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    await relay.drain(pool, redis)  # the submission's event is already out

    window = await client.officer_token("th.shipai.window")
    first = await open_subscription(api_processes[0], applicant, case["number"])
    second = await open_subscription(api_processes[1], window, case["number"])
    await asyncio.sleep(0.5)  # both subscribed to the case channel

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
    token_b = await client.officer_token("th.shipai.window")
    await client.upload(
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
    await act(
        client,
        token_b,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"] + 1},
    )
    await relay.drain(pool, redis)

    expected = [("SUPPLEMENT_REQUESTED", 3), ("SUPPLEMENTED", 4), ("ACCEPTED", 5)]
    for ws in (first, second):
        updates = await next_updates(ws, 3)
        assert [(u["action"], u["version"]) for u in updates] == expected
        await ws.close()
    await pool.close()
    await redis.aclose()


async def test_a_client_without_access_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection, api_processes: list[int]
) -> None:
    await wait_ready(api_processes[0])
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    stranger = client.applicant_token(
        await make_applicant(conn, id_number="11010519491231002X", name="李四")
    )
    # The message is in Chinese unless the upgrade request or connection_init asks for English.
    for headers, extra, message_text in (
        ({}, {}, f"办件 {case['number']} 不存在"),
        ({"Accept-Language": "en"}, {}, f"no case {case['number']}"),
        ({}, {"acceptLanguage": "en-GB,zh;q=0.5"}, f"no case {case['number']}"),
    ):
        ws = await websockets.connect(
            f"ws://127.0.0.1:{api_processes[0]}/graphql",
            subprotocols=["graphql-transport-ws"],
            additional_headers=headers,
        )
        payload = {"authorization": f"Bearer {stranger}", **extra}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"n": case["number"]}},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        # The subscription is refused with the typed error and no data, then completed.
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
        assert errors[0]["message"] == message_text
        assert message["type"] == "error" or message["payload"].get("data") is None
        await ws.close()

    anonymous = await websockets.connect(
        f"ws://127.0.0.1:{api_processes[0]}/graphql", subprotocols=["graphql-transport-ws"]
    )
    await anonymous.send(json.dumps({"type": "connection_init", "payload": {}}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(anonymous.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_the_worklist_feed_reaches_only_the_departments_working_on_the_case(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api_processes: list[int]
) -> None:
    port = api_processes[0]
    await wait_ready(port)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    await relay.drain(pool, redis)
    feed = "subscription { worklistUpdated { caseNumber action version } }"

    async def subscribe(username: str) -> Any:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
        )
        token = await client.officer_token(username)
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": feed}}))
        return ws

    tax = await subscribe("th.swj.reviewer")  # gets a task when the case is accepted
    civil = await subscribe("th.mzj.registrar")  # never involved
    await asyncio.sleep(0.5)
    window = await client.officer_token("th.shipai.window")
    await act(
        client,
        window,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"]},
    )
    await relay.drain(pool, redis)
    message = json.loads(await asyncio.wait_for(tax.recv(), 10))
    assert message["payload"]["data"]["worklistUpdated"] == {
        "caseNumber": case["number"],
        "action": "ACCEPTED",
        "version": 3,
    }
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(civil.recv(), 1)
    for ws in (tax, civil):
        await ws.close()
    await pool.close()
    await redis.aclose()


async def test_a_hand_up_reaches_the_receiving_departments_worklist_feed(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api_processes: list[int]
) -> None:
    port = api_processes[0]
    await wait_ready(port)
    case, _ = await make_case(client, conn, accepted=True)
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    await relay.drain(pool, redis)
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    )
    token = await client.officer_token("gz.scjg.reviewer")  # not involved until the hand-up
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    feed = "subscription { worklistUpdated { caseNumber action } }"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": feed}}))
    await asyncio.sleep(0.5)
    ok(
        await act(
            client,
            await client.officer_token("th.scjg.head"),
            "handUp",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "departmentId": await department_id(conn, "GZ-SCJG"),
                "reason": "涉及市级审批权限",
            },
        )
    )
    await relay.drain(pool, redis)
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["payload"]["data"]["worklistUpdated"] == {
        "caseNumber": case["number"],
        "action": "HANDED_UP",
    }
    await ws.close()
    await pool.close()
    await redis.aclose()


async def test_on_sigterm_subscribers_are_told_to_reconnect_and_the_api_stops_promptly(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.PIPE)
    try:
        await wait_ready(port)
        applicant = client.applicant_token(await make_applicant(conn))
        case = ok(await submit(client, applicant))
        pool = await db.create_pool(client.settings)
        redis = aioredis.Redis.from_url(redis_url)
        await relay.drain(pool, redis)
        ws = await open_subscription(port, applicant, case["number"])
        await asyncio.sleep(0.5)
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
        await pool.close()
        await redis.aclose()

        signalled = time.monotonic()
        server.send_signal(signal.SIGTERM)  # the pod is told to stop (after its preStop pause)
        after_sigterm: list[dict[str, Any]] = []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                after_sigterm.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        closed_after = time.monotonic() - signalled
        # No `complete` (nor error) first: graphql-ws clients take `complete` as the end of the
        # subscription and would not subscribe again; on 1012 they reconnect to another pod and
        # resubscribe.
        assert after_sigterm == []
        # A close frame (not a dropped connection, 1006) with 1012 "service restart".
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        assert closed_after < 2

        # uvicorn re-raises the signal once it has shut down gracefully; an open subscription
        # must not hold it up towards its 20 s limit (the pod's grace period is 40 s).
        assert server.wait(30) in (0, -signal.SIGTERM)
        assert time.monotonic() - signalled < 5
        assert server.stderr is not None
        logged = server.stderr.read()
        # e.g. no "Cancel 1 running task(s), timeout graceful shutdown exceeded"
        assert b'"level":"ERROR"' not in logged and b"Traceback" not in logged, logged
        with pytest.raises(OSError):
            await websockets.connect(f"ws://127.0.0.1:{port}/graphql")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
