"""告知承诺制 notices, by SMS and e-mail: the approval on the commitment says so and when the
verification is due; a passed verification says the approval stands; a false commitment's
revocation names the commitment, what was found, the revoked decision and the credit record."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.test_commitment import FALSE, TRUE, approved_case, verify
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import at, ok

from tongban.devtools.sms_stub import SmsStub

MATTER = "药品零售企业经营许可"


def sms_to(stub: SmsStub, marker: str) -> dict[str, Any]:
    found = [m for m in stub.messages if marker in m["params"]["content"]]
    assert len(found) == 1, [m["params"]["content"] for m in stub.messages]
    return found[0]


def mail_about(box: Mailbox, subject: str) -> Any:
    found = [m for m in box.messages if str(m["Subject"]).startswith(subject)]
    assert len(found) == 1, [str(m["Subject"]) for m in box.messages]
    return found[0]


async def test_the_approval_on_a_commitment_announces_the_verification(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await approved_case(client, conn)
    number = case["number"]
    await pipeline.flush()

    sms = sms_to(sms_stub, "告知承诺")
    assert sms["phone"] == "13800138000"
    # Delivery within 10 working days (16 March); verification within 20 (30 March).
    assert sms["params"]["content"] == (
        f"您的办件{number}（{MATTER}）已依您的告知承诺当场作出准予许可决定，文书编号粤AA0201001，"
        "请于2026年3月16日前到石牌街道便民服务中心领取。"
        "我们将在20个工作日内（2026年3月30日前）核查承诺内容。"
    )
    notice = mail_about(mailbox, "告知承诺审批结果")
    assert str(notice["Subject"]) == f"告知承诺审批结果：{MATTER}（{number}）"
    assert str(notice["To"]) == "xiaoming@example.cn"
    text = mailbox.text(notice)
    assert (
        f"您申请的“{MATTER}”（办件编号{number}）实行告知承诺制，已依您的书面承诺当场作出"
        "准予许可决定，证照或文书编号粤AA0201001。"
    ) in text
    assert (
        "天河区市场监督管理局将在20个工作日内（2026年3月30日前）对您承诺的内容进行核查。"
        "承诺不实的，将依法撤销该决定，并记入信用记录。"
    ) in text


async def test_a_passed_verification_tells_the_applicant_the_approval_stands(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await approved_case(client, conn)
    reviewer = await client.officer_token("th.scjg.reviewer")
    ok(await verify(client, reviewer, "passVerification", case, TRUE))
    await pipeline.flush()

    number = case["number"]
    assert sms_to(sms_stub, "情况属实")["params"]["content"] == (
        f"您的办件{number}（{MATTER}）的告知承诺已核查，情况属实，审批决定继续有效。"
    )
    text = mailbox.text(mail_about(mailbox, "告知承诺核查通过"))
    assert f"核查情况：{TRUE}" in text


async def test_a_false_commitment_revocation_names_the_commitment_and_the_findings(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await approved_case(client, conn)
    number = case["number"]
    head = await client.officer_token("th.scjg.head")
    client.clock.set(at("2026-03-10", "15:00"))
    ok(await verify(client, head, "failVerification", case, FALSE))
    await pipeline.flush()

    assert sms_to(sms_stub, "不实")["params"]["content"] == (
        f"您的办件{number}（{MATTER}）的告知承诺经核查不实：{FALSE}。"
        "已依法撤销准予许可决定（文书编号粤AA0201001），并记入信用记录。"
    )
    notice = mail_about(mailbox, "承诺不实，撤销决定")
    assert str(notice["Subject"]) == f"承诺不实，撤销决定：{MATTER}（{number}）"
    text = mailbox.text(notice)
    assert (
        f"您于2026年3月2日就“{MATTER}”（办件编号{number}）作出告知承诺，承诺内容如下：\n"
        "本企业承诺：经营场所合法有效"
    ) in text
    assert f"经天河区市场监督管理局核查，承诺不实：{FALSE}" in text
    assert (
        "依据《中华人民共和国行政许可法》第六十九条，撤销已作出的准予许可决定"
        "（证照或文书编号粤AA0201001），该证照自即日起失效；承诺不实的情况已记入您的信用记录。"
    ) in text
    assert "如不服本决定，可依法申请行政复议或者提起行政诉讼。" in text
    kinds = await conn.fetch(
        "SELECT channel FROM notification_message WHERE kind = 'commitment_revoked'"
    )
    assert sorted(k["channel"] for k in kinds) == ["email", "sms"]
