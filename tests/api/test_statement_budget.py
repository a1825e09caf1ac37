"""Issue 18's budget: at most 3 SQL statements for an officer's case view and a worklist page,
the personal-data access audit included, whatever the history's length or the page's size.

The front ends' own operations (graphql/operations/officer.graphql) are counted with the
``x-sql-statements`` header, for an officer who works on the cases, so every request also writes
its access audit (checked below). Statements are counted on warm connections: a pooled
connection's first use adds asyncpg's one-off type introspection.
"""

from pathlib import Path
from typing import Any

import asyncpg
from tests.cases.test_query_cost import seed
from tests.cases.test_view_repository import add_history
from tests.conftest import GraphQLClient

OFFICER = (Path(__file__).resolve().parents[2] / "graphql/operations/officer.graphql").read_text()
BUDGET = 3


async def cost(
    client: GraphQLClient, conn: asyncpg.Connection, token: str, name: str, variables: Any
) -> tuple[int, dict[str, Any]]:
    """The fewest statements over a few runs, the last answer, and that each run was audited."""
    counts = []
    for _ in range(3):
        audited = await conn.fetchval("SELECT count(*) FROM pii_access")
        response = await client.http.post(
            "/graphql",
            json={"query": OFFICER, "operationName": name, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert not body.get("errors"), body
        assert await conn.fetchval("SELECT count(*) FROM pii_access") > audited, "not audited"
        counts.append(int(response.headers["x-sql-statements"]))
    return min(counts), body["data"]


async def test_a_case_view_costs_three_statements_however_long_its_history(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 1)
    case_id, number = await conn.fetchrow("SELECT id, number FROM case_record")
    await add_history(conn, case_id, 60)
    token = await client.officer_token("th.scjg.reviewer")
    few, short = await cost(client, conn, token, "CaseView", {"number": number, "last": 5})
    many, long = await cost(client, conn, token, "CaseView", {"number": number, "last": 50})
    assert (len(short["case"]["history"]), len(long["case"]["history"])) == (5, 50)
    assert short["case"]["history"] == long["case"]["history"][-5:]
    assert {k: v for k, v in short["case"].items() if k != "history"} == {
        k: v for k, v in long["case"].items() if k != "history"
    }
    assert long["case"]["messages"] and long["case"]["tasks"] and long["case"]["deadlines"]
    assert few == many <= BUDGET, f"last 5 → {few} statements, last 50 → {many}"


async def test_a_worklist_page_costs_three_statements_whatever_its_size(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 52)
    token = await client.officer_token("th.scjg.reviewer")
    small, ten = await cost(client, conn, token, "Worklist", {"first": 10})
    large, fifty = await cost(client, conn, token, "Worklist", {"first": 50})
    assert (len(ten["worklist"]["edges"]), len(fifty["worklist"]["edges"])) == (10, 50)
    assert ten["worklist"]["edges"] == fifty["worklist"]["edges"][:10]
    assert all(e["node"]["case"]["applicant"]["idNumber"] for e in fifty["worklist"]["edges"])
    assert small == large <= BUDGET, f"page of 10 → {small} statements, of 50 → {large}"


HISTORIES = """query ($number: String!) { case(number: $number) {
  recent: history(last: 3) { seq action }
  all: history { seq action }
  tasks { case { history(last: 1) { seq } } }
} }"""


async def test_a_view_mixing_whole_and_partial_histories_shows_each_as_asked(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 1)
    case_id, number = await conn.fetchrow("SELECT id, number FROM case_record")
    await add_history(conn, case_id, 8)
    token = await client.officer_token("th.scjg.reviewer")
    body = (await client.post(HISTORIES, {"number": number}, token=token)).json()
    assert not body.get("errors"), body
    case = body["data"]["case"]
    assert len(case["all"]) > 8 and case["recent"] == case["all"][-3:]
    newest = [{"seq": case["all"][-1]["seq"]}]
    assert case["tasks"] and all(t["case"]["history"] == newest for t in case["tasks"])
