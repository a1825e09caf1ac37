"""一件事一次办 through the GraphQL API: a bundle published, filed once, accepted once, its
dependent item waiting for the other's result, and the outcomes of a refused item."""

from __future__ import annotations

import asyncpg
from tests.bundles.helpers import (
    applicant,
    bundle_action,
    done,
    publish,
    start_business_spec,
    submit_bundle,
)
from tests.cases.factories import make_applicant
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, complete, department_id, ok

ALL = ["id", "application", "articles", "premises", "birth", "leave"]


async def test_a_bundle_is_published_and_listed(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    published = await publish(client, "TEST-START", await start_business_spec(conn))
    assert published["userErrors"] == []
    assert published["bundle"]["items"][1] == {
        "matterCode": "GZ-MATERNITY",
        "dependsOn": ["GD-BL-001"],
    }
    again = await publish(client, "TEST-START", await start_business_spec(conn, promisedLimit=12))
    assert again["bundle"]["version"] == 2
    data = await client.execute('{ bundle(code: "TEST-START") { version promisedLimit } }')
    assert data["bundle"] == {"version": 2, "promisedLimit": 12}


async def test_a_bundle_that_misses_a_material_or_goes_round_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    spec = await start_business_spec(conn)
    spec["materials"] = [m for m in spec["materials"] if m["code"] != "birth"]
    spec["items"][0]["dependsOn"] = ["GZ-MATERNITY"]
    result = await publish(client, "TEST-BAD", spec)
    problems = {e["problem"] for e in result["userErrors"]}
    assert problems == {"UNMAPPED_MATERIAL", "DEPENDENCY_CYCLE"}
    assert (await client.execute('{ bundle(code: "TEST-BAD") { code } }'))["bundle"] is None


async def test_only_administrators_publish_bundles(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    result = await publish(
        client, "TEST-START", await start_business_spec(conn), admin="th.shipai.window"
    )
    assert [e["problem"] for e in result["userErrors"]] == ["ADMINS_ONLY"]


async def test_one_submission_makes_one_case_per_item_and_the_dependant_waits(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    assert application["state"] == "SUBMITTED"
    licence, allowance = application["items"]
    assert licence["state"] == "RECEIVED" and allowance["state"] == "WAITING"
    assert licence["number"] != allowance["number"]
    # The ID card was uploaded once and given to both items: one stored file.
    ours = {m["materialCode"]: m["sha256"] for m in licence["materials"]}
    theirs = {m["materialCode"]: m["sha256"] for m in allowance["materials"]}
    assert sorted(ours) == ["application", "articles", "id", "premises"]
    assert sorted(theirs) == ["birth", "id", "leave"]
    assert ours["id"] == theirs["id"]
    # A retry with the same key returns the same application.
    retry = await submit_bundle(client, token, bundle="TEST-START", codes=ALL)
    assert retry["created"] is False and retry["application"]["id"] == application["id"]

    window = await client.officer_token("th.shipai.window")
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    assert accepted["state"] == "IN_PROGRESS"
    licence, allowance = accepted["items"]
    assert licence["state"] == "ACCEPTED" and allowance["state"] == "WAITING"
    assert accepted["clock"]["dueOn"] == "2026-03-23"  # 15 working days from Monday 03-02

    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        licence = await complete(client, username, licence, department, "AGREE")
    head = await client.officer_token("th.scjg.head")
    approved = ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": licence["number"],
                "expectedVersion": licence["version"],
                "decision": "APPROVED",
                "resultNumber": "91440101MA5CJQ4N59",
            },
        )
    )
    assert approved["state"] == "APPROVED"
    # The licence's approval released the allowance in the same transaction.
    view = await client.execute(
        "query ($id: ID!) { bundleApplication(id: $id) { state items { number state } } }",
        {"id": application["id"]},
        token=token,
    )
    assert [i["state"] for i in view["bundleApplication"]["items"]] == ["APPROVED", "RECEIVED"]
    accepted = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    assert [i["state"] for i in accepted["items"]] == ["APPROVED", "ACCEPTED"]


async def test_a_refused_item_closes_its_dependants_and_tells_why(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    licence = application["items"][0]
    window = await client.officer_token("th.shipai.window")
    refused = ok(
        await act(
            client,
            window,
            "refuseCase",
            "",
            {
                "number": licence["number"],
                "expectedVersion": licence["version"],
                "reason": "不属于本部门职权",
                "competentAgency": "广州市市场监督管理局",
            },
        )
    )
    assert refused["state"] == "REFUSED"
    view = await client.execute(
        """query ($id: ID!) { bundleApplication(id: $id) { state
             items { state history(last: 1) { action reason } } } }""",
        {"id": application["id"]},
        token=token,
    )
    app = view["bundleApplication"]
    assert app["state"] == "REFUSED"
    allowance = app["items"][1]
    assert allowance["state"] == "CLOSED_PREREQUISITE"
    last = allowance["history"][-1]
    assert last["action"] == "CLOSED_PREREQUISITE"
    assert licence["number"] in last["reason"]


async def test_withdrawing_the_bundle_withdraws_every_open_item(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    withdrawn = done(
        await bundle_action(
            client, token, "withdrawBundle", {"id": application["id"], "reason": "不开了"}
        )
    )
    assert withdrawn["state"] == "WITHDRAWN"
    assert [i["state"] for i in withdrawn["items"]] == ["WITHDRAWN", "WITHDRAWN"]


async def test_only_the_applicant_withdraws_and_only_a_window_of_the_region_accepts(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    stranger = client.applicant_token(
        await make_applicant(
            conn, name="王五", id_number="11010519491231002X", mobile="13800138111"
        )
    )
    refused = await bundle_action(client, stranger, "withdrawBundle", {"id": application["id"]})
    assert [e["problem"] for e in refused["userErrors"]] == ["UNKNOWN_BUNDLE_APPLICATION"]
    elsewhere = await client.officer_token("yx.window")
    refused = await bundle_action(client, elsewhere, "acceptBundle", {"id": application["id"]})
    assert refused["application"] is None and refused["userErrors"][0]["code"] == "NOT_FOUND"
    # Nothing was written: the window of the region still finds the item received.
    view = await client.execute(
        "query ($id: ID!) { bundleApplication(id: $id) { state items { state } } }",
        {"id": application["id"]},
        token=token,
    )
    assert view["bundleApplication"]["state"] == "SUBMITTED"


async def test_a_key_reused_for_another_bundle_application_is_a_conflict(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    again = await submit_bundle(
        client, token, bundle="TEST-START", codes=ALL, form={"companyName": "另一家"}
    )
    assert [e["code"] for e in again["userErrors"]] == ["CONFLICT"]


async def test_a_transferred_item_stays_in_its_bundle_and_officers_see_the_bundle(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    window = await client.officer_token("th.shipai.window")
    licence = done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))[
        "items"
    ][0]
    head = await client.officer_token("th.scjg.head")
    seen = await client.execute(
        """query ($n: String!) { case(number: $n) { number
             bundle { id state clock { dueOn colour } items { number state } } } }""",
        {"n": licence["number"]},
        token=head,
    )
    bundle = seen["case"]["bundle"]
    assert bundle["id"] == application["id"] and bundle["state"] == "IN_PROGRESS"
    assert bundle["clock"] == {"dueOn": "2026-03-23", "colour": "GREEN"}
    # The items as the case rules let this officer see them (here: received in their district).
    assert [i["state"] for i in bundle["items"]] == ["ACCEPTED", "WAITING"]
    moved = ok(
        await act(
            client,
            head,
            "transferCase",
            "",
            {
                "number": licence["number"],
                "expectedVersion": licence["version"],
                "departmentId": await department_id(conn, "YX-SCJG"),
                "reason": "住所位于越秀区",
            },
        )
    )
    assert moved["handlingRegionCode"] == "440104"
    view = await client.execute(
        """query ($id: ID!) { bundleApplication(id: $id) { state
             items { number handlingRegionCode } } }""",
        {"id": application["id"]},
        token=token,
    )
    assert view["bundleApplication"]["state"] == "IN_PROGRESS"
    assert view["bundleApplication"]["items"][0] == {
        "number": licence["number"],
        "handlingRegionCode": "440104",
    }


async def test_supervision_warns_on_the_bundles_own_limit(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn, promisedLimit=6))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    window = await client.officer_token("th.shipai.window")
    done(await bundle_action(client, window, "acceptBundle", {"id": application["id"]}))
    query = "{ bundleWarnings { id dueOn clock { dueOn remainingDays colour } } }"
    supervisor = await client.officer_token("th.supervisor")
    assert (await client.execute(query, token=supervisor))["bundleWarnings"] == []
    # Limit 6 from Monday 03-02: due Tuesday 03-10; yellow with 2 days left, red past it.
    client.clock.set(at("2026-03-09", "10:00"))
    warned = (await client.execute(query, token=supervisor))["bundleWarnings"]
    assert warned == [
        {
            "id": application["id"],
            "dueOn": "2026-03-10",
            "clock": {"dueOn": "2026-03-10", "remainingDays": 1, "colour": "YELLOW"},
        }
    ]
    client.clock.set(at("2026-03-11", "10:00"))
    warned = (await client.execute(query, token=supervisor))["bundleWarnings"]
    assert warned[0]["clock"]["colour"] == "RED"
    refused = await client.post(query, token=await client.officer_token("th.scjg.reviewer"))
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bundle_of_an_unknown_matter_or_an_unknown_prerequisite_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    spec = await start_business_spec(conn)
    spec["items"].append({"matterCode": "NO-SUCH-MATTER", "dependsOn": ["NOT-AN-ITEM"]})
    result = await publish(client, "TEST-BAD", spec)
    assert {(e["problem"], e["field"]) for e in result["userErrors"]} == {
        ("UNKNOWN_MATTER", "spec.items[2].matterCode"),
        ("UNKNOWN_BUNDLE_ITEM", "spec.items[2].dependsOn"),
    }


async def test_an_item_waiting_for_a_result_cannot_be_accepted_yet(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    allowance = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))["items"][1]
    result = await act(
        client,
        await client.officer_token("th.shipai.window"),
        "acceptCase",
        "",
        {"number": allowance["number"], "expectedVersion": allowance["version"]},
    )
    assert [e["code"] for e in result["userErrors"]] == ["INVALID_STATE"]
    assert result["userErrors"][0]["details"]["allowedActions"] == ["withdraw"]


async def test_a_case_list_shows_each_items_bundle(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await publish(client, "TEST-START", await start_business_spec(conn))
    token = await applicant(client, conn)
    application = done(await submit_bundle(client, token, bundle="TEST-START", codes=ALL))
    data = await client.execute(
        "{ cases(first: 10) { edges { node { number bundle { id state items { number } } } } } }",
        token=token,
    )
    bundles = [e["node"]["bundle"] for e in data["cases"]["edges"]]
    assert len(bundles) == 2
    assert {b["id"] for b in bundles} == {application["id"]}
    assert all(len(b["items"]) == 2 and b["state"] == "SUBMITTED" for b in bundles)
