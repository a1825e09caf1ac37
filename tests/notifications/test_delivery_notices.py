"""The applicant hears how their result was delivered (送达): who collected it at the window,
the carrier and tracking number of a posted one, and for an electronic delivery a link that
downloads the decision document — by SMS and e-mail, through the real outbound servers."""

from __future__ import annotations

import re

import asyncpg
import msgspec
import pytest
from tests.cases.test_delivery_records import DOCUMENT, decided_case, deliver
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import at, ok

from tongban.config import Settings
from tongban.devtools.sms_stub import SmsStub

MATTER = "企业设立登记（营业执照）"
LINK = re.compile(r"http://tongban\.test/files/decisions/\S+")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The test client's own address: the link in the notice is fetched through it.
    return msgspec.structs.replace(settings, public_base_url="http://tongban.test")


async def delivered(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    delivery: dict[str, object],
) -> str:
    case, _ = await decided_case(client, conn)
    await pipeline.flush()  # the decision's own notice
    client.clock.set(at("2026-03-05", "15:00"))
    ok(await deliver(client, case, delivery, username="th.shipai.window"))
    await pipeline.flush()
    number: str = case["number"]
    return number


async def test_a_window_pick_up_notice_says_who_collected_it(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    number = await delivered(
        client,
        conn,
        pipeline,
        {"method": "WINDOW", "recipientName": "王五", "recipientIsAgent": True},
    )
    assert sms_stub.messages[-1]["phone"] == "13800138000"
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{MATTER}）的办理结果已于2026年3月5日由代理人王五在窗口领取。"
        "欢迎对本次服务作出评价。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"已送达：{MATTER}（{number}）"
    assert "（证照或文书编号R-2026-1）已于2026年3月5日由代理人王五在窗口领取，依法送达。" in (
        mailbox.text(notice)
    )
    kinds = await conn.fetch(
        "SELECT channel FROM notification_message WHERE kind = 'delivered_window'"
    )
    assert sorted(k["channel"] for k in kinds) == ["email", "sms"]


async def test_a_postal_delivery_notice_names_the_carrier_and_tracking_number(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    number = await delivered(
        client,
        conn,
        pipeline,
        {
            "method": "POST",
            "carrier": "中国邮政EMS",
            "trackingNumber": "EA123456789CN",
            "recipientName": "陈小明",
            "deliveredAt": "2026-03-04T11:00:00+08:00",
        },
    )
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{MATTER}）的办理结果已通过中国邮政EMS邮寄送达，"
        "邮件单号EA123456789CN，签收人陈小明本人。欢迎对本次服务作出评价。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"已邮寄送达：{MATTER}（{number}）"
    assert (
        "已通过中国邮政EMS邮寄，于2026年3月4日由陈小明本人签收，依法送达。"
        "邮件单号：EA123456789CN。" in mailbox.text(notice)
    )


async def test_an_electronic_delivery_sends_a_link_that_downloads_the_decision_document(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    number = await delivered(client, conn, pipeline, {"method": "ELECTRONIC"})
    sms = sms_stub.messages[-1]["params"]["content"]
    assert sms.startswith(
        f"您的办件{number}（{MATTER}）的决定书已电子送达，请在30日内下载：http://tongban.test/"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"电子送达决定书：{MATTER}（{number}）"
    text = mailbox.text(notice)
    assert "的决定书（证照或文书编号R-2026-1）已于2026年3月5日电子送达。请在30日内" in text
    for link in (LINK.search(sms), LINK.search(text)):
        assert link is not None
        # The applicant follows the link from their phone or mailbox: no token, just the link.
        answer = await client.http.get(link.group(0))
        assert answer.status_code == 200
        assert answer.content == DOCUMENT
        assert answer.headers["content-type"].startswith("application/pdf")
    # The link is the applicant's permission: it is not kept in the case history.
    payloads = await conn.fetch("SELECT payload::text FROM case_event WHERE action = 'delivered'")
    assert all("signature" not in p["payload"] for p in payloads)
