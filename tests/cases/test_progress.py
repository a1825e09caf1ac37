"""查询办件进度: anyone with the case number and the applicant's identifier (or its last six
characters) sees the public progress without signing in — nothing personal, nothing for a wrong
identifier, and never more often than the limits allow."""

from __future__ import annotations

from datetime import date

import asyncpg
import msgspec
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.config import Settings
from tongban.identifiers import make_case_number

PROGRESS = """query ($n: String!, $id: String!) {
  caseProgress(number: $n, applicantIdentifier: $id) {
    number matterCode matterName state receivedOn acceptedOn stageName promisedDueOn decidedOn
    decision } }"""
ID_NUMBER = "440524188001015368"


async def test_the_public_progress_by_number_and_the_last_six_of_the_id(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    officer_view = await client.execute(
        "query ($n: String!) { case(number: $n) { deadlines { kind dueOn } } }",
        {"n": case["number"]},
        token=await client.officer_token("th.scjg.reviewer"),
    )
    promised = next(d for d in officer_view["case"]["deadlines"] if d["kind"] == "PROMISED")
    for identifier in (ID_NUMBER, ID_NUMBER[-6:], ID_NUMBER[-6:].lower()):
        data = await client.execute(PROGRESS, {"n": case["number"], "id": identifier})
        assert data["caseProgress"] == {
            "number": case["number"],
            "matterCode": "GD-BL-001",
            "matterName": data["caseProgress"]["matterName"],
            "state": "ACCEPTED",
            "receivedOn": "2026-03-02",
            "acceptedOn": "2026-03-02",
            "stageName": data["caseProgress"]["stageName"],
            "promisedDueOn": promised["dueOn"],
            "decidedOn": None,
            "decision": None,
        }
        assert data["caseProgress"]["matterName"]
        assert data["caseProgress"]["stageName"]


async def test_a_wrong_identifier_looks_like_an_unknown_number(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    answers = []
    for number, identifier in (
        (case["number"], "015369"),
        (case["number"], "110105194912310021"),
        (make_case_number("440106", date(2026, 3, 2), 999), ID_NUMBER[-6:]),
    ):
        body = (await client.post(PROGRESS, {"n": number, "id": identifier})).json()
        assert body["data"] is None
        answers.append((body["errors"][0]["message"], body["errors"][0]["extensions"]["code"]))
    assert len(set(answers)) == 1
    assert answers[0][1] == "NOT_FOUND"
    short = (await client.post(PROGRESS, {"n": case["number"], "id": "5368"})).json()
    assert short["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_progress_queries_are_limited_per_client_and_per_case(
    client: GraphQLClient, conn: asyncpg.Connection, settings: Settings
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    variables = {"n": case["number"], "id": ID_NUMBER[-6:]}
    for limits, allowed in (
        ({"progress_rate_per_minute": 3, "progress_rate_per_case_hour": 100}, 3),
        ({"progress_rate_per_minute": 100, "progress_rate_per_case_hour": 5}, 5),
    ):
        await client_redis_flush(settings)
        limited = msgspec.structs.replace(settings, **limits)
        async with running(create_app(limited, clock=client.clock)) as http:
            codes = []
            for _ in range(allowed + 2):
                body = (
                    await http.post("/graphql", json={"query": PROGRESS, "variables": variables})
                ).json()
                codes.append(
                    body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK"
                )
                if body.get("errors"):
                    details = body["errors"][0]["extensions"]["details"]
                    assert details["retryAfter"] > 0
        assert codes == ["OK"] * allowed + ["RATE_LIMITED"] * 2, limits


async def test_without_redis_anonymous_progress_queries_are_refused(
    client: GraphQLClient, conn: asyncpg.Connection, settings: Settings
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    away = msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0")
    async with running(create_app(away, clock=client.clock)) as http:
        response = await http.post(
            "/graphql",
            json={"query": PROGRESS, "variables": {"n": case["number"], "id": ID_NUMBER}},
        )
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def client_redis_flush(settings: Settings) -> None:
    import redis.asyncio as aioredis

    redis = aioredis.Redis.from_url(settings.redis_url)
    await redis.flushdb()
    await redis.aclose()
