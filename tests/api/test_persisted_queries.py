"""Automatic persisted queries (Apollo's protocol), the allow-list of the front ends' own
operations, and CORS for browser front ends on other origins."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.config import Settings

SEARCH = """query SearchMatters($keyword: String, $after: String) {
  matters(first: 20, after: $after, filter: { keyword: $keyword }) {
    edges {
      cursor
      node {
        code
        current { name category level promisedLimit statutoryLimit department { code name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_a_query_is_sent_by_hash_after_it_was_registered_once(client: GraphQLClient) -> None:
    query = "{ matters(first: 2) { edges { node { code } } } }"
    digest = hashlib.sha256(query.encode()).hexdigest()

    first = await client.http.post("/graphql", json={"extensions": persisted(digest)})
    assert first.status_code == 200
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = await client.http.post(
        "/graphql", json={"query": query, "extensions": persisted(digest)}
    )
    assert len(registered.json()["data"]["matters"]["edges"]) == 2

    by_hash = await client.http.post("/graphql", json={"extensions": persisted(digest)})
    assert by_hash.json()["data"] == registered.json()["data"]
    by_get = await client.http.get("/graphql", params={"extensions": json.dumps(persisted(digest))})
    assert by_get.json()["data"] == registered.json()["data"]

    wrong = await client.http.post(
        "/graphql", json={"query": query, "extensions": persisted("0" * 64)}
    )
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_only_registered_operations_run_where_the_setting_says_so(
    client: GraphQLClient, settings: Settings
) -> None:
    strict = msgspec.structs.replace(settings, graphql_persisted_only=True)
    # As Apollo Client sends it: its cache adds __typename, and the layout is its own.
    as_sent = SEARCH.replace("code\n", "code __typename\n", 1).replace("\n", " ")
    async with running(create_app(strict, clock=client.clock)) as http:
        allowed = await http.post("/graphql", json={"query": as_sent, "variables": {}})
        assert allowed.json().get("errors") is None, allowed.json()
        assert allowed.json()["data"]["matters"]["edges"]
        for hostile in (
            "{ matters(first: 20) { edges { node { code } } } }",
            "{ __schema { types { name } } }",
        ):
            refused = await http.post("/graphql", json={"query": hostile})
            body = refused.json()
            assert body["data"] is None
            assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"


async def test_browsers_on_allowed_origins_may_call_the_api(
    client: GraphQLClient, settings: Settings
) -> None:
    portal = "https://portal.gd.example.cn"
    preflight = {
        "origin": portal,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    # None by default: a browser page elsewhere gets no permission.
    closed = await client.http.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers

    open_to_portal = msgspec.structs.replace(settings, cors_allowed_origins=(portal,))
    async with running(create_app(open_to_portal, clock=client.clock)) as http:
        answer = await http.options("/graphql", headers=preflight)
        assert answer.status_code in (200, 204)
        assert answer.headers["access-control-allow-origin"] == portal
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()
        call = await http.post(
            "/graphql",
            json={"query": "{ matters(first: 1) { edges { node { code } } } }"},
            headers={"origin": portal},
        )
        assert call.headers["access-control-allow-origin"] == portal
        assert "x-request-id" in call.headers["access-control-expose-headers"].lower()
        stranger = await http.options(
            "/graphql", headers=preflight | {"origin": "https://evil.example.com"}
        )
        assert stranger.headers.get("access-control-allow-origin") != "https://evil.example.com"
