"""Every connection pages both ways alike and counts its whole list (issue 11): the catalogue,
the worklist and the supervisors' open warnings, beside the case list (tests/cases)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from tests.cases.test_query_cost import seed
from tests.conftest import GraphQLClient

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

MATTERS = f"""query ($first: Int, $after: String, $last: Int, $before: String) {{
  matters(first: $first, after: $after, last: $last, before: $before) {{
    totalCount edges {{ node {{ code }} }} {PAGE_INFO} }} }}"""

WORKLIST = f"""query ($sort: WorklistSort!, $first: Int, $after: String, $last: Int,
  $before: String) {{
  worklist(sort: $sort, first: $first, after: $after, last: $last, before: $before) {{
    totalCount edges {{ node {{ id }} }} {PAGE_INFO} }} }}"""


async def walk(
    client: GraphQLClient, query: str, field: str, size: int, token: str | None, **extra: Any
) -> tuple[list[str], int]:
    """All pages forwards and all pages backwards (which must agree), and the total."""

    async def page(**variables: Any) -> dict[str, Any]:
        data = await client.execute(query, variables | extra, token=token)
        result: dict[str, Any] = data[field]
        return result

    def items(p: dict[str, Any]) -> list[str]:
        return [next(iter(e["node"].values())) for e in p["edges"]]

    forward: list[str] = []
    after = None
    for _ in range(200):
        p = await page(first=size, after=after)
        forward += items(p)
        total = p["totalCount"]
        assert p["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not p["pageInfo"]["hasNextPage"]:
            break
        after = p["pageInfo"]["endCursor"]
    backward: list[str] = []
    before = None
    for _ in range(200):
        p = await page(last=size, before=before)
        backward = items(p) + backward
        assert p["pageInfo"]["hasNextPage"] == (before is not None)
        if not p["pageInfo"]["hasPreviousPage"]:
            break
        before = p["pageInfo"]["startCursor"]
    assert forward == backward
    assert len(forward) == total == len(set(forward))
    return forward, total


@pytest.mark.parametrize("size", [1, 2, 5])
async def test_the_catalogue_pages_both_ways(client: GraphQLClient, size: int) -> None:
    codes, total = await walk(client, MATTERS, "matters", size, None)
    assert codes == sorted(codes) and total >= 3


async def test_a_catalogue_cursor_is_no_case_cursor(client: GraphQLClient) -> None:
    token = await client.officer_token("gz.supervisor")
    cursor = (await client.execute(MATTERS, {"first": 1}))["matters"]["pageInfo"]["endCursor"]
    body = (
        await client.post(
            "query ($a: String) { cases(after: $a) { totalCount } }", {"a": cursor}, token=token
        )
    ).json()
    assert body["errors"][0]["extensions"]["problem"] == "BAD_CURSOR"


@pytest.mark.parametrize("sort", ["RECEIVED", "DUE"])
async def test_the_worklist_pages_both_ways_through_ties(
    client: GraphQLClient, conn: asyncpg.Connection, sort: str
) -> None:
    await seed(client, conn, 7)
    # Shared due dates and tasks without one: ties and the sentinel both sit on page edges.
    await conn.execute(
        """UPDATE review_task SET due_on = CASE WHEN random() < 0.3 THEN NULL
                                                ELSE DATE '2026-04-01' END"""
    )
    token = await client.officer_token("th.scjg.reviewer")
    _, total = await walk(client, WORKLIST, "worklist", 2, token, sort=sort)
    assert total == 7
