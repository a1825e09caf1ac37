"""Production answers what front ends need and no more: no introspection (unless a setting
allows it), no "Did you mean" hints, metrics only for the scraper, no SQL statement counts."""

from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from tests.conftest import START, GraphQLClient, running

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings

SECRET = "production-test-secret-0123456789abcdef"
LICENCE_KEY = (
    Ed25519PrivateKey.generate()
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)


def production(settings: Settings, **overrides: object) -> Settings:
    return msgspec.structs.replace(
        settings,
        env="production",
        jwt_secret=SECRET,
        sms_access_key_secret="prod-sms-key",
        sms_callback_secret="prod-callback",
        download_secret="prod-download-key",
        public_base_url="https://tongban.example.invalid",
        licence_signing_key=LICENCE_KEY,
        licence_key_id="tongban-licence-2026",
        **overrides,
    )


@pytest.fixture
async def prod(settings: Settings, conn: asyncpg.Connection) -> AsyncIterator[GraphQLClient]:
    prod_settings = production(settings, metrics_token="scrape-token-0123456789")
    clock = MovableClock(START)
    async with running(create_app(prod_settings, clock=clock)) as http:
        yield GraphQLClient(http, prod_settings, conn, clock)


async def test_introspection_is_off_in_production(prod: GraphQLClient) -> None:
    response = await prod.post("{ __schema { types { name } } }")
    body = response.json()
    assert body.get("data") is None
    assert "introspection" in body["errors"][0]["message"].lower()
    typed = await prod.post('{ __type(name: "Case") { name } }')
    assert typed.json().get("data") is None
    assert await prod.execute("{ __typename }") == {"__typename": "Query"}


async def test_a_setting_turns_introspection_on_in_production(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    enabled = production(settings, graphql_introspection=True)
    async with running(create_app(enabled, clock=MovableClock(START))) as http:
        client = GraphQLClient(http, enabled, conn, MovableClock(START))
        data = await client.execute('{ __type(name: "Case") { name } }')
    assert data == {"__type": {"name": "Case"}}


async def test_introspection_stays_on_in_development_and_test(client: GraphQLClient) -> None:
    assert (await client.execute('{ __type(name: "Case") { name } }'))["__type"]


async def test_no_did_you_mean_in_production(prod: GraphQLClient, client: GraphQLClient) -> None:
    for query in (
        "{ matterz(first: 1) { edges { node { code } } } }",
        "{ matters(frist: 1) { edges { node { code } } } }",
    ):
        hinted = (await client.post(query)).json()["errors"][0]["message"]
        assert "Did you mean" in hinted  # the test proves a hint would otherwise be given
        message = (await prod.post(query)).json()["errors"][0]["message"]
        assert "Did you mean" not in message and "'matters'" not in message


async def test_metrics_need_the_scrape_token(prod: GraphQLClient) -> None:
    anonymous = await prod.http.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong = await prod.http.get("/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    scraped = await prod.http.get(
        "/metrics", headers={"authorization": f"Bearer {prod.settings.metrics_token}"}
    )
    assert scraped.status_code == 200
    assert "tongban_http_requests_total" in scraped.text


async def test_metrics_are_off_in_production_without_a_token(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    async with running(create_app(production(settings), clock=MovableClock(START))) as http:
        assert (await http.get("/metrics")).status_code == 404


async def test_no_sql_statement_count_in_production(
    prod: GraphQLClient, client: GraphQLClient
) -> None:
    query = "{ matters(first: 1) { edges { node { code } } } }"
    assert "x-sql-statements" in (await client.post(query)).headers
    assert "x-sql-statements" not in (await prod.post(query)).headers
