"""Retries and races: one case per idempotency key, one winner per contested action."""

import asyncio

import asyncpg
from tests.cases.factories import make_applicant, make_case, make_reviewed_case, submit
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act


async def test_ten_concurrent_submissions_with_one_key_create_one_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    results = await asyncio.gather(
        *(submit(client, applicant, key="double-click-42") for _ in range(10))
    )
    numbers = {r["case"]["number"] for r in results}
    assert len(numbers) == 1
    assert sorted(r["created"] for r in results) == [False] * 9 + [True]
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 1
    assert await conn.fetchval("SELECT count(*) FROM case_event") == 1
    assert await conn.fetchval("SELECT count(*) FROM case_material") == 4


async def test_the_same_key_with_other_content_is_a_typed_error(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    first = await submit(client, applicant, key="key-for-one-thing")
    other = await submit(
        client, applicant, key="key-for-one-thing", form={"companyName": "另一家公司"}
    )
    assert other["case"] is None
    error = other["userErrors"][0]
    assert (error["code"], error["problem"], error["field"]) == (
        "CONFLICT",
        "IDEMPOTENCY_KEY_REUSED",
        "input.idempotencyKey",
    )
    assert error["details"] == {"caseNumber": first["case"]["number"]}
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 1


async def test_two_officers_completing_one_task_at_once_one_gets_conflict(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    await conn.execute(
        """INSERT INTO officer (username, name, department_id, roles, clearance)
           SELECT 'th.scjg.reviewer2', '第二审查员', department_id, roles, clearance
           FROM officer WHERE username = 'th.scjg.reviewer'"""
    )
    task = next(t for t in case["tasks"] if t["department"]["code"] == "TH-SCJG")
    tokens = [await client.officer_token(u) for u in ("th.scjg.reviewer", "th.scjg.reviewer2")]
    results = await asyncio.gather(
        *(
            act(
                client,
                token,
                "completeTask",
                "",
                {
                    "number": case["number"],
                    "expectedVersion": case["version"],
                    "taskId": task["id"],
                    "opinion": "AGREE",
                    "comment": "",
                },
            )
            for token in tokens
        )
    )
    outcomes = sorted("ok" if not r["userErrors"] else r["userErrors"][0]["code"] for r in results)
    assert outcomes == ["CONFLICT", "ok"]
    loser = next(r for r in results if r["userErrors"])["userErrors"][0]
    assert loser["details"]["currentVersion"] == case["version"] + 1
    opinions = await conn.fetchval("SELECT count(*) FROM case_event WHERE action = 'opinion_given'")
    assert opinions == 1


async def test_two_heads_deciding_one_case_at_once_one_gets_conflict(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_reviewed_case(client, conn)
    await conn.execute(
        """INSERT INTO officer (username, name, department_id, roles, clearance)
           SELECT 'th.scjg.deputy', '副局长', department_id, roles, clearance
           FROM officer WHERE username = 'th.scjg.head'"""
    )
    heads = [await client.officer_token(u) for u in ("th.scjg.head", "th.scjg.deputy")]
    decisions = [("APPROVED", "营执-001", None), ("DENIED", None, "材料不实")]
    results = await asyncio.gather(
        *(
            act(
                client,
                token,
                "decideCase",
                "",
                {
                    "number": case["number"],
                    "expectedVersion": case["version"],
                    "decision": decision,
                    "resultNumber": result,
                    "reason": reason,
                },
            )
            for token, (decision, result, reason) in zip(heads, decisions, strict=True)
        )
    )
    outcomes = sorted("ok" if not r["userErrors"] else r["userErrors"][0]["code"] for r in results)
    assert outcomes == ["CONFLICT", "ok"]
    assert await conn.fetchval("SELECT count(*) FROM case_event WHERE action = 'decided'") == 1
    _ = PAYLOAD


WINDOW_APPLICANT = {
    "kind": "PERSON",
    "name": "陈小明",
    "idNumber": "440524188001015368",
    "mobile": "13800138000",
    "channels": ["SMS"],
}


async def test_a_reused_key_with_another_applicant_name_or_phone_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    first = await submit(client, window, region="440106", applicant=WINDOW_APPLICANT)
    for change in ({"name": "陈大明"}, {"mobile": "13900139000"}):
        again = await submit(client, window, region="440106", applicant=WINDOW_APPLICANT | change)
        assert again["case"] is None
        assert again["userErrors"][0]["problem"] == "IDEMPOTENCY_KEY_REUSED"
    retry = await submit(client, window, region="440106", applicant=WINDOW_APPLICANT)
    assert (retry["created"], retry["case"]["number"]) == (False, first["case"]["number"])
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 1


async def test_a_district_window_filing_for_its_township_sees_what_it_filed(
    client: GraphQLClient,
) -> None:
    window = await client.officer_token("th.window")
    filed = await submit(client, window, region="440106005", applicant=WINDOW_APPLICANT)
    assert filed["userErrors"] == []
    assert filed["created"] is True
    assert filed["case"]["receivingRegionCode"] == "440106005"
    # The filer entered the applicant's data: it sees it unmasked.
    assert filed["case"]["applicant"]["idNumber"] == WINDOW_APPLICANT["idNumber"]
