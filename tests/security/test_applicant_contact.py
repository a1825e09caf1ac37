"""A window filing cannot take over a citizen's notices; only the citizen changes their contact.

Naming an existing person's ID number at a window used to overwrite their name, mobile and
e-mail, so every later SMS about their cases went to whoever filed (issue 13).
"""

from typing import Any

import asyncpg
from tests.cases.factories import submit
from tests.conftest import GraphQLClient

from tongban.notifications import planner

PERSON = {
    "kind": "PERSON",
    "name": "陈小明",
    "idNumber": "440524188001015368",
    "mobile": "13800138000",
    "email": "xiaoming@example.cn",
    "channels": ["SMS", "EMAIL"],
}
IMPOSTOR = PERSON | {"name": "冒名者", "mobile": "13900139000", "email": "other@example.cn"}

UPDATE = """mutation ($input: ContactInput!) { updateMyContact(input: $input) {
  applicant { name mobile email channels } userErrors { code problem field message } } }"""


async def plan_messages(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    """Turn every event so far into messages, as the notification worker does."""
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM outbox ORDER BY id")]
    async with conn.transaction():
        await planner.plan(conn, ids, settings=client.settings, now=client.clock.now())


async def addresses(conn: asyncpg.Connection, number: str) -> set[tuple[str, str]]:
    rows = await conn.fetch(
        """SELECT m.channel, m.address FROM notification_message m
           JOIN case_record c ON c.id = m.case_id WHERE c.number = $1""",
        number,
    )
    return {(r["channel"], r["address"]) for r in rows}


async def person(conn: asyncpg.Connection) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT name, mobile, email, channels FROM applicant WHERE id_number = $1",
        PERSON["idNumber"],
    )
    assert row is not None
    return dict(row)


async def test_a_second_filing_with_someones_id_number_leaves_their_record_and_notices(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    first = await submit(client, window, key="filing-first-0001", applicant=PERSON)
    assert first["userErrors"] == [] and first["created"]
    before = await person(conn)
    assert before["mobile"] == "13800138000"

    other_window = await client.officer_token("th.shipai.window")
    second = await submit(client, other_window, key="filing-second-001", applicant=IMPOSTOR)
    assert second["userErrors"] == [] and second["created"]

    # The person's record is as the first filing created it; the statement sits on the case.
    assert await person(conn) == before
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM applicant WHERE id_number = $1", PERSON["idNumber"]
        )
        == 1
    )
    stated = await conn.fetchrow(
        "SELECT stated_name, stated_mobile FROM case_record WHERE number = $1",
        second["case"]["number"],
    )
    assert tuple(stated) == ("冒名者", "13900139000")

    shown = await client.execute(
        """query ($n: String!) { case(number: $n) {
             applicant { name mobile } statedContact { name mobile channels } } }""",
        {"n": second["case"]["number"]},
        token=window,
    )
    assert shown["case"] == {
        "applicant": {"name": "陈小明", "mobile": "13800138000"},
        "statedContact": {"name": "冒名者", "mobile": "13900139000", "channels": ["SMS", "EMAIL"]},
    }

    await plan_messages(client, conn)
    assert await addresses(conn, first["case"]["number"]) == {
        ("sms", "13800138000"),
        ("email", "xiaoming@example.cn"),
    }
    # Notices of the second case go where that filing said, and nowhere else.
    assert await addresses(conn, second["case"]["number"]) == {
        ("sms", "13900139000"),
        ("email", "other@example.cn"),
    }


async def test_a_new_person_is_created_from_a_window_filing(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    result = await submit(client, window, key="filing-new-00001", applicant=PERSON)
    assert result["userErrors"] == []
    assert (await person(conn))["name"] == "陈小明"


async def test_only_the_applicant_changes_their_contact_and_the_change_is_audited(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    await submit(client, window, key="filing-audit-0001", applicant=PERSON)
    applicant_id = await conn.fetchval(
        "SELECT id::text FROM applicant WHERE id_number = $1", PERSON["idNumber"]
    )
    new = {"mobile": "13700137000", "email": None, "channels": ["SMS"]}

    refused = await client.execute(UPDATE, {"input": new}, token=window)
    assert refused["updateMyContact"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await person(conn))["mobile"] == "13800138000"

    own = client.applicant_token(applicant_id, name="陈小明")
    done = (await client.execute(UPDATE, {"input": new}, token=own))["updateMyContact"]
    assert done["userErrors"] == []
    assert done["applicant"] == {
        "name": "陈小明",
        "mobile": "13700137000",
        "email": None,
        "channels": ["SMS"],
    }
    audit = await conn.fetchrow(
        "SELECT changed_by, before, after FROM applicant_contact_change WHERE applicant_id = $1",
        applicant_id,
    )
    assert audit["changed_by"] == f"applicant:{applicant_id}"
    assert audit["before"]["mobile"] == "13800138000" and audit["after"]["mobile"] == "13700137000"

    bad = await client.execute(
        UPDATE, {"input": {"mobile": "12345", "channels": ["SMS", "EMAIL"]}}, token=own
    )
    problems = {(e["field"], e["problem"]) for e in bad["updateMyContact"]["userErrors"]}
    assert problems == {("input.mobile", "INVALID"), ("input.email", "REQUIRED")}


async def test_names_reasons_and_form_data_are_bounded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    long_name = await submit(
        client, window, key="filing-long-00001", applicant=PERSON | {"name": "名" * 101}
    )
    assert {(e["field"], e["problem"]) for e in long_name["userErrors"]} == {
        ("input.applicant.name", "TOO_LONG")
    }
    big_form = await submit(
        client, window, key="filing-form-00001", applicant=PERSON, form={"x": "字" * 30000}
    )
    assert [(e["field"], e["problem"]) for e in big_form["userErrors"]] == [
        ("input.formData", "TOO_LARGE")
    ]
    case = await submit(client, window, key="filing-reason-001", applicant=PERSON)
    refuse = """mutation ($n: String!, $v: Int!, $r: String) {
      declareNotApplicable(number: $n, expectedVersion: $v, reason: $r) {
        userErrors { code problem field } } }"""
    answer = await client.execute(
        refuse,
        {"n": case["case"]["number"], "v": case["case"]["version"], "r": "因" * 2001},
        token=window,
    )
    assert answer["declareNotApplicable"]["userErrors"] == [
        {"code": "VALIDATION", "problem": "TOO_LONG", "field": "reason"}
    ]
    assert await conn.fetchval("SELECT count(*) FROM applicant") >= 1
