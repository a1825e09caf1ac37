"""Request bodies have limits of their own: a small one for JSON, one for the GraphQL document;
only multipart submissions may carry files up to the upload limit."""

from typing import Any

import httpx
from tests.conftest import GraphQLClient


def assert_typed_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:300]
    body: dict[str, Any] = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_json_body_over_the_json_limit_is_refused(client: GraphQLClient) -> None:
    limit = client.settings.max_json_body_bytes
    # Far below the multipart limit, far above the JSON one: the ~161 MB bodies of the report.
    padding = "x" * (limit + 1)
    response = await client.http.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"pad": padding}}
    )
    assert_typed_413(response)


async def test_a_chunked_json_body_without_a_length_is_refused_too(client: GraphQLClient) -> None:
    limit = client.settings.max_json_body_bytes

    async def chunks() -> Any:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'

    response = await client.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_typed_413(response)


async def test_a_long_query_document_is_refused(client: GraphQLClient) -> None:
    limit = client.settings.graphql_max_query_chars
    query = "{ __typename }" + " " * limit
    assert len(query.encode()) < client.settings.max_json_body_bytes
    response = await client.http.post("/graphql", json={"query": query})
    assert_typed_413(response)


async def test_a_multipart_body_over_the_upload_limit_is_refused(client: GraphQLClient) -> None:
    too_large = client.settings.max_upload_bytes * 9 + client.settings.max_json_body_bytes
    response = await client.http.post(
        "/graphql",
        data={"operations": '{"query": "{ __typename }"}', "map": "{}"},
        files={"0": ("a.pdf", b"%PDF-" + b"0" * too_large, "application/pdf")},
    )
    assert_typed_413(response)


async def test_a_json_body_within_the_limit_works(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 100_000}}
    )
    assert response.status_code == 200, response.text
