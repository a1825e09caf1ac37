"""Tokens: a bounded lifetime, and an officer's tokens end when the officer is disabled."""

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from tests.conftest import START, GraphQLClient, running

from tongban.app import create_app
from tongban.auth.tokens import mint_token
from tongban.auth.types import Principal
from tongban.clock import MovableClock
from tongban.config import Settings

VIEWER = "{ viewer { kind name } }"


def reason(response: Any) -> str:
    assert response.status_code == 401, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    value: str = error["extensions"]["reason"]
    return value


@pytest.fixture
async def uncached(settings: Settings, conn: asyncpg.Connection) -> AsyncIterator[GraphQLClient]:
    """The API checking an officer's status on every request (no cache), so the test needs no
    waiting for a cache entry to expire."""
    fresh = msgspec.structs.replace(settings, officer_status_cache_seconds=0)
    clock = MovableClock(START)
    async with running(create_app(fresh, clock=clock)) as http:
        yield GraphQLClient(http, fresh, conn, clock)


async def test_a_token_living_longer_than_the_maximum_is_refused(client: GraphQLClient) -> None:
    limit = client.settings.jwt_max_lifetime_seconds
    long_lived = await client.officer_token("th.window", ttl_seconds=limit + 1)
    assert reason(await client.post(VIEWER, token=long_lived)) == "invalid_claims"
    within = await client.officer_token("th.window", ttl_seconds=limit)
    assert (await client.post(VIEWER, token=within)).status_code == 200


async def test_a_disabled_officers_token_is_refused(
    uncached: GraphQLClient, conn: asyncpg.Connection
) -> None:
    token = await uncached.officer_token("th.window")
    assert (await uncached.post(VIEWER, token=token)).status_code == 200
    await conn.execute("UPDATE officer SET active = false WHERE username = 'th.window'")
    assert reason(await uncached.post(VIEWER, token=token)) == "revoked"
    await conn.execute("UPDATE officer SET active = true WHERE username = 'th.window'")
    assert (await uncached.post(VIEWER, token=token)).status_code == 200


async def test_a_token_for_an_officer_who_does_not_exist_is_refused(
    uncached: GraphQLClient,
) -> None:
    for officer_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        ghost = Principal(
            kind="officer",
            subject=f"officer:{officer_id}",
            name="幽灵",
            officer_id=officer_id,
            department_id="00000000-0000-4000-8000-000000000001",
            region_code="440000",
            roles=frozenset({"admin"}),
            clearance=3,
        )
        token = mint_token(uncached.settings, ghost)
        assert reason(await uncached.post(VIEWER, token=token)) == "revoked"


async def test_the_status_is_cached_so_it_costs_no_query_per_request(
    client: GraphQLClient,
) -> None:
    token = await client.officer_token("th.window")
    counts = [
        int((await client.post(VIEWER, token=token)).headers["x-sql-statements"]) for _ in range(3)
    ]
    assert counts[0] == counts[1] + 1 == counts[2] + 1, counts
