"""The applicant is told when the case moves (上报 / 转办): by SMS at the provider stub and by
e-mail, naming the department that handles it now."""

from __future__ import annotations

import asyncpg
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import act, department_id, ok

from tongban.devtools.sms_stub import SmsStub


async def test_a_transfer_tells_the_applicant_which_department_handles_the_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    await pipeline.flush()
    sent_before = len(sms_stub.messages)
    ok(
        await act(
            client,
            await client.officer_token("th.scjg.head"),
            "transferCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "departmentId": await department_id(conn, "YX-SCJG"),
                "reason": "住所位于越秀区",
            },
        )
    )
    await pipeline.flush()
    number, matter = case["number"], "企业设立登记（营业执照）"
    assert [m["params"]["content"] for m in sms_stub.messages[sent_before:]] == [
        f"您的办件{number}（{matter}）已移送越秀区市场监督管理局办理，办件编号和办理期限不变。"
    ]
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"移送办理：{matter}（{number}）"
    text = mailbox.text(notice)
    assert "已移送越秀区市场监督管理局办理。办件编号不变，办理期限继续计算" in text
    assert "原因：住所位于越秀区" in text
