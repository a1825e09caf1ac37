"""Security headers on every API response, and no server banner."""

import asyncio
import subprocess
import sys

import httpx
from tests.conftest import GraphQLClient
from tests.servers import free_port
from tests.test_entry_points import env_for


async def test_graphql_responses_are_not_sniffed_or_cached(client: GraphQLClient) -> None:
    token = await client.officer_token("th.window")
    for response in (
        await client.post("{ matters(first: 1) { edges { node { code } } } }", token=token),
        await client.http.post(
            "/graphql", content=b"{", headers={"content-type": "application/json"}
        ),
        await client.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer x"}
        ),
        await client.http.get("/health/live"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff", response.request.url
        assert response.headers["cache-control"] == "no-store", response.request.url


async def test_the_server_does_not_announce_itself(database: str, redis_url: str) -> None:
    port = free_port()
    env = env_for(database, redis_url, TONGBAN_HTTP_PORT=str(port), TONGBAN_ENV="test")
    server = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    response = await http.get("/health/live")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert response.status_code == 200
            assert "server" not in response.headers
    finally:
        server.terminate()
        server.wait(30)
