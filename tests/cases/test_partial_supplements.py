"""A supplement may come in parts: each requested material is tracked, the case stays where it
is (before acceptance no decision clock; after it the clock paused) until the last one arrives,
and then moves on as a complete supplement does. A material the notice did not ask for is
refused and nothing is written."""

# The notification fixtures are imported, and tests take them as parameters by name.
# ruff: noqa: F811

from __future__ import annotations

import asyncpg
from tests.cases.factories import make_case
from tests.cases.supplementing import bring, request, supplements
from tests.conftest import GraphQLClient
from tests.notifications.conftest import (  # noqa: F401 (fixtures: real SMS stub and SMTP)
    Mailbox,
    Pipeline,
    mailbox,
    pipeline,
    settings,
    sms_stub,
)
from tests.scenarios import act, at, ok

from tongban.devtools.sms_stub import SmsStub

MATTER = "企业设立登记（营业执照）"


def arrivals(found: dict[str, object]) -> dict[str, str | None]:
    notice = found["supplements"][-1]  # type: ignore[index]
    return {m["materialCode"]: m["arrivedOn"] for m in notice["materials"]}


async def test_an_intake_supplement_in_two_parts_then_acceptance(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    case, applicant = await make_case(client, conn, codes=["application", "articles"])
    window = await client.officer_token("th.shipai.window")
    case = await request(client, window, case, ["id", "premises"], "请补充身份证明和住所使用证明")
    seen = await supplements(client, applicant, case["number"])
    # 30 working days (TONGBAN_SUPPLEMENT_PERIOD_DAYS) after Monday 2 March, Qingming (6 April)
    # skipped: 21 in March, 3 + 4 + 2 in April.
    assert seen["supplementDueOn"] == "2026-04-14"
    assert seen["supplements"] == [
        {
            "phase": "intake",
            "requestedOn": "2026-03-02",
            "periodDays": 30,
            "dueOn": "2026-04-14",
            "fulfilledOn": None,
            "materials": [
                {"materialCode": "id", "name": "股东、法定代表人身份证明", "arrivedOn": None},
                {"materialCode": "premises", "name": "住所使用证明", "arrivedOn": None},
            ],
        }
    ]

    client.clock.set(at("2026-03-04", "10:00"))
    part = ok(await bring(client, applicant, case, ["id"]))
    assert part["state"] == "SUPPLEMENT_REQUESTED", "still owed: premises"
    seen = await supplements(client, window, case["number"])
    assert arrivals(seen) == {"id": "2026-03-04", "premises": None}
    assert seen["supplements"][0]["fulfilledOn"] is None
    assert {d["kind"] for d in seen["deadlines"] if d["state"] == "RUNNING"} == set(), (
        "no decision clock before acceptance"
    )
    # The applicant is told what is still owed, and by when.
    await pipeline.flush()
    number = case["number"]
    assert sms_stub.messages[-1]["params"]["content"] == (
        f"您的办件{number}（{MATTER}）已收到部分补正材料，请于2026年4月14日前补齐：住所使用证明。"
    )
    notice = mailbox.messages[-1]
    assert str(notice["Subject"]) == f"已收到部分补正材料：{MATTER}（{number}）"
    assert "以下材料仍未补正：\n住所使用证明\n\n请于2026年4月14日前补齐" in mailbox.text(notice)
    refused = await act(
        client,
        window,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": part["version"]},
    )
    assert refused["userErrors"][0]["code"] == "INVALID_STATE"

    client.clock.set(at("2026-03-05", "10:00"))
    done = ok(await bring(client, applicant, part, ["premises"]))
    assert done["state"] == "RECEIVED"
    sent = len(sms_stub.messages)
    await pipeline.flush()
    assert len(sms_stub.messages) == sent, "a complete supplement moves the case on silently"
    seen = await supplements(client, window, case["number"])
    assert arrivals(seen) == {"id": "2026-03-04", "premises": "2026-03-05"}
    assert seen["supplements"][0]["fulfilledOn"] == "2026-03-05"
    assert seen["supplementDueOn"] is None
    accepted = ok(
        await act(
            client,
            window,
            "acceptCase",
            "",
            {"number": case["number"], "expectedVersion": done["version"]},
        )
    )
    assert accepted["acceptedOn"] == "2026-03-05", "accepted the day the materials were complete"
    history = await conn.fetch(
        "SELECT action, payload FROM case_event WHERE action = 'supplemented' ORDER BY seq"
    )
    assert [(h["payload"]["completeOn"], h["payload"]["outstanding"]) for h in history] == [
        (None, [{"code": "premises", "name": "住所使用证明"}]),
        ("2026-03-05", []),
    ]


async def test_a_review_supplement_keeps_the_clock_paused_until_the_last_material(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_case(client, conn, accepted=True)  # Monday 2 March
    reviewer = await client.officer_token("th.gafj.reviewer")
    client.clock.set(at("2026-03-03", "10:00"))
    case = await request(client, reviewer, case, ["id", "premises"], "证明不清晰")
    assert case["state"] == "REVIEW_SUPPLEMENT"

    client.clock.set(at("2026-03-05", "10:00"))
    part = ok(await bring(client, applicant, case, ["premises"]))
    assert part["state"] == "REVIEW_SUPPLEMENT"
    seen = await supplements(client, reviewer, case["number"])
    assert arrivals(seen) == {"id": None, "premises": "2026-03-05"}
    clocks = {d["kind"]: d["state"] for d in seen["deadlines"] if d["kind"] != "STAGE"}
    assert clocks["PROMISED"] == "PAUSED" and clocks["STATUTORY"] == "PAUSED"

    client.clock.set(at("2026-03-09", "10:00"))  # Monday
    done = ok(await bring(client, applicant, part, ["id"]))
    assert done["state"] == "UNDER_REVIEW"
    seen = await supplements(client, reviewer, case["number"])
    promised = next(d for d in seen["deadlines"] if d["kind"] == "PROMISED")
    # Promised 3 days from 2 March: 3 March used (the day the pause began counts), resumed 9
    # March → the 2 left are 10 and 11 March.
    assert promised == {"kind": "PROMISED", "state": "RUNNING", "dueOn": "2026-03-11"}


async def test_a_material_not_asked_for_is_refused_and_nothing_is_written(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_case(client, conn, codes=["application", "articles"])
    window = await client.officer_token("th.shipai.window")
    case = await request(client, window, case, ["id", "premises"])
    files_before = await conn.fetchval("SELECT count(*) FROM case_material")

    refused = await bring(client, applicant, case, ["id", "name-approval"])
    assert refused["case"] is None
    error = refused["userErrors"][0]
    assert (error["code"], error["problem"]) == ("VALIDATION", "UNREQUESTED_MATERIAL")
    assert "name-approval" in error["message"] and error["field"] == "materials"
    assert await conn.fetchval("SELECT count(*) FROM case_material") == files_before
    seen = await supplements(client, applicant, case["number"])
    assert arrivals(seen) == {"id": None, "premises": None}
    assert seen["version"] == case["version"]
