"""Review operations beyond the main scenario: transfer, pauses, supplements, extension,
sequential stages, deferred-materials approval, revocation, withdrawal."""

import asyncpg
from tests.cases.factories import make_applicant, make_case, make_reviewed_case, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act, complete, department_id, ok


async def test_special_procedure_pauses_and_resumes(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    head = await client.officer_token("th.scjg.head")
    mutation = 'mutation ($n: String!, $v: Int!) { startSpecialProcedure(number: $n, expectedVersion: $v, kind: EXPERT_REVIEW, expectedDays: 10, reason: "需专家评审") { case { state version } userErrors { code } } }'
    started = (
        await client.execute(mutation, {"n": case["number"], "v": case["version"]}, token=head)
    )["startSpecialProcedure"]
    assert started["case"]["state"] == "SPECIAL_PROCEDURE"
    # Reviewing is not possible while paused.
    task = next(t for t in case["tasks"] if t["department"]["code"] == "TH-SWJ")
    swj = await client.officer_token("th.swj.reviewer")
    blocked = await act(
        client,
        swj,
        "completeTask",
        "",
        {
            "number": case["number"],
            "expectedVersion": started["case"]["version"],
            "taskId": task["id"],
            "opinion": "AGREE",
            "comment": "",
        },
    )
    assert blocked["userErrors"][0]["code"] == "INVALID_STATE"
    end = "mutation ($n: String!, $v: Int!) { endSpecialProcedure(number: $n, expectedVersion: $v) { case { state } userErrors { code } } }"
    ended = (
        await client.execute(
            end, {"n": case["number"], "v": started["case"]["version"]}, token=head
        )
    )["endSpecialProcedure"]
    assert ended["case"]["state"] == "UNDER_REVIEW"
    row = await conn.fetchrow(
        "SELECT kind, expected_days, started_on, ended_on FROM special_procedure"
    )
    assert (row["kind"], row["expected_days"]) == ("expert_review", 10) and row[
        "ended_on"
    ] is not None


async def test_supplement_during_review_pauses_then_returns_to_review(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_case(client, conn, accepted=True)
    reviewer = await client.officer_token("th.gafj.reviewer")
    case = ok(
        await act(
            client,
            reviewer,
            "requestSupplement",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "materialCodes": ["premises"],
                "note": "住所证明不清晰",
            },
        )
    )
    assert case["state"] == "REVIEW_SUPPLEMENT"
    data = await client.upload(
        "mutation ($n: String!, $v: Int!, $m: [MaterialUpload!]!) { supplementCase(number: $n, expectedVersion: $v, materials: $m) { case { state } userErrors { code } } }",
        {
            "n": case["number"],
            "v": case["version"],
            "m": [{"materialCode": "premises", "file": None}],
        },
        {"m.0.file": ("premises2.pdf", b"%PDF-1.4 clearer", "application/pdf")},
        token=applicant,
    )
    assert data["supplementCase"]["case"]["state"] == "UNDER_REVIEW"
    assert await conn.fetchval("SELECT supplement_count FROM case_record") == 1


async def test_one_extension_only(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    head = await client.officer_token("th.scjg.head")
    first = await act(
        client,
        head,
        "extendDeadline",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "reason": "情况复杂"},
    )
    extended = ok(first)
    days = await conn.fetchval("SELECT extension_days FROM case_record")
    assert days == 15, "the business licence is handled jointly (Art. 26): +15"
    second = await act(
        client,
        head,
        "extendDeadline",
        "",
        {"number": case["number"], "expectedVersion": extended["version"], "reason": "再延"},
    )
    assert (second["userErrors"][0]["code"], second["userErrors"][0]["problem"]) == (
        "CONFLICT",
        "ALREADY_EXTENDED",
    )


async def test_transfer_to_another_region_keeps_the_number_and_receiving_region(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    head = await client.officer_token("th.scjg.head")
    yuexiu = await department_id(conn, "YX-SCJG")
    moved = ok(
        await act(
            client,
            head,
            "transferCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "departmentId": yuexiu,
                "reason": "住所位于越秀区",
            },
        )
    )
    assert (moved["number"], moved["receivingRegionCode"], moved["handlingRegionCode"]) == (
        case["number"],
        "440106005",
        "440104",
    )
    wrong = await act(
        client,
        head,
        "handUp",
        "",
        {
            "number": case["number"],
            "expectedVersion": moved["version"],
            "departmentId": yuexiu,
            "reason": "x",
        },
    )
    assert wrong["userErrors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND"), (
        "Tianhe no longer handles it"
    )


async def test_hand_up_goes_only_upwards(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    head = await client.officer_token("th.scjg.head")
    sideways = await act(
        client,
        head,
        "handUp",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "departmentId": await department_id(conn, "YX-SCJG"),
            "reason": "x",
        },
    )
    assert sideways["userErrors"][0]["problem"] == "NOT_HIGHER_LEVEL"


async def test_sequential_stage_opens_departments_one_after_another(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    case = ok(
        await submit(
            client,
            token,
            matter="GZ-PUBLIC-RENTAL",
            region="440106005",
            codes=["application", "hukou", "income", "housing"],
        )
    )
    window = await client.officer_token("th.shipai.window")
    case = ok(
        await act(
            client,
            window,
            "acceptCase",
            "",
            {"number": case["number"], "expectedVersion": case["version"]},
        )
    )
    assert [(t["department"]["code"], t["state"]) for t in case["tasks"]] == [("TH-SPJD", "OPEN")]
    case = await complete(client, "th.shipai.window", case, "TH-SPJD", "AGREE")
    assert sorted(
        (t["department"]["code"], t["state"]) for t in case["tasks"] if t["stageIndex"] == 1
    ) == [("TH-MZJ", "OPEN"), ("TH-ZJJ", "OPEN")]


async def test_deferred_approval_revocation_and_withdrawal(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_reviewed_case(client, conn, deferred=["premises"])
    head = await client.officer_token("th.scjg.head")
    missing_reason = await act(
        client,
        head,
        "decideCase",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "decision": "APPROVED_DEFERRED",
            "resultNumber": "R-1",
            "reason": None,
        },
    )
    assert missing_reason["userErrors"][0]["field"] == "reason"
    case = ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED_DEFERRED",
                "resultNumber": "R-1",
                "reason": "住所使用证明后补",
            },
        )
    )
    assert (case["state"], case["decision"]) == ("APPROVED_DEFERRED", "APPROVED_DEFERRED")
    late = await act(
        client,
        applicant,
        "withdrawCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "reason": None},
    )
    assert late["userErrors"][0]["code"] == "INVALID_STATE", "no withdrawal after a decision"
    admin = await client.officer_token("admin")
    case = ok(
        await act(
            client,
            admin,
            "revokeCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "reason": "以欺骗手段取得许可",
            },
        )
    )
    assert case["state"] == "REVOKED"


async def test_a_good_rating_opens_no_follow_up_and_rating_is_once(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_reviewed_case(client, conn)
    head = await client.officer_token("th.scjg.head")
    case = ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "DENIED",
                "resultNumber": None,
                "reason": "名称与已登记企业重复",
            },
        )
    )
    case = ok(
        await act(
            client,
            applicant,
            "rateCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "rating": 1,
                "comment": "很满意",
            },
        )
    )
    assert [t for t in case["tasks"] if t["kind"] == "FOLLOW_UP"] == []
    again = await act(
        client,
        applicant,
        "rateCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "rating": 4, "comment": ""},
    )
    assert again["userErrors"][0]["problem"] == "ALREADY_RATED"
