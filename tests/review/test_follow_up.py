"""差评整改回访 through GraphQL: a bad rating's follow-up is on the handling department's
worklist, is completed with what was done (its clock stops, its warnings close, no red one
follows), and the applicant may then rate once more, beside the first rating."""

from typing import Any

import asyncpg
import pytest
from tests.cases.factories import make_applicant, make_reviewed_case
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, at, ok

from tongban.deadlines.enforcement import sweep

ACTIONS = "query ($n: String!) { case(number: $n) { allowedActions } }"
COMPLETE = f"""mutation ($n: String!, $v: Int!, $a: String!) {{
  completeFollowUp(number: $n, expectedVersion: $v, actions: $a) {{ {PAYLOAD} }} }}"""
RERATE = f"""mutation ($n: String!, $v: Int!, $r: Int!, $c: String!) {{
  rerateCase(number: $n, expectedVersion: $v, rating: $r, comment: $c) {{ {PAYLOAD} }} }}"""
RATINGS = """query ($n: String!) { case(number: $n) {
  rating ratingComment rerating reratingComment reratedAt
  tasks { kind state comment stageName department { code } deadline { kind state dueOn } }
  history { action reason } } }"""
WORKLIST = """{ worklist(first: 50) { edges { node { kind state stageName case { number } } } } }"""
RECTIFIED = "已约谈窗口人员并整改服务流程"


async def allowed(client: GraphQLClient, number: str, token: str) -> list[str]:
    data = await client.execute(ACTIONS, {"n": number}, token=token)
    found: list[str] = data["case"]["allowedActions"]
    return found


async def complete_follow_up(
    client: GraphQLClient, token: str, case: dict[str, Any], actions: str
) -> dict[str, Any]:
    data = await client.execute(
        COMPLETE, {"n": case["number"], "v": case["version"], "a": actions}, token=token
    )
    result: dict[str, Any] = data["completeFollowUp"]
    return result


async def rerate(
    client: GraphQLClient, token: str, case: dict[str, Any], rating: int, comment: str = ""
) -> dict[str, Any]:
    data = await client.execute(
        RERATE, {"n": case["number"], "v": case["version"], "r": rating, "c": comment}, token=token
    )
    result: dict[str, Any] = data["rerateCase"]
    return result


def problem(result: dict[str, Any]) -> tuple[str, str]:
    assert result["case"] is None, result
    error = result["userErrors"][0]
    return error["code"], error["problem"]


async def decided_case(
    client: GraphQLClient, conn: asyncpg.Connection, rating: int, comment: str
) -> tuple[dict[str, Any], str]:
    """A business licence reviewed and denied by Tianhe (Monday 2 March), rated at once."""
    case, applicant = await make_reviewed_case(client, conn)
    head = await client.officer_token("th.scjg.head")
    case = ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "DENIED",
                "resultNumber": None,
                "reason": "名称与已登记企业重复",
            },
        )
    )
    case = ok(
        await act(
            client,
            applicant,
            "rateCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "rating": rating,
                "comment": comment,
            },
        )
    )
    return case, applicant


async def rectified_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> tuple[dict[str, Any], str]:
    """A bad rating whose follow-up Tianhe's market regulator completed on Tuesday 3 March."""
    case, applicant = await decided_case(client, conn, 5, "窗口态度差")
    client.clock.set(at("2026-03-03", "10:00"))
    reviewer = await client.officer_token("th.scjg.reviewer")
    return ok(await complete_follow_up(client, reviewer, case, RECTIFIED)), applicant


async def test_a_bad_ratings_follow_up_is_completed_and_its_clock_stops(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    case, applicant = await decided_case(client, conn, 5, "窗口态度差")
    number = case["number"]
    reviewer = await client.officer_token("th.scjg.reviewer")
    swj = await client.officer_token("th.swj.reviewer")

    # On the handling department's worklist, and only it offers the completion.
    worklist = (await client.execute(WORKLIST, token=reviewer))["worklist"]["edges"]
    assert [
        (e["node"]["kind"], e["node"]["state"], e["node"]["stageName"])
        for e in worklist
        if e["node"]["case"]["number"] == number
    ] == [("FOLLOW_UP", "OPEN", "差评整改回访")]
    assert "COMPLETE_FOLLOW_UP" in await allowed(client, number, reviewer)
    assert "COMPLETE_FOLLOW_UP" not in await allowed(client, number, swj)
    assert "RERATE" not in await allowed(client, number, applicant)

    # Five working days from Monday 2 March: due Monday 9 March, yellow on Friday 6 March.
    await sweep(pool, now=at("2026-03-06"), settings=client.settings)
    assert await conn.fetch("SELECT level FROM deadline_warning WHERE resolved_at IS NULL") == [
        ("yellow",)
    ]

    # Not before it is done, nobody else, and never without saying what was done.
    assert problem(await rerate(client, applicant, case, 2)) == (
        "CONFLICT",
        "FOLLOW_UP_NOT_COMPLETED",
    )
    assert problem(await complete_follow_up(client, swj, case, RECTIFIED)) == (
        "FORBIDDEN",
        "ACTION_NOT_PERMITTED",
    )
    assert problem(await complete_follow_up(client, applicant, case, RECTIFIED))[1] == (
        "ACTION_NOT_PERMITTED"
    )
    assert problem(await complete_follow_up(client, reviewer, case, "  ")) == (
        "VALIDATION",
        "FOLLOW_UP_ACTIONS_REQUIRED",
    )

    client.clock.set(at("2026-03-06", "10:00"))
    case = ok(await complete_follow_up(client, reviewer, case, RECTIFIED))
    assert [t["state"] for t in case["tasks"] if t["kind"] == "FOLLOW_UP"] == ["COMPLETED"]
    assert (
        await conn.fetchval("SELECT count(*) FROM deadline_warning WHERE resolved_at IS NULL") == 0
    ), "the yellow warning closed with the follow-up"
    # Long past the limit, no red warning: the clock stopped.
    await sweep(pool, now=at("2026-04-01"), settings=client.settings)
    assert await conn.fetch("SELECT level FROM deadline_warning") == [("yellow",)]

    data = (await client.execute(RATINGS, {"n": number}, token=reviewer))["case"]
    task = next(t for t in data["tasks"] if t["kind"] == "FOLLOW_UP")
    assert task["deadline"] == {"kind": "FOLLOW_UP", "state": "STOPPED", "dueOn": "2026-03-09"}
    assert (task["state"], task["comment"], task["department"]["code"]) == (
        "COMPLETED",
        RECTIFIED,
        "TH-SCJG",
    )
    assert data["history"][-1] == {"action": "FOLLOW_UP_COMPLETED", "reason": RECTIFIED}
    worklist = (await client.execute(WORKLIST, token=reviewer))["worklist"]["edges"]
    assert [e for e in worklist if e["node"]["case"]["number"] == number] == []

    # Done once: nothing more to complete, and no button for it.
    assert problem(await complete_follow_up(client, reviewer, case, RECTIFIED)) == (
        "CONFLICT",
        "NO_OPEN_FOLLOW_UP",
    )
    assert "COMPLETE_FOLLOW_UP" not in await allowed(client, number, reviewer)


async def test_the_applicant_rates_again_once_after_the_follow_up(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await rectified_case(client, conn)
    number = case["number"]
    assert "RERATE" in await allowed(client, number, applicant)
    head = await client.officer_token("th.scjg.head")
    assert "RERATE" not in await allowed(client, number, head)

    assert problem(await rerate(client, head, case, 2)) == ("FORBIDDEN", "ACTION_NOT_PERMITTED")
    stranger = client.applicant_token(
        await make_applicant(conn, name="李四", id_number="44010619900307001X")
    )
    assert problem(await rerate(client, stranger, case, 2))[0] == "NOT_FOUND"
    assert problem(await rerate(client, applicant, case, 6)) == (
        "VALIDATION",
        "RATING_OUT_OF_RANGE",
    )

    case = ok(await rerate(client, applicant, case, 2, "整改后满意"))
    assert case["rating"] == 5, "the first rating stays"
    assert problem(await rerate(client, applicant, case, 1)) == ("CONFLICT", "ALREADY_RERATED")
    assert "RERATE" not in await allowed(client, number, applicant)

    data = (await client.execute(RATINGS, {"n": number}, token=applicant))["case"]
    assert (data["rating"], data["ratingComment"]) == (5, "窗口态度差")
    assert (data["rerating"], data["reratingComment"]) == (2, "整改后满意")
    assert data["reratedAt"].startswith("2026-03-03T02:00:00")
    assert [h["action"] for h in data["history"][-3:]] == [
        "RATED",
        "FOLLOW_UP_COMPLETED",
        "RERATED",
    ]


async def test_a_good_rating_has_no_follow_up_to_complete_nor_a_second_rating(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await decided_case(client, conn, 1, "很满意")
    reviewer = await client.officer_token("th.scjg.reviewer")
    assert "COMPLETE_FOLLOW_UP" not in await allowed(client, case["number"], reviewer)
    assert "RERATE" not in await allowed(client, case["number"], applicant)
    assert problem(await complete_follow_up(client, reviewer, case, RECTIFIED))[1] == (
        "ACTION_NOT_PERMITTED"
    )
    assert problem(await rerate(client, applicant, case, 1)) == (
        "CONFLICT",
        "FOLLOW_UP_NOT_COMPLETED",
    )


@pytest.fixture
async def pool(client: GraphQLClient) -> Any:
    from tongban import db

    p = await db.create_pool(client.settings)
    yield p
    await p.close()
