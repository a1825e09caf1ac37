"""A yellow card closes when the clock turns red (the red one supersedes it) or stops; a
supervisor's list of open warnings shows each late case once, at its worst."""

import asyncpg
from tests.cases.factories import accepted_withdrawal
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, complete, ok

from tongban import db
from tongban.deadlines.enforcement import sweep

OPEN = """query { openWarnings(first: 100) { edges { node { level clock caseNumber } } } }"""


async def open_warnings(client: GraphQLClient) -> list[tuple[str, str]]:
    token = await client.officer_token("gz.supervisor")
    edges = (await client.execute(OPEN, {}, token=token))["openWarnings"]["edges"]
    return sorted((e["node"]["clock"], e["node"]["level"]) for e in edges)


async def test_yellow_closes_when_red_is_raised_and_everything_when_the_clocks_stop(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await accepted_withdrawal(client, conn)
    pool = await db.create_pool(client.settings)
    try:
        await sweep(pool, now=at("2026-03-03"), settings=client.settings)
        assert await open_warnings(client) == [("PROMISED", "YELLOW"), ("STAGE", "YELLOW")]

        await sweep(pool, now=at("2026-03-06"), settings=client.settings)
        assert await open_warnings(client) == [("PROMISED", "RED"), ("STAGE", "RED")]
        resolved = await conn.fetch(
            "SELECT level, resolved_at FROM deadline_warning WHERE resolved_at IS NOT NULL"
        )
        assert sorted((r["level"], r["resolved_at"]) for r in resolved) == [
            ("yellow", at("2026-03-06")),
            ("yellow", at("2026-03-06")),
        ]
    finally:
        await pool.close()

    client.clock.set(at("2026-03-06", "10:00"))
    case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")
    assert await open_warnings(client) == [("PROMISED", "RED")], "the stage clock stopped"
    head = await client.officer_token("gz.gjj.head")
    variables = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "decision": "APPROVED",
        "resultNumber": "GJJ-1",
        "reason": None,
    }
    ok(await act(client, head, "decideCase", "", variables))
    assert await open_warnings(client) == []
