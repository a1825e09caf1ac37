"""Request limits hold across API processes sharing Redis, and answer 429 with Retry-After.

Two app instances (two processes in production) count against the same Redis; the window is a
minute long, so no test waits for it or depends on the clock.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings

QUERY = {"query": '{ region(code: "440000") { name } }'}


@pytest.fixture
async def two_apps(
    settings: Settings, clock: MovableClock
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    limited = msgspec.structs.replace(
        settings, rate_limit_anonymous=5, rate_limit_signed_in=8, rate_limit_submissions=3
    )
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(running(create_app(limited, clock=clock)))
        second = await stack.enter_async_context(running(create_app(limited, clock=clock)))
        yield first, second


def code(response: httpx.Response) -> Any:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_anonymous_requests_are_limited_per_address_across_processes(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_apps
    answers = [await (first if i % 2 else second).post("/graphql", json=QUERY) for i in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[-1]
    assert code(refused) == "RATE_LIMITED"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["details"]["retryAfter"] == int(
        refused.headers["retry-after"]
    )


async def test_bad_tokens_count_against_the_address(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_apps
    bad = {"authorization": "Bearer not-a-token"}
    answers = [
        await (first if i % 2 else second).post("/graphql", json=QUERY, headers=bad)
        for i in range(7)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2


async def test_signed_in_callers_are_limited_per_principal_not_per_address(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    client: GraphQLClient,
) -> None:
    first, second = two_apps
    officer = {"authorization": f"Bearer {await client.officer_token('th.window')}"}
    answers = [
        await (first if i % 2 else second).post("/graphql", json=QUERY, headers=officer)
        for i in range(9)
    ]
    assert [a.status_code for a in answers] == [200] * 8 + [429]
    # Their own budget: anonymous callers from the same address are still answered.
    assert (await first.post("/graphql", json=QUERY)).status_code == 200


async def test_submissions_have_a_stricter_limit_of_their_own(
    settings: Settings, clock: MovableClock, conn: asyncpg.Connection
) -> None:
    limited = msgspec.structs.replace(settings, rate_limit_submissions=3)
    async with running(create_app(limited, clock=clock)) as http:
        api = GraphQLClient(http, limited, conn, clock)
        token = api.applicant_token(await make_applicant(conn))
        for i in range(3):
            assert (await submit(api, token, key=f"limited-{i:04d}"))["created"]
        with pytest.raises(AssertionError) as refused:
            await submit(api, token, key="limited-0003")
    assert "RATE_LIMITED" in str(refused.value)
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 3


async def test_when_redis_is_away_anonymous_callers_are_refused_and_officers_pass(
    settings: Settings, clock: MovableClock, client: GraphQLClient
) -> None:
    # Nothing listens on port 1: the limiter cannot count.
    away = msgspec.structs.replace(
        settings, redis_url="redis://127.0.0.1:1/0", rate_limit_anonymous=5, rate_limit_signed_in=8
    )
    officer = {"authorization": f"Bearer {await client.officer_token('th.window')}"}
    async with running(create_app(away, clock=clock)) as http:
        anonymous = await http.post("/graphql", json=QUERY)
        signed_in = await http.post("/graphql", json=QUERY, headers=officer)
    assert anonymous.status_code == 503 and code(anonymous) == "RATE_LIMIT_UNAVAILABLE"
    assert "retry-after" in anonymous.headers
    assert signed_in.status_code == 200 and not signed_in.json().get("errors")


async def test_public_licence_verification_is_limited_like_anonymous_traffic(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = two_apps
    check = {"number": "YYZZ-0000", "sha256": "0" * 64}
    answers = [
        await (first if i % 2 else second).get("/licences/verify", params=check) for i in range(4)
    ]
    answers += [await first.get("/licences/signing-keys") for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert code(answers[-1]) == "RATE_LIMITED"
