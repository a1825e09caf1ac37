"""Notices say what the law requires (issue 15): a refusal (不予受理) names the competent agency
(Art. 32 (2)); "needs no licence" (Art. 32 (1)) has its own wording; a decision is named for the
matter's kind of power — 准予给付 for a housing-fund withdrawal, not 准予许可. Each text is read
where it arrives: at the SMS provider stub and the SMTP server."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import accepted_withdrawal, make_case
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import act, complete, ok

from tongban.devtools.sms_stub import SmsStub

MATTER = "企业设立登记（营业执照）"
WITHDRAWAL = "住房公积金提取（购房）"


async def _intake(
    client: GraphQLClient, case: dict[str, Any], mutation: str, **more: str
) -> dict[str, Any]:
    window = await client.officer_token("th.shipai.window")
    variables = {"number": case["number"], "expectedVersion": case["version"], **more}
    return ok(await act(client, window, mutation, "", variables))


async def test_a_refusal_names_the_competent_agency(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await make_case(client, conn)
    await _intake(
        client,
        case,
        "refuseCase",
        reason="外商投资企业设立登记由省级市场监管部门办理",
        competentAgency="广东省市场监督管理局",
    )
    await pipeline.flush()
    number = case["number"]
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的申请{number}（{MATTER}）不属于本机关职权范围，不予受理，请向广东省市场监督管理局"
        "申请。理由：外商投资企业设立登记由省级市场监管部门办理。"
    )
    email = mailbox.messages[-1]
    assert str(email["Subject"]) == f"不予受理：{MATTER}（{number}）"
    text = mailbox.text(email)
    assert "决定不予受理。请向广东省市场监督管理局提出申请。" in text
    assert "理由：外商投资企业设立登记由省级市场监管部门办理" in text


async def test_needing_no_licence_is_not_worded_as_a_refusal(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await make_case(client, conn)
    await _intake(client, case, "declareNotApplicable", reason="个体工商户无需办理公司设立登记")
    await pipeline.flush()
    number = case["number"]
    sms = sms_stub.messages[-1]["params"]["content"]
    assert sms == (
        f"您申请的{MATTER}（{number}）依法不需要取得行政许可，本申请不予办理。"
        "说明：个体工商户无需办理公司设立登记。"
    )
    assert "不予受理" not in sms and "职权范围" not in sms
    email = mailbox.messages[-1]
    assert str(email["Subject"]) == f"不需要取得行政许可：{MATTER}（{number}）"
    assert "不予受理" not in mailbox.text(email)


async def _decide(
    client: GraphQLClient, conn: asyncpg.Connection, decision: str, reason: str | None
) -> str:
    case = await accepted_withdrawal(client, conn)
    case = await complete(client, "gz.gjj.reviewer", case, "GZ-GJJ", "AGREE")
    head = await client.officer_token("gz.gjj.head")
    variables = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "decision": decision,
        "resultNumber": "GJJ-2026-1" if decision == "APPROVED" else None,
        "reason": reason,
    }
    ok(await act(client, head, "decideCase", "", variables))
    number: str = case["number"]
    return number


async def test_a_benefit_payment_is_approved_as_a_payment(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    number = await _decide(client, conn, "APPROVED", None)
    await pipeline.flush()
    sms = sms_stub.messages[-1]["params"]["content"]
    assert sms.startswith(f"您的办件{number}（{WITHDRAWAL}）已作出准予给付决定，文书编号GJJ-2026-1")
    assert "准予给付决定，证照或文书编号GJJ-2026-1" in mailbox.text(mailbox.messages[-1])


async def test_a_benefit_payment_is_denied_as_a_payment(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    number = await _decide(client, conn, "DENIED", "购房合同备案信息与申请不符")
    await pipeline.flush()
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{WITHDRAWAL}）已作出不予给付决定，理由：购房合同备案信息与申请不符。"
        "如不服，可依法申请行政复议或提起行政诉讼。"
    )
    assert "作出不予给付决定" in mailbox.text(mailbox.messages[-1])
