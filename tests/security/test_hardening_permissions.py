"""Permission before existence, one operation per request, subscriptions over WebSocket only."""

import asyncio
import subprocess
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.events.test_subscriptions import next_updates, open_subscription, serve, wait_ready
from tests.scenarios import act, ok
from tests.servers import free_port

from tongban import db
from tongban.events import relay

PUBLISH = """mutation ($code: String!) {
  publishMatter(code: $code) { userErrors { code field message } } }"""


@pytest.fixture
def api_port(client: GraphQLClient, redis_url: str) -> Iterator[int]:
    """`tongban serve` as a process of its own (WebSockets need a real server)."""
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    yield port
    server.terminate()
    server.wait(30)


async def test_publish_matter_says_forbidden_before_whether_a_draft_exists(
    client: GraphQLClient,
) -> None:
    reviewer = await client.officer_token("th.scjg.reviewer")
    answers = []
    # A published matter without a draft, and a code that does not exist at all.
    for code in ("GD-BL-001", "NO-SUCH-MATTER"):
        data = await client.execute(PUBLISH, {"code": code}, token=reviewer)
        answers.append(data["publishMatter"]["userErrors"])
    assert [a[0]["code"] for a in answers] == ["FORBIDDEN", "FORBIDDEN"]
    assert answers[0][0]["message"] == answers[1][0]["message"]


async def test_several_operations_without_a_name_are_refused(client: GraphQLClient) -> None:
    document = "query A { __typename } mutation B { __typename }"
    response = await client.http.post("/graphql", json={"query": document})
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    named = await client.http.post("/graphql", json={"query": document, "operationName": "A"})
    assert named.json() == {"data": {"__typename": "Query"}}


async def test_a_negative_history_length_is_a_validation_error(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    body = (
        await client.post(
            "query ($n: String!) { case(number: $n) { history(last: -5) { action } } }",
            {"n": case["number"]},
            token=applicant,
        )
    ).json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "last"


async def test_a_subscription_over_http_post_gets_a_typed_error(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    query = "subscription ($n: String!) { caseUpdated(caseNumber: $n) { action } }"
    for accept in ("application/json", "multipart/mixed;subscriptionSpec=1.0,application/json"):
        response = await client.http.post(
            "/graphql",
            json={"query": query, "variables": {"n": case["number"]}},
            headers={"authorization": f"Bearer {applicant}", "accept": accept},
        )
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "WebSocket" in error["message"]


async def test_an_applicant_subscribes_to_their_own_case(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str, api_port: int
) -> None:
    await wait_ready(api_port)
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        await relay.drain(pool, redis)
        ws = await open_subscription(api_port, applicant, case["number"])
        await asyncio.sleep(0.5)  # subscribed to the case channel
        window = await client.officer_token("th.shipai.window")
        variables: dict[str, Any] = {"number": case["number"], "expectedVersion": case["version"]}
        ok(await act(client, window, "acceptCase", "", variables))
        await relay.drain(pool, redis)
        [update] = await next_updates(ws, 1)
        assert update["action"] == "ACCEPTED"
        await ws.close()
    finally:
        await pool.close()
        await redis.aclose()
