"""容缺受理 (issue #15): a window accepts a business licence with its deferrable material — the
premises certificate (住所使用证明), marked deferrable in the demo catalogue — still missing, on the
applicant's signed undertaking; the case owes it by a due date on its own clock; it arrives through
the applicant's supplement; the decision is an approval with deferred materials while it is owed
and a plain approval once it arrived; supervision warns when it is late and the handling head (or an
administrator) may revoke. Everything through the GraphQL API, on the simulated clock (accepted Monday 2 March 2026:
five working days → due Monday 9 March)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from tests.cases.factories import PDF, make_applicant, make_case, make_reviewed_case, submit
from tests.catalogue.test_catalogue import CREATE, department_ids, spec
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, ok

from tongban import db
from tongban.deadlines.enforcement import sweep

WITHOUT_PREMISES = ["application", "articles", "id"]

ACCEPT = """mutation ($n: String!, $v: Int!, $d: [String!], $u: Boolean!) {
  acceptCase(number: $n, expectedVersion: $v, deferredMaterialCodes: $d, undertakingSigned: $u) {
    case { number version state owedDueOn } userErrors { code problem field message details } } }"""

SUPPLY = """mutation ($n: String!, $v: Int!, $m: [MaterialUpload!]!) {
  supplementCase(number: $n, expectedVersion: $v, materials: $m) {
    case { number version state owedDueOn }
    userErrors { code problem field message details } } }"""

VIEW = """query ($n: String!) { case(number: $n) {
  number version state owedDueOn allowedActions
  owedMaterials { code name dueOn undertakingSignedAt arrivedOn arrivedAt }
  deadlines { kind dueOn state colour }
  history(last: 20) { action } } }"""


@pytest.fixture
async def pool(client: GraphQLClient) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(client.settings)
    yield p
    await p.close()


async def accept(
    client: GraphQLClient, case: dict[str, Any], deferred: list[str] | None, signed: bool
) -> dict[str, Any]:
    window = await client.officer_token("th.shipai.window")
    variables = {"n": case["number"], "v": case["version"], "d": deferred, "u": signed}
    result: dict[str, Any] = (await client.execute(ACCEPT, variables, token=window))["acceptCase"]
    return result


async def view(client: GraphQLClient, number: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client.execute(VIEW, {"n": number}, token=token))["case"]
    return found


async def supply(
    client: GraphQLClient, token: str, case: dict[str, Any], codes: list[str]
) -> dict[str, Any]:
    data = await client.upload(
        SUPPLY,
        {
            "n": case["number"],
            "v": case["version"],
            "m": [{"materialCode": c, "file": None} for c in codes],
        },
        {
            f"m.{i}.file": (f"{c}.pdf", PDF + c.encode(), "application/pdf")
            for i, c in enumerate(codes)
        },
        token=token,
    )
    result: dict[str, Any] = data["supplementCase"]
    return result


async def deferred_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> tuple[dict[str, Any], str]:
    """A business licence filed without its premises certificate and accepted owing it."""
    return await make_case(client, conn, accepted=True, deferred=["premises"])


async def reviewed_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> tuple[dict[str, Any], str]:
    """The same, agreed by every review stage: the head's decision is next."""
    return await make_reviewed_case(client, conn, deferred=["premises"])


async def decide(
    client: GraphQLClient, case: dict[str, Any], decision: str, reason: str | None
) -> dict[str, Any]:
    head = await client.officer_token("th.scjg.head")
    return await act(
        client,
        head,
        "decideCase",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "decision": decision,
            "resultNumber": "91440106MA5CJQ4N59",
            "reason": reason,
        },
    )


def problems(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    assert result["case"] is None, result
    return [(e["code"], e["problem"], e["field"]) for e in result["userErrors"]]


def history(found: dict[str, Any]) -> list[str]:
    return [e["action"] for e in found["history"]]


async def test_the_catalogue_shows_which_materials_are_deferrable(client: GraphQLClient) -> None:
    data = await client.execute(
        '{ matter(code: "GD-BL-001") { current { materials { code required deferrable } } } }'
    )
    assert [
        (m["code"], m["required"], m["deferrable"]) for m in data["matter"]["current"]["materials"]
    ] == [
        ("application", True, False),
        ("articles", True, False),
        ("id", True, False),
        ("premises", True, True),
        ("name-approval", False, False),
    ]


async def test_an_admin_cannot_defer_an_optional_material_or_every_core_one(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    materials = [
        {"code": "form", "name": "申请表", "deferrable": True},
        {"code": "photo", "name": "照片", "required": False, "deferrable": True},
    ]
    result = (
        await client.execute(
            CREATE, {"code": "TH-X-DEFER", "spec": spec(ids, materials=materials)}, token=admin
        )
    )["createMatter"]
    assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [
        ("spec.materials[1].deferrable", "DEFERRABLE_NOT_REQUIRED"),
        ("spec.materials", "NO_CORE_MATERIAL"),
    ]
    fine = [
        {"code": "form", "name": "申请表"},
        {"code": "lease", "name": "租赁合同", "deferrable": True},
    ]
    result = (
        await client.execute(
            CREATE, {"code": "TH-X-DEFER", "spec": spec(ids, materials=fine)}, token=admin
        )
    )["createMatter"]
    assert result["userErrors"] == []


async def test_a_window_accepts_with_the_deferrable_material_owed(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await deferred_case(client, conn)
    seen = await view(client, case["number"], applicant)
    assert (seen["state"], seen["owedDueOn"]) == ("ACCEPTED", "2026-03-09")
    assert {m["materialCode"] for m in case["materials"]} == {"application", "articles", "id"}
    assert [(o["code"], o["name"], o["dueOn"], o["arrivedOn"]) for o in seen["owedMaterials"]] == [
        ("premises", "住所使用证明", "2026-03-09", None)
    ]
    assert seen["owedMaterials"][0]["undertakingSignedAt"] == "2026-03-02T01:30:00+00:00"
    assert {
        "kind": "OWED_MATERIALS",
        "dueOn": "2026-03-09",
        "state": "RUNNING",
        "colour": "GREEN",
    } in seen["deadlines"]
    assert history(seen) == ["SUBMITTED", "ACCEPTED_DEFERRED"]
    assert "SUPPLEMENT" in seen["allowedActions"], "the applicant is offered to bring it"
    row = await conn.fetchrow("SELECT payload FROM case_event WHERE action = 'accepted_deferred'")
    assert row is not None


async def test_a_deferred_acceptance_is_refused_with_every_problem_and_writes_nothing(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant, codes=["application", "articles"]))

    # The ID proof is core: it can never be owed, and without it the case needs a supplement.
    assert problems(await accept(client, case, ["premises", "id"], False)) == [
        ("VALIDATION", "NOT_DEFERRABLE", "deferredMaterialCodes"),
        ("VALIDATION", "UNDERTAKING_REQUIRED", "undertakingSigned"),
    ]
    result = await accept(client, case, ["premises"], True)
    assert problems(result) == [("VALIDATION", "MISSING_MATERIALS", "caseNumber")]
    assert result["userErrors"][0]["message"] == "必要材料不齐全（缺少：id），请一次性告知补正"

    # Filed with everything but the premises certificate: the undertaking is still required.
    complete_but_premises = ok(
        await submit(client, applicant, codes=WITHOUT_PREMISES, key="submit-key-0002")
    )
    assert problems(await accept(client, complete_but_premises, ["premises"], False)) == [
        ("VALIDATION", "UNDERTAKING_REQUIRED", "undertakingSigned")
    ]
    assert problems(await accept(client, complete_but_premises, ["premises", "bogus"], True)) == [
        ("VALIDATION", "UNKNOWN_MATERIAL", "deferredMaterialCodes")
    ]
    # Without naming it, a missing deferrable material is missing like any other.
    assert problems(await accept(client, complete_but_premises, None, False)) == [
        ("VALIDATION", "MISSING_MATERIALS", "caseNumber")
    ]
    full, _ = await make_case(client, conn, key="submit-key-0003")
    assert problems(await accept(client, full, ["premises"], True)) == [
        ("VALIDATION", "NOT_MISSING", "deferredMaterialCodes")
    ]
    assert await conn.fetchval("SELECT count(*) FROM case_owed_material") == 0
    assert await conn.fetchval("SELECT count(*) FROM case_record WHERE state <> 'received'") == 0


async def test_only_the_receiving_window_accepts_with_deferred_materials(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant, codes=WITHOUT_PREMISES))
    variables = {"n": case["number"], "v": case["version"], "d": ["premises"], "u": True}
    result = (await client.execute(ACCEPT, variables, token=applicant))["acceptCase"]
    assert problems(result) == [("FORBIDDEN", "ACTION_NOT_PERMITTED", None)]


async def test_the_owed_material_arrives_through_the_applicants_supplement(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await deferred_case(client, conn)
    client.clock.set(at("2026-03-04", "10:00"))

    # Only what is owed can be brought this way; a reviewer does not bring materials.
    assert problems(await supply(client, applicant, case, ["id"])) == [
        ("VALIDATION", "NOT_OWED", "materials")
    ]
    reviewer = await client.officer_token("th.scjg.reviewer")
    assert problems(await supply(client, reviewer, case, ["premises"])) == [
        ("FORBIDDEN", "ACTION_NOT_PERMITTED", None)
    ]

    case = ok(await supply(client, applicant, case, ["premises"]))
    assert (case["state"], case["owedDueOn"]) == ("ACCEPTED", None)
    seen = await view(client, case["number"], applicant)
    assert [(o["code"], o["dueOn"], o["arrivedOn"]) for o in seen["owedMaterials"]] == [
        ("premises", "2026-03-09", "2026-03-04")
    ]
    assert seen["owedMaterials"][0]["arrivedAt"] == "2026-03-04T02:00:00+00:00"
    clock = next(d for d in seen["deadlines"] if d["kind"] == "OWED_MATERIALS")
    assert clock["state"] == "STOPPED"
    assert history(seen) == ["SUBMITTED", "ACCEPTED_DEFERRED", "OWED_MATERIALS_SUPPLIED"]
    assert "SUPPLEMENT" not in seen["allowedActions"]
    assert (
        await conn.fetchval("SELECT count(*) FROM case_material WHERE material_code = 'premises'")
        == 1
    )

    # Nothing is owed any more: a further "supplement" is refused.
    assert problems(await supply(client, applicant, case, ["premises"])) == [
        ("INVALID_STATE", "NOTHING_OWED", None)
    ]


async def test_while_owed_the_approval_is_one_with_deferred_materials(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await reviewed_case(client, conn)

    assert problems(await decide(client, case, "APPROVED", None)) == [
        ("VALIDATION", "MATERIALS_OWED", "decision")
    ]
    decided = ok(await decide(client, case, "APPROVED_DEFERRED", "住所使用证明容缺，承诺补交"))
    assert (decided["state"], decided["decision"]) == ("APPROVED_DEFERRED", "APPROVED_DEFERRED")

    # The owed clock keeps running after the decision; the material may still arrive.
    seen = await view(client, case["number"], applicant)
    clock = next(d for d in seen["deadlines"] if d["kind"] == "OWED_MATERIALS")
    assert (clock["state"], clock["dueOn"]) == ("RUNNING", "2026-03-09")
    case = ok(await supply(client, applicant, decided, ["premises"]))
    assert (case["state"], case["owedDueOn"]) == ("APPROVED_DEFERRED", None)


async def test_once_everything_arrived_the_approval_is_plain(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await reviewed_case(client, conn)
    case = ok(await supply(client, applicant, case, ["premises"]))
    assert (case["state"], case["owedDueOn"]) == ("UNDER_REVIEW", None)
    assert problems(await decide(client, case, "APPROVED_DEFERRED", "容缺")) == [
        ("VALIDATION", "NOTHING_OWED", "decision")
    ]
    assert ok(await decide(client, case, "APPROVED", None))["state"] == "APPROVED"


async def test_a_case_accepted_without_deferral_owes_nothing(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_case(client, conn, accepted=True)
    seen = await view(client, case["number"], applicant)
    assert (seen["owedDueOn"], seen["owedMaterials"]) == (None, [])
    assert "OWED_MATERIALS" not in {d["kind"] for d in seen["deadlines"]}
    assert "SUPPLEMENT" not in seen["allowedActions"]
    assert problems(await supply(client, applicant, case, ["premises"])) == [
        ("INVALID_STATE", "NOTHING_OWED", None)
    ]


async def test_late_owed_materials_are_warned_and_the_approval_may_be_revoked(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    case, applicant = await reviewed_case(client, conn)
    decided = ok(await decide(client, case, "APPROVED_DEFERRED", "住所使用证明容缺，承诺补交"))

    # Before the due day the handling head may not revoke for the owed material; a reviewer
    # never may.
    head = await client.officer_token("th.scjg.head")
    reviewer = await client.officer_token("th.scjg.reviewer")
    revoke = {
        "number": decided["number"],
        "expectedVersion": decided["version"],
        "reason": "逾期未补交住所使用证明",
    }
    assert problems(await act(client, head, "revokeCase", "", revoke)) == [
        ("INVALID_STATE", "OWED_MATERIALS_NOT_OVERDUE", None)
    ]
    assert problems(await act(client, reviewer, "revokeCase", "", revoke))[0][0] == "FORBIDDEN"

    # Due Monday 9 March: yellow when two working days are left (from Thursday 5 March), red
    # once the due day has passed.
    await sweep(pool, now=at("2026-03-05"), settings=client.settings)
    await sweep(pool, now=at("2026-03-10"), settings=client.settings)
    warnings = await conn.fetch(
        """SELECT w.level, w.resolved_at IS NULL AS open FROM deadline_warning w
           JOIN deadline_clock c ON c.id = w.clock_id WHERE c.kind = 'owed_materials'
           ORDER BY w.raised_at"""
    )
    assert [(w["level"], w["open"]) for w in warnings] == [("yellow", False), ("red", True)]
    client.clock.set(at("2026-03-10", "10:00"))
    supervisor = await client.officer_token("gz.supervisor")
    seen = await view(client, case["number"], supervisor)
    clock = next(d for d in seen["deadlines"] if d["kind"] == "OWED_MATERIALS")
    assert clock["colour"] == "RED"
    # The owed clock's yellow (5 March) and red (10 March), and the delivery clock's yellow.
    assert history(seen)[6:8] == ["DECIDED", "LICENCE_ISSUED"]  # 营业执照 (电子证照)
    assert sorted(history(seen)[8:]) == ["DEADLINE_RED", "DEADLINE_YELLOW", "DEADLINE_YELLOW"]
    warned = (
        await client.execute(
            """{ openWarnings(first: 100) { edges { node {
                 level clock caseNumber department { code } } } } }""",
            token=supervisor,
        )
    )["openWarnings"]["edges"]
    assert [
        (w["node"]["level"], w["node"]["department"]["code"])
        for w in warned
        if w["node"]["caseNumber"] == case["number"] and w["node"]["clock"] == "OWED_MATERIALS"
    ] == [("RED", "TH-SCJG")]

    # Past the due day the handling head revokes the approval for the material never brought.
    client.clock.set(at("2026-03-10", "10:00"))
    revoked = ok(await act(client, head, "revokeCase", "", revoke))
    assert revoked["state"] == "REVOKED"
    seen = await view(client, case["number"], applicant)
    assert seen["owedDueOn"] is None
    assert [(o["code"], o["arrivedOn"]) for o in seen["owedMaterials"]] == [("premises", None)]
    assert next(d for d in seen["deadlines"] if d["kind"] == "OWED_MATERIALS")["state"] == "STOPPED"
    assert (
        await conn.fetchval("SELECT count(*) FROM deadline_warning WHERE resolved_at IS NULL") == 0
    )
