"""What GraphiQL, GraphQL Code Generator and graphql-inspector do first: a full introspection
of the live API, which must succeed and describe exactly the checked-in contract."""

from pathlib import Path

from graphql import (
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)
from tests.conftest import GraphQLClient

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


async def test_a_full_introspection_of_the_live_api_equals_the_checked_in_schema(
    client: GraphQLClient,
) -> None:
    # The query the tools send, with descriptions, deprecations and repeatable directives.
    query = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True
    )
    response = await client.post(query)
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]

    live = lexicographic_sort_schema(build_client_schema(body["data"]))
    checked_in = lexicographic_sort_schema(build_schema(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert print_schema(live) == print_schema(checked_in)
