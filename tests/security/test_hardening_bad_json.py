"""Malformed request bodies are the client's mistake: 400 with a typed error, never a 500."""

import asyncio
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import serve, wait_ready
from tests.servers import free_port

JSON = {"content-type": "application/json"}

BAD_BODIES: list[tuple[str, bytes]] = [
    ("malformed", b'{"query": "{ __typename }"'),
    ("a JSON string", b'"{ __typename }"'),
    ("a JSON number", b"42"),
    ("null", b"null"),
    ("a list of numbers", b"[1, 2, 3]"),
    ("invalid UTF-8", b'{"query": "{ __typename \xff\xfe }"}'),
    ("a lone surrogate", rb'{"query": "{ matter(code: \"\ud800\") { code } }"}'),
    (
        "deep nesting",
        b'{"query": "{ __typename }", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ),
    ("variables not an object", b'{"query": "{ __typename }", "variables": [1]}'),
]


def assert_typed_bad_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "Recursion" not in error["message"] and "Traceback" not in error["message"]


@pytest.mark.parametrize(("label", "body"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_a_bad_json_body_is_a_typed_400(
    client: GraphQLClient, label: str, body: bytes
) -> None:
    response = await client.http.post("/graphql", content=body, headers=JSON)
    assert_typed_bad_request(response)


MULTIPART: list[tuple[str, dict[str, str]]] = [
    ("operations not JSON", {"operations": "{not json", "map": "{}"}),
    ("operations a list of numbers", {"operations": "[1]", "map": "{}"}),
    ("map not JSON", {"operations": '{"query": "{ __typename }"}', "map": "nope"}),
    ("map a string", {"operations": '{"query": "{ __typename }"}', "map": '"0"'}),
]


@pytest.mark.parametrize(("label", "form"), MULTIPART, ids=[m[0] for m in MULTIPART])
async def test_a_bad_multipart_body_is_a_typed_400(
    client: GraphQLClient, label: str, form: dict[str, str]
) -> None:
    response = await client.http.post(
        "/graphql", data=form, files={"0": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}
    )
    assert_typed_bad_request(response)


async def test_a_body_without_a_query_is_a_typed_400(client: GraphQLClient) -> None:
    response = await client.http.post("/graphql", json={"variables": {}})
    assert_typed_bad_request(response)


async def test_a_good_request_still_works(client: GraphQLClient) -> None:
    assert await client.execute("{ __typename }") == {"__typename": "Query"}


@pytest.fixture
def api_port(client: GraphQLClient, redis_url: str) -> Iterator[int]:
    """`tongban serve` as a process of its own (WebSockets need a real server)."""
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    yield port
    server.terminate()
    server.wait(30)


async def test_a_bad_websocket_message_closes_with_4400(api_port: int) -> None:
    await wait_ready(api_port)
    for message in ("{not json", "[1, 2]"):
        ws = await websockets.connect(
            f"ws://127.0.0.1:{api_port}/graphql", subprotocols=["graphql-transport-ws"]
        )
        await ws.send(message)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400, message
