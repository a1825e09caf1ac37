"""One notice per bundle step: the applicant gets one SMS (and e-mail) when the bundle is
filed, accepted, asked for materials, an item refused and all decided — not one per item."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.bundles.helpers import (
    APPLICATION,
    applicant,
    bundle_action,
    done,
    publish,
    start_business_spec,
    submit_bundle,
)
from tests.bundles.test_bundles import ALL
from tests.cases.factories import PDF
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.scenarios import act, complete, ok

from tongban.devtools.sms_stub import SmsStub

BUNDLE = "测试一件事"


async def _texts(pipeline: Pipeline, sms_stub: SmsStub, since: int) -> list[str]:
    await pipeline.flush()
    return [m["params"]["content"] for m in sms_stub.messages[since:]]


async def test_filing_and_accepting_a_bundle_each_send_one_sms(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    licence, allowance = application["items"]
    items = (
        f"企业设立登记（营业执照）（{licence['number']}）；生育津贴申领（{allowance['number']}）"
    )
    assert await _texts(pipeline, sms_stub, 0) == [
        f"您的“{BUNDLE}”一件事申请已收件：{items}。待前序事项办结后办理：生育津贴申领。"
    ]
    assert str(mailbox.messages[-1]["Subject"]) == f"已收件：{BUNDLE}（一件事）"

    window = await client.officer_token("th.shipai.window")
    sent = len(sms_stub.messages)
    done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    assert await _texts(pipeline, sms_stub, sent) == [
        f"您的“{BUNDLE}”一件事申请已受理：企业设立登记（营业执照）（{licence['number']}）。"
    ]


async def test_one_supplement_notice_covers_every_item(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    spec = await start_business_spec(conn)
    # Both items are received at once here: the allowance depends on nothing.
    spec["items"][1]["dependsOn"] = []
    await publish(client, "TEST-START", spec)
    token = await applicant(client, conn)
    missing_id = [c for c in ALL if c != "id"]
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=missing_id))
    sent = len(await _texts(pipeline, sms_stub, 0))
    window = await client.officer_token("th.shipai.window")
    asked = done(
        await bundle_action(
            client,
            window,
            "requestBundleSupplement",
            {"id": application["id"], "materialCodes": ["id"], "note": "身份证未上传"},
        )
    )
    assert [i["state"] for i in asked["items"]] == ["SUPPLEMENT_REQUESTED", "SUPPLEMENT_REQUESTED"]
    texts = await _texts(pipeline, sms_stub, sent)
    assert len(texts) == 1
    assert texts[0].startswith(f"您的“{BUNDLE}”一件事申请材料需补正，请于")
    assert texts[0].endswith("前一次性补齐：股东、法定代表人身份证明、身份证。")
    text = mailbox.text(mailbox.messages[-1])
    assert "经办说明：身份证未上传" in text
    # The ID card is brought once, for both items; then the window accepts both at once.
    supplied = await client.upload(
        f"""mutation ($id: ID!, $materials: [MaterialUpload!]!) {{
              supplementBundle(id: $id, materials: $materials) {{ {APPLICATION} }} }}""",
        {"id": application["id"], "materials": [{"materialCode": "id", "file": None}]},
        {"materials.0.file": ("id.pdf", PDF + b"id", "application/pdf")},
        token=token,
    )
    brought = done(supplied["supplementBundle"])
    assert [
        sorted(m["materialCode"] for m in i["materials"]).count("id") for i in brought["items"]
    ] == [1, 1]
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    assert [i["state"] for i in accepted["items"]] == ["ACCEPTED", "ACCEPTED"]


async def _decide(
    client: GraphQLClient, case: dict[str, Any], decision: str, **extra: Any
) -> dict[str, Any]:
    head = await client.officer_token("th.scjg.head")
    return ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {"number": case["number"], "expectedVersion": case["version"], "decision": decision}
            | extra,
        )
    )


async def test_a_denied_item_tells_the_applicant_which_items_close_with_it(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    window = await client.officer_token("th.shipai.window")
    licence, allowance = done(
        await bundle_action(client, window, "acceptBundle", {"id": application["id"]})
    )["items"]
    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        licence = await complete(client, username, licence, department, "AGREE")
    sent = len(await _texts(pipeline, sms_stub, 0))
    await _decide(client, licence, "DENIED", reason="经营场所不符合要求")
    assert await _texts(pipeline, sms_stub, sent) == [
        f"您的“{BUNDLE}”一件事申请已全部办结：企业设立登记（营业执照）（{licence['number']}）不予办理；"
        f"生育津贴申领（{allowance['number']}）终止办理。"
    ]


async def test_a_refused_item_does_not_block_the_others_and_the_last_result_says_all_decided(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    spec = await start_business_spec(conn)
    spec["items"][1]["dependsOn"] = []
    await publish(client, "TEST-START", spec)
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    window = await client.officer_token("th.shipai.window")
    licence, allowance = application["items"]
    refused = ok(
        await act(
            client,
            window,
            "refuseCase",
            "",
            {
                "number": allowance["number"],
                "expectedVersion": allowance["version"],
                "reason": "生育津贴由参保地医保部门受理",
                "competentAgency": "广州市医疗保障局",
            },
        )
    )
    assert refused["state"] == "REFUSED"
    sent = len(await _texts(pipeline, sms_stub, 0))
    licence = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))[
        "items"
    ][0]
    texts = await _texts(pipeline, sms_stub, 0)
    assert texts[sent - 1] == (
        f"您的“{BUNDLE}”一件事中，生育津贴申领（{allowance['number']}）未获办理："
        "生育津贴由参保地医保部门受理。因此终止办理：无。其他事项继续办理。"
    )
    assert texts[sent:] == [
        f"您的“{BUNDLE}”一件事申请已受理：企业设立登记（营业执照）（{licence['number']}）。"
    ]
    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        licence = await complete(client, username, licence, department, "AGREE")
    sent = len(texts)
    await _decide(client, licence, "APPROVED", resultNumber="91440101MA5CJQ4N59")
    # The bundle's step is one notice; the electronic licence the approval issued is the item's
    # own result (like its collection notice) and says its number and validity.
    assert await _texts(pipeline, sms_stub, sent) == [
        f"您的“{BUNDLE}”一件事申请已全部办结：企业设立登记（营业执照）（{licence['number']}）"
        f"准予办理，文号91440101MA5CJQ4N59；生育津贴申领（{allowance['number']}）不予受理。",
        f"您的办件{licence['number']}（企业设立登记（营业执照））已签发电子营业执照，证照编号"
        f"YYZZ-{licence['number']}，有效期限2026年3月2日至长期。可在通办平台“我的证照”查看、"
        "下载，今后办事可直接引用，免于提交。",
    ]
    view = await client.execute(
        "query ($id: ID!) { bundleApplication(id: $id) { state } }",
        {"id": application["id"]},
        token=token,
    )
    assert view["bundleApplication"]["state"] == "PARTLY_REFUSED"
