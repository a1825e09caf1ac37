"""The two demo bundles in Guangzhou from one submission to all results: 开餐馆 (the business
licence first, then the food licence and the signboard, given the licence without an upload)
and 生孩子 (the birth certificate, then the household registration and the allowance, then the
newborn's medical insurance once registered)."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.bundles.helpers import VIEW, applicant, bundle_action, done, submit_bundle
from tests.conftest import GraphQLClient
from tests.scenarios import act, complete, ok

RESTAURANT = [
    "company-application",
    "articles",
    "id",
    "premises",
    "food-application",
    "layout",
    "signboard-application",
    "design",
]
NEWBORN = ["parents-id", "delivery-record", "birth-application", "hukou", "leave"]


async def _approve(
    client: GraphQLClient,
    case: dict[str, Any],
    stages: list[tuple[str, str]],
    head: str,
    number: str,
) -> dict[str, Any]:
    for username, department in stages:
        case = await complete(client, username, case, department, "AGREE")
    return ok(
        await act(
            client,
            await client.officer_token(head),
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": number,
            },
        )
    )


async def _items(
    client: GraphQLClient, token: str, application: dict[str, Any]
) -> list[dict[str, Any]]:
    data = await client.execute(
        f"query ($id: ID!) {{ bundleApplication(id: $id) {{ {VIEW} }} }}",
        {"id": application["id"]},
        token=token,
    )
    found: list[dict[str, Any]] = data["bundleApplication"]["items"]
    return found


async def test_opening_a_restaurant_from_one_submission_to_every_licence(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    token = await applicant(client, conn)
    application = done(
        await submit_bundle(client, token, bundle="GZ-OPEN-RESTAURANT", codes=RESTAURANT)
    )
    assert [i["state"] for i in application["items"]] == ["RECEIVED", "WAITING", "WAITING"]
    window = await client.officer_token("th.shipai.window")
    licence = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))[
        "items"
    ][0]
    await _approve(
        client,
        licence,
        [
            ("th.scjg.reviewer", "TH-SCJG"),
            ("th.swj.reviewer", "TH-SWJ"),
            ("th.gafj.reviewer", "TH-GAFJ"),
            ("th.scjg.reviewer", "TH-SCJG"),
        ],
        "th.scjg.head",
        "91440101MA5CJQ4N59",
    )
    # Released by the licence's approval, and given the licence without an upload: the window
    # accepts both at once (a missing licence would have refused the acceptance).
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    _, food, signboard = accepted["items"]
    assert [food["state"], signboard["state"]] == ["ACCEPTED", "ACCEPTED"]
    # The business licence the first approval issued (电子证照) is linked, not uploaded, as
    # the later items' 营业执照.
    for item in (food, signboard):
        seen = await client.execute(
            """query ($n: String!) { case(number: $n) {
                 materials { materialCode licence { number typeName status } } } }""",
            {"n": item["number"]},
            token=token,
        )
        linked = [m for m in seen["case"]["materials"] if m["materialCode"] == "business-licence"]
        assert [m["licence"] for m in linked] == [
            {"number": f"YYZZ-{licence['number']}", "typeName": "营业执照", "status": "VALID"}
        ]
    await _approve(
        client, food, [("th.scjg.reviewer", "TH-SCJG")], "th.scjg.head", "JY24401060000001"
    )
    await _approve(
        client, signboard, [("th.cgj.reviewer", "TH-CGJ")], "th.cgj.head", "穗天城管招〔2026〕1号"
    )
    final = await client.execute(
        "query ($id: ID!) { bundleApplication(id: $id) { state items { state resultNumber } } }",
        {"id": application["id"]},
        token=token,
    )
    assert final["bundleApplication"]["state"] == "COMPLETED"
    assert [i["resultNumber"] for i in final["bundleApplication"]["items"]] == [
        "91440101MA5CJQ4N59",
        "JY24401060000001",
        "穗天城管招〔2026〕1号",
    ]


async def test_having_a_baby_from_one_submission_to_every_result(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="GZ-NEWBORN", codes=NEWBORN))
    assert [i["state"] for i in application["items"]] == [
        "RECEIVED",
        "WAITING",
        "WAITING",
        "WAITING",
    ]
    window = await client.officer_token("th.shipai.window")
    cert = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))[
        "items"
    ][0]
    await _approve(client, cert, [("th.wjj.reviewer", "TH-WJJ")], "th.wjj.head", "R440106000001")
    items = await _items(client, token, application)
    # The household registration and the allowance need the certificate; the insurance needs
    # the registration and still waits.
    assert [i["state"] for i in items] == ["APPROVED", "RECEIVED", "WAITING", "RECEIVED"]
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    _, hukou, _, allowance = accepted["items"]
    await _approve(client, hukou, [("th.gafj.reviewer", "TH-GAFJ")], "th.gafj.head", "户2026-0001")
    await _approve(client, allowance, [("gz.ybj.reviewer", "GZ-YBJ")], "gz.ybj.head", "津2026-0001")
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    insurance = accepted["items"][2]
    assert insurance["state"] == "ACCEPTED"
    await _approve(
        client, insurance, [("gz.ybj.reviewer", "GZ-YBJ")], "gz.ybj.head", "医保2026-0001"
    )
    final = await client.execute(
        "query ($id: ID!) { bundleApplication(id: $id) { state } }",
        {"id": application["id"]},
        token=token,
    )
    assert final["bundleApplication"]["state"] == "COMPLETED"


async def test_a_result_of_another_item_is_not_uploaded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    token = await applicant(client, conn)
    result = await submit_bundle(
        client, token, bundle="GZ-OPEN-RESTAURANT", codes=[*RESTAURANT[:-1], "business-licence"]
    )
    assert [e["problem"] for e in result["userErrors"]] == ["RESULT_NOT_UPLOADED"]
