"""终止办理 through GraphQL: a case whose supplement period passed without every requested
material, or whose applicant did not attend the hearing, is closed by whoever holds it, with a
notice of its own (not the refusal's); before the period ends closing is refused, saying when it
may be done, and nobody else may close it."""

# The notification fixtures are imported, and tests take them as parameters by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import make_case, publish_matter
from tests.cases.supplementing import bring, request, supplements
from tests.conftest import GraphQLClient
from tests.notifications.conftest import (  # noqa: F401 (fixtures: real SMS stub and SMTP)
    Mailbox,
    Pipeline,
    mailbox,
    pipeline,
    settings,
    sms_stub,
)
from tests.scenarios import act, at, ok

from tongban.devtools.sms_stub import SmsStub

MATTER = "企业设立登记（营业执照）"
STATE = """query ($n: String!) { case(number: $n) {
  state version terminalReason allowedActions
  tasks { state } deadlines { kind state } history(last: 1) { action reason } } }"""


async def close(
    client: GraphQLClient, token: str, case: dict[str, Any], reason: str | None = None
) -> dict[str, Any]:
    return await act(
        client,
        token,
        "closeCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "reason": reason},
    )


async def state(client: GraphQLClient, token: str, number: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client.execute(STATE, {"n": number}, token=token))["case"]
    return found


def refusal(result: dict[str, Any]) -> tuple[str, str | None]:
    assert result["case"] is None, result
    error = result["userErrors"][0]
    return error["code"], error["problem"]


async def test_an_intake_supplement_not_completed_in_its_period_closes_the_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, applicant = await make_case(client, conn, codes=["application", "articles"])
    number = case["number"]
    window = await client.officer_token("th.shipai.window")
    case = await request(client, window, case, ["id", "premises"], "请补充身份证明和住所使用证明")
    client.clock.set(at("2026-03-10", "10:00"))
    case = ok(await bring(client, applicant, case, ["id"]))

    # Due Tuesday 14 April (30 working days): that whole day still belongs to the applicant.
    client.clock.set(at("2026-04-14", "17:00"))
    assert "CLOSE" not in (await state(client, window, number))["allowedActions"]
    early = await close(client, window, case)
    assert refusal(early) == ("CONFLICT", "SUPPLEMENT_PERIOD_RUNNING")
    assert "2026-04-15" in early["userErrors"][0]["message"]
    assert early["userErrors"][0]["details"] == {
        "dueOn": "2026-04-14",
        "closableFrom": "2026-04-15",
    }

    client.clock.set(at("2026-04-15", "09:00"))
    assert "CLOSE" in (await state(client, window, number))["allowedActions"]
    assert "CLOSE" not in (await state(client, applicant, number))["allowedActions"]
    assert refusal(await close(client, applicant, case)) == ("FORBIDDEN", "ACTION_NOT_PERMITTED")
    # A window of another region does not even see the case.
    other = await close(client, await client.officer_token("th.window"), case)
    assert refusal(other)[0] in ("NOT_FOUND", "FORBIDDEN")

    closed = ok(await close(client, window, case))
    assert closed["state"] == "CLOSED_NO_SUPPLEMENT"
    after = await state(client, window, number)
    assert after["allowedActions"] == []
    assert after["history"] == [{"action": "CLOSED_NO_SUPPLEMENT", "reason": None}]
    assert {d["state"] for d in after["deadlines"]} <= {"STOPPED"}
    payload = await conn.fetchval(
        "SELECT payload FROM case_event WHERE action = 'closed_no_supplement'"
    )
    assert payload["dueOn"] == "2026-04-14"
    assert payload["missing"] == [{"code": "premises", "name": "住所使用证明"}]

    await pipeline.flush()
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{MATTER}）补正期限已于2026年4月14日届满，仍缺少住所使用证明，"
        "已终止办理。如需办理，请重新申请。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"终止办理：{MATTER}（{number}）"
    text = mailbox.text(notice)
    assert "补正期限已于2026年4月14日届满，以下材料仍未补正：\n住所使用证明" in text
    assert "本申请已终止办理。如仍需办理，请备齐材料后重新提出申请。" in text
    assert "不予受理" not in text and "行政复议" not in text
    # The supplement notice said the period and its last day.
    asked = mailbox.messages[1]
    assert str(asked["Subject"]) == f"请补正材料：{MATTER}（{number}）"
    assert "补正期限为30个工作日，请于2026年4月14日前补齐" in mailbox.text(asked)


async def test_a_review_supplement_closes_after_the_matters_own_period(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    # The matter version sets its own period (补正期限): 5 working days.
    await publish_matter(client, conn, "TH-FOOD", supplementPeriodDays=5)
    case, applicant = await make_case(
        client, conn, accepted=True, matter="TH-FOOD", codes=["application", "licence"]
    )  # Monday 2 March
    number = case["number"]
    reviewer = await client.officer_token("th.scjg.reviewer")
    head = await client.officer_token("th.scjg.head")
    client.clock.set(at("2026-03-03", "10:00"))
    case = await request(client, reviewer, case, ["licence"], "营业执照复印件不清晰")
    seen = await supplements(client, applicant, number)
    assert seen["supplements"][0]["periodDays"] == 5
    assert seen["supplementDueOn"] == "2026-03-10", "5 working days after Tuesday 3 March"

    client.clock.set(at("2026-03-11", "09:00"))
    assert refusal(await close(client, reviewer, case)) == ("FORBIDDEN", "ACTION_NOT_PERMITTED")
    assert "CLOSE" in (await state(client, head, number))["allowedActions"]
    closed = ok(await close(client, head, case, "逾期未补正营业执照"))
    assert closed["state"] == "CLOSED_NO_SUPPLEMENT"
    after = await state(client, head, number)
    assert after["terminalReason"] == "逾期未补正营业执照"
    assert {t["state"] for t in after["tasks"]} <= {"COMPLETED", "CANCELLED"}
    assert {d["state"] for d in after["deadlines"]} == {"STOPPED"}
    # Nothing more happens to a closed case.
    late = await bring(client, applicant, closed, ["licence"])
    assert refusal(late)[0] == "INVALID_STATE"


async def start_procedure(
    client: GraphQLClient, token: str, case: dict[str, Any], kind: str
) -> dict[str, Any]:
    data = await client.execute(
        f"""mutation ($n: String!, $v: Int!) {{ startSpecialProcedure(number: $n,
            expectedVersion: $v, kind: {kind}, expectedDays: 10, reason: "依申请举行听证") {{
            case {{ number state version }} userErrors {{ code problem }} }} }}""",
        {"n": case["number"], "v": case["version"]},
        token=token,
    )
    return ok(data["startSpecialProcedure"])


async def test_an_applicant_absent_from_the_hearing_has_the_case_closed(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, applicant = await make_case(client, conn, accepted=True)
    number = case["number"]
    head = await client.officer_token("th.scjg.head")
    case = await start_procedure(client, head, case, "HEARING")
    assert "CLOSE" in (await state(client, head, number))["allowedActions"]
    assert "CLOSE" not in (await state(client, applicant, number))["allowedActions"]
    assert refusal(await close(client, head, case)) == ("VALIDATION", "REASON_REQUIRED")
    reviewer = await client.officer_token("th.scjg.reviewer")
    assert refusal(await close(client, reviewer, case, "未到场")) == (
        "FORBIDDEN",
        "ACTION_NOT_PERMITTED",
    )

    reason = "申请人经两次书面通知无正当理由未参加听证"
    closed = ok(await close(client, head, case, reason))
    assert closed["state"] == "CLOSED_NO_SHOW"
    after = await state(client, head, number)
    assert after["history"] == [{"action": "CLOSED_NO_SHOW", "reason": reason}]
    assert after["terminalReason"] == reason
    assert {d["state"] for d in after["deadlines"]} == {"STOPPED"}
    assert await conn.fetchval("SELECT ended_on IS NOT NULL FROM special_procedure")

    await pipeline.flush()
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您未按通知参加办件{number}（{MATTER}）的听证，该办件已终止办理。说明：{reason}。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"终止办理：{MATTER}（{number}）"
    assert f"本申请已终止办理。\n\n说明：{reason}" in mailbox.text(notice)


async def test_another_special_procedure_is_not_closed(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    head = await client.officer_token("th.scjg.head")
    case = await start_procedure(client, head, case, "EXPERT_REVIEW")
    assert "CLOSE" not in (await state(client, head, case["number"]))["allowedActions"]
    assert refusal(await close(client, head, case, "未到场")) == ("CONFLICT", "NOT_A_HEARING")


async def test_a_matters_supplement_period_is_one_to_365_working_days(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    from tests.catalogue.test_catalogue import CREATE, department_ids, spec

    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    for days in (0, 366):
        result = (
            await client.execute(
                CREATE,
                {"code": "TH-FOOD", "spec": spec(ids, supplementPeriodDays=days)},
                token=admin,
            )
        )["createMatter"]
        assert [(e["problem"], e["field"]) for e in result["userErrors"]] == [
            ("OUT_OF_RANGE", "spec.supplementPeriodDays")
        ]
    assert await conn.fetchval("SELECT count(*) FROM matter WHERE code = 'TH-FOOD'") == 0
