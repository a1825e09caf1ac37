"""Every timestamp a case records comes from the platform's clock, never from the database's or
the system's: driven on a simulated clock months away from the real date, the history, the
tasks, the materials and the deadline warnings carry exactly the simulated instants."""

import asyncpg
from tests.cases.factories import accepted_withdrawal
from tests.conftest import GraphQLClient
from tests.scenarios import START, act, at, complete, ok

from tongban import db
from tongban.deadlines.enforcement import sweep


async def test_a_case_on_a_simulated_clock_records_only_simulated_instants(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await accepted_withdrawal(client, conn)  # filed and accepted at START

    reviewed = at("2026-03-03", "10:15")
    client.clock.set(reviewed)
    case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")

    # Promised 3 → due Thu 03-05: the sweep at 03-06 raises its yellow and red warnings.
    swept = at("2026-03-06")
    pool = await db.create_pool(client.settings)
    try:
        assert await sweep(pool, now=swept, settings=client.settings) > 0
    finally:
        await pool.close()

    decided = at("2026-03-06", "11:00")
    client.clock.set(decided)
    head = await client.officer_token("gz.gjj.head")
    fresh = await conn.fetchval("SELECT version FROM case_record WHERE number = $1", case["number"])
    ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": fresh,
                "decision": "APPROVED",
                "resultNumber": "GJJ-1",
                "reason": None,
            },
        )
    )

    history = await conn.fetch("SELECT action, occurred_at FROM case_event ORDER BY seq")
    assert [(e["action"], e["occurred_at"]) for e in history] == [
        ("submitted", START),
        ("accepted", START),
        ("opinion_given", reviewed),
        ("deadline_yellow", swept),
        ("deadline_red", swept),
        ("decided", decided),
    ]
    task = await conn.fetchrow("SELECT opened_at, completed_at FROM review_task")
    assert (task["opened_at"], task["completed_at"]) == (START, reviewed)
    warnings = await conn.fetch("SELECT level, raised_at, resolved_at FROM deadline_warning")
    assert sorted((w["level"], w["raised_at"], w["resolved_at"]) for w in warnings) == [
        ("red", swept, decided),
        ("yellow", swept, swept),  # superseded by the red card raised in the same sweep
    ]
    assert await conn.fetchval("SELECT updated_at FROM case_record") == decided
    assert {
        r["uploaded_at"] for r in await conn.fetch("SELECT uploaded_at FROM case_material")
    } == {START}
