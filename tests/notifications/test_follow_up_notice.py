"""The applicant hears that a bad rating was rectified and that they may rate again, by SMS and
e-mail, with what the department did."""

from __future__ import annotations

import asyncpg
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.review.test_follow_up import RECTIFIED, rectified_case

from tongban.devtools.sms_stub import SmsStub


async def test_a_completed_follow_up_tells_the_applicant_they_may_rate_again(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await rectified_case(client, conn)
    number = case["number"]
    await pipeline.flush()

    matter = "企业设立登记（营业执照）"
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您对办件{number}（{matter}）反映的问题已整改：{RECTIFIED}。欢迎再次评价。"
    )
    assert sms_stub.messages[-1]["phone"] == "13800138000"
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"差评整改完成：{matter}（{number}）"
    assert str(notice["To"]) == "xiaoming@example.cn"
    text = mailbox.text(notice)
    assert f"的服务评价已由天河区市场监督管理局整改回访。\n\n整改情况：{RECTIFIED}" in text
    assert "欢迎在通办平台对整改后的服务再次评价，原评价将一并保留。" in text
    kinds = await conn.fetch(
        "SELECT kind, channel FROM notification_message WHERE kind = 'follow_up_completed'"
    )
    assert sorted((k["kind"], k["channel"]) for k in kinds) == [
        ("follow_up_completed", "email"),
        ("follow_up_completed", "sms"),
    ]
