"""One caller cannot hold hundreds of idle subscription connections: beyond the cap a new one
is refused at connection_init, and a closed one gives its slot back."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest
import websockets
from tests.cases.factories import make_applicant
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import wait_ready
from tests.servers import free_port

pytestmark = pytest.mark.slow


async def connect(port: int, token: str) -> tuple[Any, dict[str, Any] | None]:
    """The socket and connection_ack, or (socket, None) when the server closed it instead."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    )
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    try:
        return ws, json.loads(await asyncio.wait_for(ws.recv(), 10))
    except websockets.ConnectionClosed:
        return ws, None


async def test_a_caller_holds_at_most_the_capped_number_of_live_connections(
    client: GraphQLClient, conn: Any, redis_url: str
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_WS_CONNECTIONS_PER_PRINCIPAL": "3",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_ready(port)
        token = client.applicant_token(await make_applicant(conn))
        held = []
        for _ in range(3):
            ws, ack = await connect(port, token)
            assert ack is not None and ack["type"] == "connection_ack"
            held.append(ws)
        refused, ack = await connect(port, token)
        assert ack is None
        assert refused.close_code == 4403
        # Someone else is not affected.
        other = client.applicant_token(
            await make_applicant(conn, id_number="11010519491231002X", name="李四")
        )
        ws, ack = await connect(port, other)
        assert ack is not None and ack["type"] == "connection_ack"
        await ws.close()
        # A closed connection gives its slot back.
        await held.pop().close()
        await asyncio.sleep(0.5)
        ws, ack = await connect(port, token)
        assert ack is not None and ack["type"] == "connection_ack"
        held.append(ws)
        for ws in held:
            await ws.close()
    finally:
        server.terminate()
        server.wait(30)
