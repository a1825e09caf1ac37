"""容缺受理 notices (issue #15), read where they arrive (the SMS provider stub and the SMTP
server): the acceptance says what is owed and by when; the applicant hears each arrival; the
approval with deferred materials repeats what is still owed; supervision warns officers on the
owed clock; the revocation gives its reason."""

from __future__ import annotations

import asyncpg
from tests.cases.test_deferred_materials import decide, deferred_case, reviewed_case, supply
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import act, at, ok

from tongban.deadlines.enforcement import sweep
from tongban.devtools.sms_stub import SmsStub

MATTER = "企业设立登记（营业执照）"


def applicant_sms(sms_stub: SmsStub) -> list[str]:
    return [m["params"]["content"] for m in sms_stub.messages if m["phone"] == "13800138000"]


async def test_the_deferred_acceptance_notice_lists_what_is_owed_and_by_when(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await deferred_case(client, conn)
    await pipeline.flush()
    number = case["number"]
    assert applicant_sms(sms_stub)[-1] == (
        f"您的办件{number}（{MATTER}）已于2026年3月2日容缺受理，请按承诺于2026年3月9日前补交："
        "住所使用证明。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"容缺受理：{MATTER}（{number}）"
    assert str(notice["To"]) == "xiaoming@example.cn"
    text = mailbox.text(notice)
    assert "已于2026年3月2日容缺受理，由天河区市场监督管理局承办，承诺于2026年3月5日前办结" in text
    assert "请按您签署的承诺书，于2026年3月9日前补交以下材料：\n住所使用证明" in text
    assert "逾期未补交的，已作出的决定可依法撤销。" in text


async def test_the_applicant_hears_that_the_owed_material_arrived(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, applicant = await deferred_case(client, conn)
    ok(await supply(client, applicant, case, ["premises"]))
    await pipeline.flush()
    number = case["number"]
    assert applicant_sms(sms_stub)[-1] == (
        f"您的办件{number}（{MATTER}）已收到补交材料：住所使用证明；仍须补交：无。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"已收到补交材料：{MATTER}（{number}）"
    assert "已收到补交的容缺材料：住所使用证明。\n\n仍须补交：无" in mailbox.text(notice)


async def test_late_owed_materials_warn_officers_and_the_revocation_gives_its_reason(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, _ = await reviewed_case(client, conn)
    decided = ok(await decide(client, case, "APPROVED_DEFERRED", "住所使用证明容缺，承诺补交"))
    await pipeline.flush()
    number = case["number"]

    # The approval repeats what is still owed and by when (the licence's notice goes with it).
    assert [t for t in applicant_sms(sms_stub)[-2:] if "已签发" not in t] == [
        f"您的办件{number}（{MATTER}）已作出容缺准予许可决定，文书编号91440106MA5CJQ4N59，"
        "请于2026年3月16日前到石牌街道便民服务中心领取，并于2026年3月9日前补交：住所使用证明。"
    ]
    text = next(
        mailbox.text(m) for m in mailbox.messages[-2:] if "电子证照" not in str(m["Subject"])
    )
    assert "已作出容缺准予许可决定，证照或文书编号91440106MA5CJQ4N59。" in text
    assert (
        "请按承诺于2026年3月9日前补交以下材料：\n住所使用证明\n逾期未补交的，本决定可依法撤销。"
        in text
    )

    # Past the due day the officers get the red card on the owed clock.
    await sweep(pipeline.pool, now=at("2026-03-10"), settings=client.settings)
    await pipeline.flush()
    red = (
        f"【红牌预警】办件{number}（{MATTER}）已超过容缺材料补交期限（2026年3月9日），请立即办理。"
    )
    assert red in [m["params"]["content"] for m in sms_stub.messages]

    client.clock.set(at("2026-03-10", "10:00"))
    admin = await client.officer_token("admin")
    ok(
        await act(
            client,
            admin,
            "revokeCase",
            "",
            {
                "number": number,
                "expectedVersion": decided["version"],
                "reason": "逾期未补交住所使用证明",
            },
        )
    )
    await pipeline.flush()
    assert applicant_sms(sms_stub)[-1] == (
        f"您的办件{number}（{MATTER}）的容缺准予许可决定（文书编号91440106MA5CJQ4N59）已撤销，"
        "理由：逾期未补交住所使用证明。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"决定撤销：{MATTER}（{number}）"
    text = mailbox.text(notice)
    assert "的容缺准予许可决定（证照或文书编号91440106MA5CJQ4N59）已依法撤销" in text
    assert "理由：逾期未补交住所使用证明" in text
