"""Officer search (issue 17) beyond issue 11's: exact identity (credit code, mobile), the
handling department and region subtree, the deadline colour as each case shows it — and a page
of 50 costs the statements a page of 10 does, every filter at once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from tests.cases.test_case_search import NAMES, file_cases, numbers, page, walk
from tests.cases.test_query_cost import seed, statements
from tests.conftest import GraphQLClient
from tests.scenarios import START, department_id

from tongban.deadlines.service import load_calendar

COLOURS = """query ($first: Int) { cases(first: $first) {
  edges { node { number deadlines { kind state colour } } } } }"""


@pytest.fixture
async def filed(client: GraphQLClient, conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return await file_cases(client, conn)


async def test_identity_numbers_match_exactly(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    token = await client.officer_token("th.shipai.window")
    company = await conn.fetchval(
        "INSERT INTO applicant (kind, name, credit_code, mobile)"
        " VALUES ('organisation', '广州通办科技有限公司', '91440101MA5CJQ4N59', '13700000000')"
        " RETURNING id"
    )
    await conn.execute(
        "UPDATE case_record SET applicant_id = $2 WHERE id = $1", filed[5]["id"], company
    )
    for filter_, expected in (
        ({"applicantCreditCode": "91440101MA5CJQ4N59"}, [filed[5]]),
        ({"applicantCreditCode": "91440101ma5cjq4n59"}, [filed[5]]),  # letters in any case
        ({"applicantCreditCode": "91440101MA5CJQ4N5"}, []),  # a part is not the code
        ({"applicantMobile": "13700000000"}, [filed[5]]),
        ({"applicantMobile": "1370000000"}, []),
        ({"applicantMobile": "13900000004"}, [filed[4]]),
    ):
        found = await page(client, token, first=50, filter=filter_)
        assert numbers(found) == [c["number"] for c in expected], filter_


async def test_department_and_region_subtree(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    token = await client.officer_token("gz.supervisor")
    tianhe = await department_id(conn, "TH-SCJG")
    other = await department_id(conn, "TH-SWJ")
    await conn.execute(
        "UPDATE case_record SET handling_department_id = $2 WHERE id = $1", filed[0]["id"], other
    )
    everyone = {c["number"] for c in filed}
    for filter_, expected in (
        ({"departmentId": tianhe}, everyone - {filed[0]["number"]}),
        ({"departmentId": other}, {filed[0]["number"]}),
        ({"departmentId": "not-an-id"}, set()),
        ({"regionCode": "440106"}, everyone),  # Tianhe, handling its own cases
        ({"regionCode": "440100"}, everyone),  # Guangzhou, above it
        ({"regionCode": "440000"}, everyone),
        ({"regionCode": "440105"}, set()),  # Haizhu, beside it
        ({"regionCode": "440106", "departmentId": other}, {filed[0]["number"]}),
    ):
        found = await page(client, token, first=50, filter=filter_)
        assert set(numbers(found)) == expected, filter_
        assert found["totalCount"] == len(expected), filter_
    body = (
        await client.post(
            'query { cases(filter: {regionCode: "4401"}) { totalCount } }', token=token
        )
    ).json()
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "VALIDATION",
        "filter.regionCode",
    )


async def test_the_colour_filter_finds_the_colour_each_case_shows(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    """The accepted cases' promised clocks (limit 3, yellow within 2 working days) started
    0…5 working days ago, one with a 10-day extension (yellow then within 5), one paused."""
    cal = await load_calendar(conn)
    today = START.date()
    accepted = [c for c in filed if c["i"] % 2 == 0]
    assert len(accepted) == 6

    def working_days_before(n: int) -> date:
        day = today
        while n:
            day -= timedelta(days=1)
            n -= cal.is_working_day(day)
        return day

    for c, (back, extension) in zip(
        accepted, [(0, 0), (1, 0), (3, 0), (5, 0), (5, 10), (1, 0)], strict=True
    ):
        start = working_days_before(back)
        await conn.execute(
            "UPDATE deadline_clock SET start_on = $2, extension_days = $3, due_on = $4"
            " WHERE case_id = $1 AND kind = 'promised'",
            c["id"],
            start,
            extension,
            cal.add_working_days(start, 3 + extension),
        )
    await conn.execute(
        "UPDATE deadline_clock SET state = 'paused', paused_since = $2"
        " WHERE case_id = $1 AND kind = 'promised'",
        accepted[5]["id"],
        today,
    )
    token = await client.officer_token("th.shipai.window")
    shown: dict[str, set[str]] = {"GREEN": set(), "YELLOW": set(), "RED": set()}
    for edge in (await client.execute(COLOURS, {"first": 50}, token=token))["cases"]["edges"]:
        for d in edge["node"]["deadlines"]:
            if d["kind"] == "PROMISED" and d["state"] == "RUNNING":
                shown[d["colour"]].add(edge["node"]["number"])
    number = [c["number"] for c in accepted]
    assert shown == {
        "GREEN": {number[0], number[4]},
        "YELLOW": {number[1], number[2]},
        "RED": {number[3]},
    }
    for colour, expected in shown.items():
        found = await page(client, token, first=50, filter={"colour": colour})
        assert set(numbers(found)) == expected, colour
        assert found["totalCount"] == len(expected), colour
    both = await page(client, token, filter={"colour": "YELLOW", "applicantName": NAMES[2]})
    assert numbers(both) == [number[1]]


SEARCHED = """query ($first: Int!) { cases(first: $first, sort: DUE_ASC,
  filter: {keyword: "营业执照", receivedOn: {from: "2020-01-01"}, states: [ACCEPTED],
           regionCode: "440100", departmentId: "%s", colour: GREEN}) {
  totalCount edges { node { number state applicant { name } matter { name }
    deadlines { kind dueOn colour } } } pageInfo { hasNextPage startCursor } } }"""


async def test_a_page_of_50_costs_the_statements_of_a_page_of_10_with_every_filter(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 51)
    token = await client.officer_token("th.shipai.window")
    query = SEARCHED % await department_id(conn, "TH-SCJG")
    small = await statements(client, token, query, 10)
    large = await statements(client, token, query, 50)
    assert (small[1], large[1]) == (10, 50)
    assert small[0] == large[0], f"10 → {small[0]} statements, 50 → {large[0]}"


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "SELECT 1 FROM deadline_clock WHERE kind = 'promised' AND state = 'running'"
            " AND due_on < DATE '2026-03-02'",
            "deadline_clock_promised_running_idx",
        ),
        (
            "SELECT 1 FROM case_record WHERE result_number ILIKE '%2026〕00%'",
            "case_record_result_number_trgm_idx",
        ),
        (
            "SELECT id FROM case_record WHERE state IN ('approved', 'approved_deferred',"
            " 'delivered') AND decision IN ('approved', 'approved_deferred')"
            " AND confidentiality = 0 ORDER BY decided_at DESC, id DESC LIMIT 21",
            "case_record_public_result_idx",
        ),
        (
            "SELECT 1 FROM case_record WHERE handling_lineage @> ARRAY['440100']",
            "case_record_handling_lineage_idx",
        ),
    ],
)
async def test_the_search_predicates_can_use_their_indexes(
    conn: asyncpg.Connection, query: str, index: str
) -> None:
    # The test database is tiny, so the planner would scan anyway: forbid that to see whether
    # an index serves the predicate at all (bench/ measures plans at a realistic size).
    await conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {query}"))
    await conn.execute("RESET enable_seqscan")
    assert index in plan, plan


async def test_most_recently_decided_first_pages_stably(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    # Ties: pairs decided at one instant; the odd-numbered cases undecided (last, by id).
    undecided = datetime(1900, 1, 1, tzinfo=UTC)
    for c in filed:
        c["decided"] = undecided
        if c["i"] % 2 == 0:
            c["decided"] = datetime(2026, 3, 10, tzinfo=UTC) + timedelta(hours=c["i"] // 4)
            await conn.execute(
                "UPDATE case_record SET decided_at = $2 WHERE id = $1", c["id"], c["decided"]
            )
    token = await client.officer_token("gz.supervisor")
    ordered = sorted(filed, key=lambda c: (c["decided"], c["id"]), reverse=True)
    assert await walk(client, token, 3, sort="DECIDED_DESC") == [c["number"] for c in ordered]


async def test_the_csv_export_takes_the_same_filters(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    token = {"authorization": f"Bearer {await client.officer_token('th.shipai.window')}"}
    tianhe = await department_id(conn, "TH-SCJG")
    for params, expected in (
        ({"regionCode": "440106", "departmentId": tianhe}, len(NAMES)),
        ({"regionCode": "440105"}, 0),
        ({"departmentId": await department_id(conn, "TH-SWJ")}, 0),
    ):
        answer = await client.http.get("/cases/export.csv", params=params, headers=token)
        assert answer.status_code == 200, answer.text
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert len(rows) == expected, params
    refused = await client.http.get(
        "/cases/export.csv", params={"regionCode": "4401"}, headers=token
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["field"] == "filter.regionCode"


async def test_at_the_end_of_the_known_years_the_colour_is_never_guessed(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    """On 2026-12-29 (2027's schedule unpublished): a clock due on 12-30 is yellow although its
    threshold's date lies in 2027; one due in 2027 has no colour, on screen or in the filter."""
    cal = await load_calendar(conn)
    client.clock.set(datetime(2026, 12, 29, 10, 0, tzinfo=START.tzinfo))
    soon, later = filed[0], filed[2]
    for c, start in ((soon, date(2026, 12, 2)), (later, date(2026, 12, 28))):
        await conn.execute(
            "UPDATE deadline_clock SET start_on = $2, limit_days = 20, due_on = $3"
            " WHERE case_id = $1 AND kind = 'promised'",
            c["id"],
            start,
            cal.add_working_days(start, 20) if start.day == 2 else date(2027, 1, 26),
        )
    token = await client.officer_token("th.shipai.window")
    shown = {
        e["node"]["number"]: [
            d["colour"] for d in e["node"]["deadlines"] if d["kind"] == "PROMISED"
        ]
        for e in (await client.execute(COLOURS, {"first": 50}, token=token))["cases"]["edges"]
    }
    assert (shown[soon["number"]], shown[later["number"]]) == (["YELLOW"], [None])
    for colour, expected in (("YELLOW", [soon["number"]]), ("GREEN", []), ("RED", [])):
        found = await page(client, token, first=50, filter={"colour": colour})
        assert [n for n in numbers(found) if n in (soon["number"], later["number"])] == expected
