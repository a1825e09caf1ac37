"""Hostile documents are refused before they cost anything; costly ones are cut.

Work is measured by counting (fields, selections visited), never by the clock.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from tests.conftest import GraphQLClient, running

from tongban.api.guards import DeadlineExecutionContext, budget
from tongban.api.limits import CAP, analyse
from tongban.api.schema import schema
from tongban.app import create_app
from tongban.auth.types import ANONYMOUS, Principal
from tongban.clock import MovableClock
from tongban.config import Settings


def doubling(count: int) -> str:
    """``count`` fragments, each spreading the next one twice: 2^count fields in a few lines."""
    fragments = [
        f"fragment F{i} on Region {{ name ...F{i + 1} ...F{i + 1} }}" for i in range(count - 1)
    ]
    fragments.append(f"fragment F{count - 1} on Region {{ code }}")
    return '{ region(code: "440000") { ...F0 } }\n' + "\n".join(fragments)


def measure(text: str, variables: dict[str, Any] | None = None) -> Any:
    document = parse(text)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return analyse(schema._schema, operations, fragments, variables=variables)


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def test_a_doubling_fragment_chain_is_measured_in_linear_work() -> None:
    text = doubling(60)
    assert len(text) < 4000
    found = measure(text)
    assert found.fields == CAP  # 2^60 fields, saturated
    # Each fragment's three selections are looked at once, however often it is spread.
    assert found.visits <= 3 * 60 + 1
    assert measure(doubling(30)).visits * 2 >= found.visits  # doubling the chain ~ doubles work


async def test_a_doubling_fragment_chain_is_refused_anonymously(client: GraphQLClient) -> None:
    for count in (16, 60):
        response = await client.post(doubling(count))
        body = response.json()
        assert body["data"] is None
        assert codes(body) == ["QUERY_TOO_COMPLEX"], body


async def test_fragments_that_spread_each_other_are_refused(client: GraphQLClient) -> None:
    cycle = """{ region(code: "440000") { ...A } }
      fragment A on Region { name ...B }  fragment B on Region { code ...A }"""
    body = (await client.post(cycle)).json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["details"]["fragment"] in ("A", "B")


def nested_parents(depth: int) -> str:
    """A query whose deepest field sits ``depth`` levels below the root field."""
    inner = "code"
    for _ in range(depth - 1):
        inner = f"parent {{ {inner} }}"
    return f'{{ region(code: "440106005") {{ {inner} }} }}'


async def test_the_depth_limit_keeps_its_meaning(client: GraphQLClient) -> None:
    assert client.settings.graphql_max_depth == 12
    assert measure(nested_parents(12)).depth == 12
    body = (await client.post(nested_parents(12))).json()
    assert not body.get("errors"), body
    body = (await client.post(nested_parents(13))).json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["details"]["limit"] == "depth"


async def test_aliases_beyond_the_limit_are_counted_through_fragments(
    client: GraphQLClient,
) -> None:
    fragment = " ".join(f"a{i}: code" for i in range(16))
    text = f'{{ region(code: "440000") {{ ...X  parent {{ ...X }} }} }} fragment X on Region {{ {fragment} }}'
    body = (await client.post(text)).json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["details"]["limit"] == "aliases"


def region_departments_chain(levels: int) -> str:
    inner = "code name"
    for _ in range(levels):
        inner = f"departments {{ code region {{ {inner} }} }}"
    return inner


async def test_thirty_aliases_of_region_departments_region_are_too_costly_anonymously(
    client: GraphQLClient,
) -> None:
    selection = region_departments_chain(5)
    text = (
        "{ " + " ".join(f'a{i}: region(code: "440000") {{ {selection} }}' for i in range(30)) + " }"
    )
    assert measure(text).depth == 11
    response = await client.post(text)
    body = response.json()
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_COSTLY"]
    details = body["errors"][0]["extensions"]["details"]
    assert details["budget"] == client.settings.graphql_cost_anonymous < details["cost"]
    # Refused before execution: no resolver ran, so no statement either.
    assert int(response.headers["x-sql-statements"]) == 0


async def test_descendants_of_every_region_are_too_costly_anonymously(
    client: GraphQLClient,
) -> None:
    body = (await client.post("{ regions { descendants { departments { name } } } }")).json()
    assert codes(body) == ["QUERY_TOO_COSTLY"]


async def test_budgets_grow_with_the_role(client: GraphQLClient) -> None:
    # A page of 100 matters with their versions: too much for anonymous callers, fine for
    # an officer.
    text = """{ matters(first: 100) { edges { node { code versions { version
      materials { code name } reviewPlan { name departments { name } } } } } } }"""
    found = measure(text)
    settings = client.settings
    officer = Principal(kind="officer", subject="officer:x", roles=frozenset({"intake"}))
    assert budget(settings, ANONYMOUS) < found.cost
    assert budget(settings, ANONYMOUS) < budget(settings, officer)


OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
AUDIENCE = {
    "catalogue": ANONYMOUS,
    "applicant": Principal(kind="applicant", subject="applicant:x", applicant_id="x"),
    "officer": Principal(kind="officer", subject="officer:x", officer_id="x"),
    "admin": Principal(kind="officer", subject="officer:x", officer_id="x"),
    "subscriptions": Principal(kind="officer", subject="officer:x", officer_id="x"),
    "supervision": Principal(kind="officer", subject="officer:x", officer_id="x"),
}


@pytest.mark.parametrize("path", sorted(OPERATIONS.glob("*.graphql")), ids=lambda p: p.name)
def test_the_front_ends_operations_fit_their_audiences_budget(path: Path) -> None:
    settings = Settings()
    document = parse(path.read_text(encoding="utf-8"))
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        # The largest page any of them may ask for.
        variables = {"first": settings.graphql_max_page_size, "last": 200}
        found = analyse(schema._schema, [operation], fragments, variables=variables)
        assert found.depth <= settings.graphql_max_depth
        assert found.aliases <= settings.graphql_max_aliases
        assert found.fields <= settings.graphql_max_fields
        assert found.cost <= budget(settings, AUDIENCE[path.stem]), operation.name


@asynccontextmanager
async def app_with(
    settings: Settings, clock: MovableClock, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    changed = msgspec.structs.replace(settings, **changes)
    async with running(create_app(changed, clock=clock)) as http:
        yield http


async def post(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_a_query_past_its_deadline_is_cut_with_one_typed_error(
    settings: Settings, clock: MovableClock
) -> None:
    async with app_with(settings, clock, graphql_deadline_seconds=0.0) as http:
        body = await post(http, '{ region(code: "440000") { code children { code } } }')
    assert body["data"] is None
    assert codes(body) == ["QUERY_TIMEOUT"]


async def test_a_response_over_the_size_cap_is_replaced_by_a_typed_error(
    settings: Settings, clock: MovableClock
) -> None:
    async with app_with(settings, clock, graphql_max_response_bytes=300) as http:
        small = await post(http, '{ region(code: "440000") { name } }')
        large = await post(http, "{ regions { code name } }")
    assert small["data"] == {"region": {"name": "广东省"}}
    assert large["data"] is None
    assert codes(large) == ["RESPONSE_TOO_LARGE"]


async def test_variables_of_the_wrong_shape_are_not_a_server_error(client: GraphQLClient) -> None:
    query = "query ($n: Int!) { matters(first: $n) { nodes { code } } }"
    for variables in ([1], "x", {"n": "many"}, {"n": -5}):
        response = await client.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code in (200, 400), (variables, response.text)
        if response.status_code == 200:
            assert response.json().get("errors"), variables


def test_the_deadline_cuts_queries_only() -> None:
    # A mutation may have committed; a subscription's per-event executions copy this one.
    for text, cut in (
        ("{ regions { code } }", True),
        (
            'mutation { rateCase(number: "x", expectedVersion: 1, rating: 1) { userErrors { code } } }',
            False,
        ),
        ('subscription { caseUpdated(caseNumber: "x") { state } }', False),
    ):
        executor = DeadlineExecutionContext.build(schema._schema, parse(text))
        assert isinstance(executor, DeadlineExecutionContext), executor
        assert (executor.deadline is not None) is cut, text


async def test_the_standard_introspection_query_still_passes_anonymously(
    client: GraphQLClient,
) -> None:
    from graphql import get_introspection_query

    body = (await client.post(get_introspection_query(descriptions=True))).json()
    assert body["data"]["__schema"]["types"]
    # (The one error today is older than the limits: formData's default {} has no AST form.)
    assert not {"QUERY_TOO_COMPLEX", "QUERY_TOO_COSTLY"} & set(codes(body))
    # Re-expanding the schema under every field type is refused (graphql-core's own
    # introspection-depth rule answers before the cost would).
    nested = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    refused = (await client.post(nested)).json()
    assert refused["data"] is None and refused["errors"]
