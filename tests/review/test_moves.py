"""上报 and 转办 move the work: the old department's tasks close, the receiving department
reviews the current stage, and the clocks keep running (one number, one history)."""

from typing import Any

import asyncpg
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient
from tests.scenarios import act, complete, department_id, ok

WORKLIST = "{ worklist(first: 50) { edges { node { stageName round department { code } case { number } } } } }"


async def worklist(client: GraphQLClient, username: str) -> list[tuple[str, str, int]]:
    token = await client.officer_token(username)
    edges = (await client.execute(WORKLIST, token=token))["worklist"]["edges"]
    return [
        (e["node"]["case"]["number"], e["node"]["department"]["code"], e["node"]["round"])
        for e in edges
    ]


async def decision_clocks(conn: asyncpg.Connection) -> list[tuple[str, Any, str]]:
    rows = await conn.fetch(
        """SELECT kind, due_on, state FROM deadline_clock
           WHERE task_id IS NULL AND kind IN ('statutory', 'promised') ORDER BY kind"""
    )
    return [(r["kind"], r["due_on"], r["state"]) for r in rows]


async def move(
    client: GraphQLClient, case: dict[str, Any], mutation: str, department: str, reason: str
) -> dict[str, Any]:
    head = await client.officer_token("th.scjg.head")
    return await act(
        client,
        head,
        mutation,
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "departmentId": department,
            "reason": reason,
        },
    )


async def test_hand_up_moves_the_review_to_the_city_which_completes_it(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    number = case["number"]
    assert (number, "TH-SCJG", 0) in await worklist(client, "th.scjg.reviewer")
    clocks = await decision_clocks(conn)

    city = await department_id(conn, "GZ-SCJG")
    case = ok(await move(client, case, "handUp", city, "涉及市级审批权限"))
    assert (case["number"], case["handlingRegionCode"]) == (number, "440100")
    assert {t["state"] for t in case["tasks"] if t["round"] == 0} == {"CANCELLED"}
    assert [
        (t["department"]["code"], t["stageIndex"], t["state"])
        for t in case["tasks"]
        if t["round"] == 1
    ] == [("GZ-SCJG", 0, "OPEN")], (
        "the plan names no Guangzhou department besides the receiving one"
    )
    assert await worklist(client, "th.scjg.reviewer") == []
    assert await worklist(client, "th.swj.reviewer") == []
    assert await worklist(client, "gz.scjg.reviewer") == [(number, "GZ-SCJG", 1)]
    assert await decision_clocks(conn) == clocks, "moving a case does not restart its limit"
    stage_clocks = await conn.fetch(
        """SELECT t.department_id, c.state FROM deadline_clock c
           JOIN review_task t ON t.id = c.task_id"""
    )
    city_id = await department_id(conn, "GZ-SCJG")
    assert {
        str(r["department_id"]): r["state"]
        for r in stage_clocks
        if str(r["department_id"]) == city_id
    } == {city_id: "running"}
    assert {r["state"] for r in stage_clocks if str(r["department_id"]) != city_id} == {"stopped"}

    case = await complete(client, "gz.scjg.reviewer", case, "GZ-SCJG", "AGREE")
    assert case["currentStage"] == 1
    assert [t["department"]["code"] for t in case["tasks"] if t["state"] == "OPEN"] == ["GZ-SCJG"]
    case = await complete(client, "gz.scjg.reviewer", case, "GZ-SCJG", "AGREE")
    assert case["currentStage"] is None
    decided = ok(
        await act(
            client,
            await client.officer_token("gz.scjg.head"),
            "decideCase",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": "91440106MA5XXXXX1X",
                "reason": None,
            },
        )
    )
    assert decided["state"] == "APPROVED"
    history = [r["action"] for r in await conn.fetch("SELECT action FROM case_event ORDER BY seq")]
    assert history.count("handed_up") == 1 and history[-2:] == ["decided", "licence_issued"], (
        "one history"
    )


async def test_transfer_to_another_region_moves_the_tasks_and_keeps_the_clocks(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    clocks = await decision_clocks(conn)
    moved = ok(
        await move(
            client, case, "transferCase", await department_id(conn, "YX-SCJG"), "住所位于越秀区"
        )
    )
    assert (moved["number"], moved["receivingRegionCode"], moved["handlingRegionCode"]) == (
        case["number"],
        "440106005",
        "440104",
    )
    assert [(t["department"]["code"], t["state"]) for t in moved["tasks"] if t["round"] == 1] == [
        ("YX-SCJG", "OPEN")
    ]
    assert await worklist(client, "th.scjg.reviewer") == []
    assert await worklist(client, "th.gafj.reviewer") == []
    assert await decision_clocks(conn) == clocks


async def test_transfer_within_the_region_to_a_department_of_the_plan(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    clocks = await decision_clocks(conn)
    moved = ok(
        await move(
            client, case, "transferCase", await department_id(conn, "TH-SWJ"), "由税务部门牵头"
        )
    )
    assert moved["handlingRegionCode"] == "440106"
    assert sorted(
        (t["department"]["code"], t["state"]) for t in moved["tasks"] if t["round"] == 1
    ) == [("TH-GAFJ", "OPEN"), ("TH-SWJ", "OPEN")]
    assert await worklist(client, "th.scjg.reviewer") == []
    assert await worklist(client, "th.swj.reviewer") == [(case["number"], "TH-SWJ", 1)]
    assert await decision_clocks(conn) == clocks
    # The tax bureau's head now handles the case; Tianhe's market regulator no longer does.
    again = await move(client, moved, "transferCase", await department_id(conn, "YX-SCJG"), "x")
    assert again["userErrors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")


async def test_moves_are_checked_against_the_matter_and_the_direction(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    for mutation, code, problem in (
        ("transferCase", "TH-SCJG", "SAME_DEPARTMENT"),
        ("transferCase", "TH-MZJ", "DEPARTMENT_DOES_NOT_HANDLE_MATTER"),
        ("transferCase", "GZ-SCJG", "HAND_UP_INSTEAD"),
        ("handUp", "GZ-RSJ", "DEPARTMENT_DOES_NOT_HANDLE_MATTER"),
        ("handUp", "YX-SCJG", "NOT_HIGHER_LEVEL"),
    ):
        refused = await move(client, case, mutation, await department_id(conn, code), "x")
        assert [(e["field"], e["problem"]) for e in refused["userErrors"]] == [
            ("departmentId", problem)
        ], (mutation, code)
    untouched = await conn.fetchval("SELECT count(*) FROM review_task WHERE state = 'cancelled'")
    assert untouched == 0
