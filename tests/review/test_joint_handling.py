"""Joint handling (联合办理, Art. 26 / Art. 42 (2)) through GraphQL: a matter the catalogue marks
joint is decided within 45 working days of acceptance, extended once by 15 with the reason told
to the applicant; a second extension is refused. Dates counted by hand on the 2026 calendar:
Qingming (Monday 6 April) and Labour Day (1–5 May) are holidays, Saturday 9 May is a make-up
working day."""

# The notification fixtures are imported, and tests take them as parameters by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import make_case, publish_matter
from tests.catalogue.test_catalogue import CREATE, department_ids, spec
from tests.conftest import GraphQLClient
from tests.notifications.conftest import (  # noqa: F401 (fixtures: real SMS stub and SMTP)
    Mailbox,
    Pipeline,
    mailbox,
    pipeline,
    settings,
    sms_stub,
)
from tests.scenarios import act, ok

from tongban.devtools.sms_stub import SmsStub

DEADLINES = """query ($n: String!) { case(number: $n) {
  extensionDays allowedActions deadlines { kind state dueOn limitDays } } }"""


async def decision_clocks(client: GraphQLClient, token: str, number: str) -> dict[str, Any]:
    found = (await client.execute(DEADLINES, {"n": number}, token=token))["case"]
    clocks = {
        d["kind"]: (d["dueOn"], d["limitDays"])
        for d in found["deadlines"]
        if d["kind"] in ("PROMISED", "STATUTORY")
    }
    return {"clocks": clocks, "actions": found["allowedActions"], "days": found["extensionDays"]}


async def extend(client: GraphQLClient, token: str, case: dict[str, Any]) -> dict[str, Any]:
    return await act(
        client,
        token,
        "extendDeadline",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "reason": "需多部门联合踏勘",
        },
    )


async def test_a_joint_matter_has_45_working_days_and_one_extension_of_15(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    await publish_matter(
        client,
        conn,
        "TH-JOINT",
        name="食品经营许可（联合办理）",
        jointHandling=True,
        statutoryLimit=45,
        promisedLimit=30,
    )
    case, _ = await make_case(
        client, conn, accepted=True, matter="TH-JOINT", codes=["application", "licence"]
    )  # accepted Monday 2 March 2026
    number = case["number"]
    head = await client.officer_token("th.scjg.head")

    # Statutory 45: 21 working days in March (3rd–31st), April 1–3, 7–10, 13–17, 20–24, 27–30
    # (42; Qingming skipped), then 6, 7, 8 May (Labour Day 1–5 skipped) → Friday 8 May.
    # Promised 30: March 21, April 1–3, 7–10, 13, 14 → Tuesday 14 April.
    seen = await decision_clocks(client, head, number)
    assert seen["clocks"] == {"PROMISED": ("2026-04-14", 30), "STATUTORY": ("2026-05-08", 45)}
    assert "EXTEND" in seen["actions"]

    extended = ok(await extend(client, head, case))
    seen = await decision_clocks(client, head, number)
    assert seen["days"] == 15
    # +15 after 8 May: Saturday 9 May (make-up day), 11–15, 18–22, 25–28 → Thursday 28 May.
    # The promised limit moves by as much: 15–17, 20–24, 27–30 April, 6–8 May → 8 May.
    assert seen["clocks"] == {"PROMISED": ("2026-05-08", 45), "STATUTORY": ("2026-05-28", 60)}
    assert "EXTEND" not in seen["actions"]

    again = await extend(client, head, extended)
    assert again["case"] is None
    error = again["userErrors"][0]
    assert (error["code"], error["problem"]) == ("CONFLICT", "ALREADY_EXTENDED")
    assert (await decision_clocks(client, head, number))["clocks"]["STATUTORY"] == (
        "2026-05-28",
        60,
    )

    await pipeline.flush()
    matter = "食品经营许可（联合办理）"
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{matter}）办理期限延长15个工作日，将于2026年5月28日前办结。"
    )
    text = mailbox.text(mailbox.messages[-1])
    assert "办理期限延长15个工作日，将于2026年5月28日前办结。\n\n延长理由：需多部门联合踏勘" in text
    sent = [m["params"]["content"] for m in sms_stub.messages]
    assert sum("办理期限延长" in s for s in sent) == 1, "the refused extension told nobody"


async def test_a_joint_matter_may_not_promise_more_than_45_days(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    result = (
        await client.execute(
            CREATE,
            {"code": "TH-JOINT", "spec": spec(ids, jointHandling=True, statutoryLimit=60)},
            token=admin,
        )
    )["createMatter"]
    assert [(e["problem"], e["field"]) for e in result["userErrors"]] == [
        ("JOINT_LIMIT_EXCEEDED", "spec.statutoryLimit")
    ]
