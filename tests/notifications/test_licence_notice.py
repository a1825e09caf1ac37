"""The applicant hears that their electronic licence was issued, by SMS and e-mail, with its
number and validity and that later applications may use it instead of a copy."""

from __future__ import annotations

import asyncpg
from tests.conftest import GraphQLClient
from tests.licences.test_e_licences import approved_business_licence
from tests.notifications.conftest import Mailbox, Pipeline

from tongban.devtools.sms_stub import SmsStub


async def test_an_issued_licence_is_announced_with_its_number(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await approved_business_licence(client, conn)
    await pipeline.flush()
    number, licence = case["number"], f"YYZZ-{case['number']}"
    matter = "企业设立登记（营业执照）"

    # Sent with the approval's own notice, in either order.
    texts = [m["params"]["content"] for m in sms_stub.messages]
    assert [t for t in texts if "已签发" in t] == [
        f"您的办件{number}（{matter}）已签发电子营业执照，证照编号{licence}，有效期限"
        "2026年3月2日至长期。可在通办平台“我的证照”查看、下载，今后办事可直接引用，免于提交。"
    ]
    notice = next(m for m in mailbox.messages if str(m["Subject"]).startswith("电子证照已签发"))
    assert str(notice["Subject"]) == f"电子证照已签发：营业执照（{licence}）"
    assert str(notice["To"]) == "xiaoming@example.cn"
    text = mailbox.text(notice)
    assert f"已由天河区市场监督管理局签发电子营业执照。\n\n证照编号：{licence}\n" in text
    assert "有效期限：2026年3月2日至长期" in text
    kinds = await conn.fetch(
        "SELECT kind, channel FROM notification_message WHERE kind = 'licence_issued'"
    )
    assert sorted((k["kind"], k["channel"]) for k in kinds) == [
        ("licence_issued", "email"),
        ("licence_issued", "sms"),
    ]
