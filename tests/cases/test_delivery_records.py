"""送达 (Art. 44): the handling department or the receiving window records how the result reached
the applicant — at the window, by post (carrier and tracking number) or electronically (a link
to the decision document) — with the recipient, the time and an optional proof."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
from tests.cases.factories import make_reviewed_case
from tests.conftest import GraphQLClient
from tests.scenarios import at, ok

DOCUMENT = b"%PDF-1.7 tongban decision document\n"
RECEIPT = b"%PDF-1.4 signed post receipt\n"
DECIDE = """mutation ($number: String!, $expectedVersion: Int!, $document: Upload) {
  decideCase(number: $number, expectedVersion: $expectedVersion, decision: APPROVED,
             resultNumber: "R-2026-1", document: $document) {
    case { number version state } userErrors { problem } } }"""
DELIVER = """mutation ($number: String!, $expectedVersion: Int!, $delivery: DeliveryInput!) {
  deliverCase(number: $number, expectedVersion: $expectedVersion, delivery: $delivery) {
    case { number version state deliveredAt
      delivery { method recipient recipientIsAgent trackingNumber carrier deliveredAt
                 recordedAt deliveredBy proof { fileName contentType size sha256 } }
      history(last: 1) { action payload } }
    userErrors { code problem field } } }"""
DELIVERY_CLOCK = """SELECT state, stopped_on FROM deadline_clock
                    WHERE kind = 'delivery' AND task_id IS NULL"""


async def decided_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    *,
    document: bool = True,
    applicant_record: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """A business licence approved by Tianhe's head at START (with its decision document)."""
    case, applicant = await make_reviewed_case(client, conn, applicant_record)
    head = await client.officer_token("th.scjg.head")
    variables = {"number": case["number"], "expectedVersion": case["version"], "document": None}
    if document:
        file = {"document": ("决定书.pdf", DOCUMENT, "application/pdf")}
        decided = (await client.upload(DECIDE, variables, file, token=head))["decideCase"]
    else:
        decided = (await client.execute(DECIDE, variables, token=head))["decideCase"]
    return ok(decided), applicant


async def deliver(
    client: GraphQLClient,
    case: dict[str, Any],
    delivery: dict[str, Any],
    *,
    username: str = "th.scjg.reviewer",
    token: str | None = None,
    proof: tuple[str, bytes, str] | None = None,
) -> dict[str, Any]:
    token = token or await client.officer_token(username)
    variables = {"number": case["number"], "expectedVersion": case["version"], "delivery": delivery}
    if proof is None:
        result: dict[str, Any] = await client.execute(DELIVER, variables, token=token)
    else:
        variables["delivery"] = {**delivery, "proof": None}
        result = await client.upload(DELIVER, variables, {"delivery.proof": proof}, token=token)
    return dict(result["deliverCase"])


def problems(result: dict[str, Any]) -> list[tuple[str | None, str]]:
    assert result["case"] is None
    return sorted((e["field"], e["problem"]) for e in result["userErrors"])


async def test_a_window_pick_up_by_an_agent_is_recorded_and_stops_the_delivery_clock(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await decided_case(client, conn)
    client.clock.set(at("2026-03-05", "15:00"))
    done = ok(
        await deliver(
            client,
            case,
            {"method": "WINDOW", "recipientName": "王五", "recipientIsAgent": True},
            username="th.shipai.window",  # the window that received the case
        )
    )
    assert done["state"] == "DELIVERED"
    delivery = done["delivery"]
    assert {k: delivery[k] for k in ("method", "recipient", "recipientIsAgent", "carrier")} == {
        "method": "WINDOW",
        "recipient": "王五",
        "recipientIsAgent": True,
        "carrier": None,
    }
    assert delivery["deliveredAt"] == delivery["recordedAt"] == "2026-03-05T07:00:00+00:00"
    assert delivery["deliveredBy"] and delivery["proof"] is None
    event = done["history"][0]
    assert event["action"] == "DELIVERED"
    assert event["payload"]["method"] == "window"
    assert event["payload"]["recipientName"] == "王五"
    clock = await conn.fetchrow(DELIVERY_CLOCK)
    assert (clock["state"], clock["stopped_on"].isoformat()) == ("stopped", "2026-03-05")

    # The applicant sees how their result reached them.
    seen = await client.execute(
        "query ($n: String!) { case(number: $n) { delivery { method recipient } } }",
        {"n": case["number"]},
        token=applicant,
    )
    assert seen["case"]["delivery"] == {"method": "WINDOW", "recipient": "王五"}


async def test_a_postal_delivery_needs_its_carrier_and_tracking_number(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await decided_case(client, conn)
    refused = await deliver(client, case, {"method": "POST", "recipientName": "陈小明"})
    assert refused["userErrors"][0]["code"] == "VALIDATION"
    assert problems(refused) == [
        ("carrier", "CARRIER_REQUIRED"),
        ("trackingNumber", "TRACKING_NUMBER_REQUIRED"),
    ]
    malformed = await deliver(
        client,
        case,
        {
            "method": "POST",
            "carrier": "中国邮政EMS",
            "trackingNumber": "单号 1",
            "recipientName": "陈小明",
        },
    )
    assert problems(malformed) == [("trackingNumber", "TRACKING_NUMBER_MALFORMED")]
    at_window = await deliver(
        client, case, {"method": "WINDOW", "recipientName": "陈小明", "trackingNumber": "1"}
    )
    assert problems(at_window) == [("trackingNumber", "ONLY_FOR_POSTAL_DELIVERY")]
    nobody = await deliver(client, case, {"method": "WINDOW", "recipientName": "  "})
    assert problems(nobody) == [("recipientName", "DELIVERY_RECIPIENT_REQUIRED")]
    assert await conn.fetchval("SELECT count(*) FROM case_delivery") == 0
    assert await conn.fetchval("SELECT state FROM case_record") == "approved"

    done = ok(
        await deliver(
            client,
            case,
            {
                "method": "POST",
                "carrier": "中国邮政EMS",
                "trackingNumber": "EA123456789CN",
                "recipientName": "陈小明",
            },
            proof=("邮寄回执.pdf", RECEIPT, "application/pdf"),
        )
    )
    delivery = done["delivery"]
    assert (delivery["method"], delivery["carrier"], delivery["trackingNumber"]) == (
        "POST",
        "中国邮政EMS",
        "EA123456789CN",
    )
    assert delivery["proof"] == {
        "fileName": "邮寄回执.pdf",
        "contentType": "application/pdf",
        "size": len(RECEIPT),
        "sha256": hashlib.sha256(RECEIPT).hexdigest(),
    }
    assert done["history"][0]["payload"]["trackingNumber"] == "EA123456789CN"

    # The applicant and the officers on the case open the proof through a signed link.
    for token in (applicant, await client.officer_token("th.scjg.head")):
        seen = await client.execute(
            "query ($n: String!) { case(number: $n) { delivery { proof { downloadUrl } } } }",
            {"n": case["number"]},
            token=token,
        )
        link = seen["case"]["delivery"]["proof"]["downloadUrl"]
        assert link.startswith("/files/delivery-proofs/")
        answer = await client.http.get(link)
        assert (answer.status_code, answer.content) == (200, RECEIPT)
        refused = await client.http.get(link.replace("signature=", "signature=0"))
        assert refused.status_code == 403


async def test_a_proof_that_is_not_what_it_claims_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await decided_case(client, conn)
    refused = await deliver(
        client,
        case,
        {"method": "WINDOW", "recipientName": "陈小明"},
        proof=("回证.pdf", b"<html>not a scan</html>", "application/pdf"),
    )
    assert problems(refused) == [("proof", "CONTENT_MISMATCH")]
    assert await conn.fetchval("SELECT count(*) FROM case_delivery") == 0


async def test_the_delivery_time_is_neither_in_the_future_nor_before_the_decision(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await decided_case(client, conn)  # decided at START, Monday 2 March 09:30
    client.clock.set(at("2026-03-06", "16:00"))
    window = {"method": "WINDOW", "recipientName": "陈小明"}
    future = await deliver(client, case, {**window, "deliveredAt": "2026-03-06T17:00:00+08:00"})
    assert problems(future) == [("deliveredAt", "DELIVERED_IN_FUTURE")]
    early = await deliver(client, case, {**window, "deliveredAt": "2026-03-02T09:00:00+08:00"})
    assert problems(early) == [("deliveredAt", "DELIVERED_BEFORE_DECISION")]

    # Recorded on Friday, collected on Tuesday: the Art. 44 clock stops on Tuesday.
    done = ok(await deliver(client, case, {**window, "deliveredAt": "2026-03-03T10:00:00+08:00"}))
    assert done["delivery"]["deliveredAt"] == "2026-03-03T02:00:00+00:00"
    assert done["delivery"]["recordedAt"] == "2026-03-06T08:00:00+00:00"
    assert done["deliveredAt"] == "2026-03-03T02:00:00+00:00"
    clock = await conn.fetchrow(DELIVERY_CLOCK)
    assert (clock["state"], clock["stopped_on"].isoformat()) == ("stopped", "2026-03-03")


async def test_an_electronic_delivery_needs_the_decision_document(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await decided_case(client, conn, document=False)
    refused = await deliver(client, case, {"method": "ELECTRONIC"})
    assert problems(refused) == [("method", "DECISION_DOCUMENT_REQUIRED")]
    assert await conn.fetchval("SELECT state FROM case_record") == "approved"


async def test_an_electronic_delivery_needs_an_address_to_send_it_to(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    unreachable = {"mobile": None, "email": None, "channels": ("sms",)}
    case, _ = await decided_case(client, conn, applicant_record=unreachable)
    refused = await deliver(client, case, {"method": "ELECTRONIC"})
    assert problems(refused) == [("method", "NO_ELECTRONIC_ADDRESS")]
    # Collected at the window instead.
    ok(await deliver(client, case, {"method": "WINDOW", "recipientName": "陈小明"}))


async def test_an_electronic_delivery_goes_to_the_applicant(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await decided_case(client, conn)
    agent = await deliver(client, case, {"method": "ELECTRONIC", "recipientIsAgent": True})
    assert problems(agent) == [("recipientIsAgent", "AGENT_NOT_FOR_ELECTRONIC_DELIVERY")]
    backdated = await deliver(
        client, case, {"method": "ELECTRONIC", "deliveredAt": "2026-03-02T09:31:00+08:00"}
    )
    assert problems(backdated) == [("deliveredAt", "ELECTRONIC_DELIVERY_IS_NOW")]
    done = ok(await deliver(client, case, {"method": "ELECTRONIC"}))
    assert (done["delivery"]["method"], done["delivery"]["recipient"]) == ("ELECTRONIC", "陈小明")
    assert done["delivery"]["deliveredAt"] == "2026-03-02T01:30:00+00:00"  # now: START
    assert done["history"][0]["payload"]["documentId"]


async def test_only_the_handling_department_or_the_receiving_window_delivers(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await decided_case(client, conn)
    window = {"method": "WINDOW", "recipientName": "陈小明"}
    # The tax bureau reviewed the case, but does not handle it.
    for refused in (
        await deliver(client, case, window, username="th.swj.reviewer"),
        await deliver(client, case, window, token=applicant),
    ):
        assert refused["case"] is None
        assert [(e["code"], e["problem"]) for e in refused["userErrors"]] == [
            ("FORBIDDEN", "ACTION_NOT_PERMITTED")
        ]
    # Another district's window does not even see the case.
    elsewhere = await deliver(client, case, window, username="yx.window")
    assert [e["code"] for e in elsewhere["userErrors"]] == ["NOT_FOUND"]
    assert await conn.fetchval("SELECT count(*) FROM case_delivery") == 0

    done = ok(await deliver(client, case, window, username="th.scjg.head"))
    again = await deliver(client, done, window)
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATE"]
    assert await conn.fetchval("SELECT count(*) FROM case_delivery") == 1
