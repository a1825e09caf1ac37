"""Every relation is batched: a nested list over many parents costs the statements of few.

`Region.descendants` once ran a statement (and took a pool connection) per parent: 1,624
statements in one request (issue 13). Each query below is run over the demo's regions and
matters, then over many more, and must cost the same number of statements.
"""

from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest
from tests.cases.test_query_cost import seed
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.government import repository as gov_repo

REGION_QUERIES = {
    "parent": "{ regions { code parent { code } } }",
    "ancestors": "{ regions { code ancestors { code } } }",
    "children": "{ regions { code children { code } } }",
    "descendants": "{ regions { code descendants { code } } }",
    "departments": "{ regions { code departments { code region { code } } } }",
    "nested": "{ regions { children { descendants { departments { region { ancestors { code } } } } } } }",
}

MATTER_QUERIES = {
    "versions": "query ($n: Int!) { matters(first: $n) { nodes { versions { materials { code } } } } }",
    "current": """query ($n: Int!) { matters(first: $n) { nodes { current {
      department { code } reviewPlan { departments { code region { code } } } } } } }""",
}


@pytest.fixture
async def http(settings: Settings, clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    # Costs are not the subject here: the budget lets every nested list through.
    roomy = msgspec.structs.replace(settings, graphql_cost_anonymous=10**12)
    async with running(create_app(roomy, clock=clock)) as client:
        yield client


async def statements(
    http: httpx.AsyncClient, query: str, variables: dict[str, int] | None = None
) -> int:
    """Statements of a warm request: the first use of a pooled connection adds asyncpg's
    one-off type introspection, so the fewest seen over a few runs is the request's own."""
    counts = []
    for _ in range(4):
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert not body.get("errors"), body
        counts.append(int(response.headers["x-sql-statements"]))
    return min(counts)


async def add_regions(conn: asyncpg.Connection, count: int) -> None:
    """``count`` more counties under Guangzhou, each with a township and a department."""
    for i in range(count):
        county = f"4401{50 + i:02d}"
        await gov_repo.upsert_region(
            conn, code=county, name=f"测试区{i}", level="county", parent_code="440100"
        )
        await gov_repo.upsert_region(
            conn, code=f"{county}001", name=f"测试街道{i}", level="township", parent_code=county
        )
        await gov_repo.upsert_department(
            conn, code=f"TEST-{i}", name=f"测试局{i}", region_code=county
        )


async def test_region_relations_cost_the_same_over_many_regions(
    http: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    few = {name: await statements(http, q) for name, q in REGION_QUERIES.items()}
    assert await conn.fetchval("SELECT count(*) FROM region") == 11
    await add_regions(conn, 40)
    many = {name: await statements(http, q) for name, q in REGION_QUERIES.items()}
    assert many == few
    # One statement per relation level (plus the list itself).
    assert many["descendants"] <= 2 and many["nested"] <= 6, many


async def test_catalogue_relations_cost_the_same_for_any_page(http: httpx.AsyncClient) -> None:
    for name, query in MATTER_QUERIES.items():
        small = await statements(http, query, {"n": 2})
        large = await statements(http, query, {"n": 11})
        assert small == large, name


CASE_LISTS = """query ($n: Int!) { cases(first: $n) { nodes {
  tasks { department { region { code departments { code } } } deadline { colour } }
  deadlines { colour } materials { name } messages { status } history { action }
  receivingRegion { code ancestors { code } } handlingRegion { code } applicant { name }
} } }"""


async def test_every_list_of_a_case_page_costs_the_same_for_any_page(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 12)
    token = await client.officer_token("gz.supervisor")

    async def cost(n: int) -> int:
        counts = []
        for _ in range(4):
            response = await client.post(CASE_LISTS, {"n": n}, token=token)
            body = response.json()
            assert not body.get("errors"), body
            assert len(body["data"]["cases"]["nodes"]) == n
            counts.append(int(response.headers["x-sql-statements"]))
        return min(counts)

    assert await cost(3) == await cost(12)
