"""Admins manage templates through GraphQL; the next messages use the version in force."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Pipeline

from tongban.devtools.sms_stub import SmsStub
from tongban.notifications.templates import KINDS

PUBLISH = """mutation ($input: NotificationTemplateInput!) {
  publishNotificationTemplate(input: $input) {
    template { kind channel version body urgent enabled publishedBy placeholders { name } }
    userErrors { code problem field message details }
  } }"""
TEMPLATES = """{ notificationTemplates { kind title channel audience version body subject } }"""


async def publish(client: GraphQLClient, token: str, **input: Any) -> dict[str, Any]:
    values = {"kind": "RECEIVED", "channel": "SMS", "expectedVersion": 0} | input
    data = await client.execute(PUBLISH, {"input": values}, token=token)
    result: dict[str, Any] = data["publishNotificationTemplate"]
    return result


async def test_admins_see_every_template_in_force(client: GraphQLClient) -> None:
    admin = await client.officer_token("admin")
    found = (await client.execute(TEMPLATES, token=admin))["notificationTemplates"]
    assert len(found) == 2 * len(KINDS), "every kind, by SMS and by e-mail"
    received = [t for t in found if t["kind"] == "RECEIVED"]
    assert [(t["channel"], t["version"], t["audience"]) for t in received] == [
        ("EMAIL", 0, "APPLICANT"),
        ("SMS", 0, "APPLICANT"),
    ]
    assert received[0]["title"] == "已收件" and "${caseNumber}" in received[1]["body"]


async def test_others_may_not_read_or_publish_templates(client: GraphQLClient) -> None:
    reviewer = await client.officer_token("th.scjg.reviewer")
    response = (await client.post(TEMPLATES, token=reviewer)).json()
    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    result = await publish(client, reviewer, body="收到了")
    assert [e["code"] for e in result["userErrors"]] == ["FORBIDDEN"]


async def test_every_bad_placeholder_is_reported_and_nothing_is_written(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    result = await publish(
        client,
        admin,
        kind="ACCEPTED",
        channel="EMAIL",
        subject="受理${casenumber}",
        body="${caseNumber}已受理，${promisedDueOn}前办结，${missingMaterials}，${oops",
    )
    assert result["template"] is None
    assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [
        ("input.body", "UNKNOWN_PLACEHOLDER"),
        ("input.body", "MALFORMED_PLACEHOLDER"),
        ("input.subject", "UNKNOWN_PLACEHOLDER"),
    ]
    assert "missingMaterials" in result["userErrors"][0]["message"]
    assert await conn.fetchval("SELECT count(*) FROM notification_template") == 0


async def test_a_published_version_is_used_by_the_next_event_and_stale_edits_conflict(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
) -> None:
    admin = await client.officer_token("admin")
    result = await publish(
        client, admin, body="【收件】${applicantName}，您的${caseNumber}已收到。"
    )
    assert result["userErrors"] == []
    assert (
        result["template"]["version"] == 1 and result["template"]["publishedBy"] == "省平台管理员"
    )

    stale = await publish(client, admin, body="旧版本上的修改${caseNumber}")
    assert [(e["code"], e["details"]) for e in stale["userErrors"]] == [
        ("CONFLICT", {"currentVersion": 1})
    ]

    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    number = (await submit(client, applicant))["case"]["number"]
    await pipeline.flush()
    assert [m["params"]["content"] for m in sms_stub.messages] == [
        f"【收件】陈小明，您的{number}已收到。"
    ]
    assert (
        await conn.fetchval(
            "SELECT template_version FROM notification_message WHERE channel = 'sms'"
        )
        == 1
    )

    # Disabling stops the notification; the e-mail still goes.
    off = await publish(client, admin, body="", enabled=False, expectedVersion=1)
    assert off["userErrors"] == [] and off["template"]["enabled"] is False
    await submit(client, applicant, key="second-submission-key")
    await pipeline.flush()
    assert len(sms_stub.messages) == 1
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 3

    versions = (
        await client.execute(
            """{ notificationTemplateVersions(kind: RECEIVED, channel: SMS) { version } }""",
            token=admin,
        )
    )["notificationTemplateVersions"]
    assert [v["version"] for v in versions] == [2, 1, 0]
