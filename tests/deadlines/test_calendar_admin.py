from datetime import datetime

import asyncpg
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.scenarios import TZ, act, ok

PUBLISH = """mutation ($y: Int!, $h: [Date!]!, $m: [Date!]!) {
  publishCalendarYear(year: $y, holidays: $h, makeupWorkdays: $m) {
    calendarYear { year source holidays makeupWorkdays } userErrors { code problem field message } } }"""
Y2027 = {
    "y": 2027,
    "h": ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10"],
    "m": ["2027-02-06"],
}


async def test_a_deadline_in_an_unpublished_year_waits_and_publishing_fixes_it(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    client.clock.set(datetime(2026, 12, 10, 10, tzinfo=TZ))
    ready = (await client.http.get("/health/ready")).json()
    assert ready["ready"] is True
    assert ready["warnings"] == ["the official working-day schedule for 2027 is not published yet"]

    token = client.applicant_token(await make_applicant(conn))
    case = ok(
        await submit(
            client,
            token,
            matter="TH-WAGE-COMPLAINT",
            region="440106",
            codes=["id", "complaint", "evidence"],
        )
    )
    intake = await client.officer_token("th.rsj.reviewer")
    case = ok(
        await act(
            client,
            intake,
            "acceptCase",
            "",
            {"number": case["number"], "expectedVersion": case["version"]},
        )
    )
    query = "query ($n: String!) { case(number: $n) { deadlines { kind dueOn colour } } }"
    deadlines = {
        d["kind"]: d
        for d in (await client.execute(query, {"n": case["number"]}, token=intake))["case"][
            "deadlines"
        ]
    }
    assert deadlines["STATUTORY"]["dueOn"] is None, "60 working days reach into 2027: never guessed"
    waiting = await conn.fetchval(
        "SELECT count(*) FROM deadline_clock WHERE next_level = 'recheck'"
    )
    assert waiting == 3  # promised (30), statutory (60) and the investigation stage (45)

    admin = await client.officer_token("admin")
    published = (await client.execute(PUBLISH, Y2027, token=admin))["publishCalendarYear"]
    assert published["userErrors"] == []
    assert published["calendarYear"]["source"] == "PUBLISHED"
    ready = (await client.http.get("/health/ready")).json()
    assert ready["warnings"] == []
    from tongban import db
    from tongban.deadlines.enforcement import sweep

    pool = await db.create_pool(client.settings)
    try:
        await sweep(pool, now=datetime(2026, 12, 10, 11, tzinfo=TZ), settings=client.settings)
    finally:
        await pool.close()
    deadlines = {
        d["kind"]: d
        for d in (await client.execute(query, {"n": case["number"]}, token=intake))["case"][
            "deadlines"
        ]
    }
    assert deadlines["STATUTORY"]["dueOn"] is not None and deadlines["STATUTORY"][
        "dueOn"
    ].startswith("2027-03")


async def test_only_administrators_publish_and_bad_schedules_are_typed(
    client: GraphQLClient,
) -> None:
    window = await client.officer_token("th.window")
    result = (await client.execute(PUBLISH, Y2027, token=window))["publishCalendarYear"]
    assert result["userErrors"][0]["code"] == "FORBIDDEN"
    admin = await client.officer_token("admin")
    bad = Y2027 | {"h": ["2026-12-31"]}
    result = (await client.execute(PUBLISH, bad, token=admin))["publishCalendarYear"]
    assert (result["userErrors"][0]["code"], result["userErrors"][0]["problem"]) == (
        "VALIDATION",
        "INVALID_SCHEDULE",
    )
    years = (await client.execute("{ calendarYears { year source } }", token=admin))[
        "calendarYears"
    ]
    assert {"year": 2026, "source": "PACKAGE"} in years
    assert all(y["year"] != 2027 for y in years)
