"""Supervision figures checked against values computed by hand on a seeded data set."""

from typing import Any

import asyncpg
from tests.cases.factories import make_applicant, make_case, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, complete, ok

from tongban import db
from tongban.deadlines.enforcement import sweep


async def withdrawal(client: GraphQLClient, conn: asyncpg.Connection, key: str) -> dict[str, Any]:
    case, _ = await make_case(
        client,
        conn,
        accepted=True,
        window="gz.gjj.intake",
        matter="GZ-HPF-WITHDRAW",
        region="440100",
        codes=["id", "contract", "invoice"],
        key=key,
    )
    return case


async def decide_on(client: GraphQLClient, case: dict[str, Any], day: str) -> None:
    client.clock.set(at("2026-03-03", "10:00"))
    case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")
    client.clock.set(at(day, "10:00"))
    head = await client.officer_token("gz.gjj.head")
    ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": "GJJ-1",
                "reason": None,
            },
        )
    )


async def test_figures_per_department_and_region(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    # All accepted Monday 2026-03-02; promised limit 3 → due Thursday 03-05.
    applicant = client.applicant_token(await make_applicant(conn))
    on_time = await withdrawal(client, conn, "sup-case-a")
    late = await withdrawal(client, conn, "sup-case-b")
    still_open = await withdrawal(client, conn, "sup-case-c")
    tianhe, _ = await make_case(client, conn, accepted=True, key="sup-case-d")
    shenzhen = ok(
        await submit(
            client,
            applicant,
            matter="SZ-BL-001",
            region="440300",
            codes=["application", "articles", "id"],
            key="sup-case-e",
        )
    )
    sz = await client.officer_token("sz.scjg.reviewer")
    ok(
        await act(
            client,
            sz,
            "acceptCase",
            "",
            {"number": shenzhen["number"], "expectedVersion": shenzhen["version"]},
        )
    )

    await decide_on(client, on_time, "2026-03-04")  # used 2 working days, on time
    await decide_on(client, late, "2026-03-06")  # used 4, a day late
    client.clock.set(at("2026-04-01", "10:00"))

    supervisor = await client.officer_token("gz.supervisor")
    query = """query ($r: String!, $g: FigureGrouping!) { supervisionFigures(regionCode: $r, from: "2026-03-01", to: "2026-03-31", groupBy: $g) {
        key openCases concludedCases onTimeRate overdueCount averageWorkingDaysUsed } }"""
    departments = {
        r["code"]: r["id"] for r in await conn.fetch("SELECT code, id::text FROM department")
    }
    rows = {
        r["key"]: r
        for r in (
            await client.execute(query, {"r": "440100", "g": "DEPARTMENT"}, token=supervisor)
        )["supervisionFigures"]
    }
    assert rows == {
        departments["GZ-GJJ"]: {
            "key": departments["GZ-GJJ"],
            "openCases": 1,
            "concludedCases": 2,
            "onTimeRate": 0.5,
            "overdueCount": 2,
            "averageWorkingDaysUsed": 3.0,
        },
        departments["TH-SCJG"]: {
            "key": departments["TH-SCJG"],
            "openCases": 1,
            "concludedCases": 0,
            "onTimeRate": None,
            "overdueCount": 1,
            "averageWorkingDaysUsed": None,
        },
    }
    by_region = {
        r["key"]: (r["openCases"], r["concludedCases"])
        for r in (await client.execute(query, {"r": "440000", "g": "REGION"}, token=supervisor))[
            "supervisionFigures"
        ]
    }
    assert by_region == {"440100": (1, 2), "440106": (1, 0)}, (
        "a city supervisor sees no Shenzhen case"
    )
    admin_view = {
        r["key"]: r["openCases"]
        for r in (
            await client.execute(
                query, {"r": "440000", "g": "REGION"}, token=await client.officer_token("admin")
            )
        )["supervisionFigures"]
    }
    assert admin_view == {"440100": 1, "440106": 1, "440300": 1}

    # Open warnings: the decided cases' decision warnings are resolved; only their Art. 44
    # delivery clocks (10 working days from approval, never delivered) still warn.
    pool = await db.create_pool(client.settings)
    try:
        await sweep(pool, now=at("2026-03-31", "10:00"), settings=client.settings)
    finally:
        await pool.close()
    warnings_query = """query ($r: String, $d: ID, $l: [WarningLevel!]) { openWarnings(regionCode: $r, departmentId: $d, levels: $l, first: 100) {
        edges { node { level clock caseNumber department { code } region { code } } } } }"""
    everything = (await client.execute(warnings_query, {}, token=supervisor))["openWarnings"][
        "edges"
    ]
    decided = {on_time["number"], late["number"]}
    assert {e["node"]["caseNumber"] for e in everything} == {
        still_open["number"],
        tianhe["number"],
        *decided,
    }
    assert {e["node"]["clock"] for e in everything if e["node"]["caseNumber"] in decided} == {
        "DELIVERY"
    }
    gjj = (
        await client.execute(
            warnings_query, {"d": departments["GZ-GJJ"], "l": ["RED"]}, token=supervisor
        )
    )["openWarnings"]["edges"]
    assert sorted(
        e["node"]["clock"] for e in gjj if e["node"]["caseNumber"] == still_open["number"]
    ) == ["PROMISED", "STAGE"]
    assert {e["node"]["clock"] for e in gjj if e["node"]["caseNumber"] != still_open["number"]} == {
        "DELIVERY"
    }
    district = (await client.execute(warnings_query, {"r": "440106"}, token=supervisor))[
        "openWarnings"
    ]["edges"]
    assert {e["node"]["region"]["code"] for e in district} == {"440106"}
    elsewhere = await client.officer_token("sz.supervisor")
    assert {
        e["node"]["caseNumber"]
        for e in (await client.execute(warnings_query, {}, token=elsewhere))["openWarnings"][
            "edges"
        ]
    } == {shenzhen["number"]}

    # The last page, read backwards, ends where the whole list ends; the total counts it all.
    tail = (
        await client.execute(
            """{ openWarnings(last: 2) { totalCount edges { node { id } }
                 pageInfo { hasPreviousPage hasNextPage } } }""",
            token=supervisor,
        )
    )["openWarnings"]
    assert tail["totalCount"] == len(everything)
    assert len(tail["edges"]) == min(2, len(everything))
    assert tail["pageInfo"] == {"hasPreviousPage": len(everything) > 2, "hasNextPage": False}


async def test_figures_need_a_supervising_role(client: GraphQLClient) -> None:
    reviewer = await client.officer_token("gz.gjj.reviewer")
    response = await client.post(
        '{ supervisionFigures(regionCode: "440100", from: "2026-03-01", to: "2026-03-31") { key } }',
        token=reviewer,
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
