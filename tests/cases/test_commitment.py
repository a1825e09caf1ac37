"""告知承诺制 through GraphQL: the catalogue shows the conditions to anyone; an applicant commits
in writing instead of the replaced proofs; the window approves at once (即办); the handling
department verifies afterwards on its own clock (事中事后核查), and a false commitment revokes
the approval and leaves a credit record (失信记录)."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import pytest
from tests.cases.factories import PDF, SUBMIT, make_applicant, make_case
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, at, complete, ok

from tongban import db
from tongban.deadlines.enforcement import sweep

MATTER = "TH-DRUG-RETAIL"
# What the applicant still files: the commitment stands in for premises, pharmacist, rules.
KEPT = ["application", "id"]
TERMS = """query ($c: String!) { matter(code: $c) { current {
  commitmentAllowed commitment { conditions conditionsHash replacesAllMaterials
  replacedMaterialCodes verificationDays } } } }"""
APPROVE = f"""mutation ($n: String!, $v: Int!, $r: String!) {{
  approveOnCommitment(number: $n, expectedVersion: $v, resultNumber: $r) {{ {PAYLOAD} }} }}"""
VERIFY = """mutation ($n: String!, $v: Int!, $f: String!) {{
  {name}(number: $n, expectedVersion: $v, findings: $f) {{ {payload} }} }}"""
DETAIL = """query ($n: String!) { case(number: $n) {
  state stateCode decision resultNumber acceptedOn terminalReason allowedActions
  commitment { conditionsHash committedAt verificationOutcome verifiedAt }
  applicant { creditRecords { kind caseNumber findings recordedOn } }
  tasks { kind state stageName comment department { code }
          deadline { kind state dueOn } }
  deadlines { kind state dueOn }
  materials { materialCode name }
  history { action reason } } }"""
WORKLIST = """{ worklist(first: 50) { edges { node { kind state stageName case { number } } } } }"""
FALSE = "现场检查发现未配备执业药师，经营场所面积不足"
TRUE = "现场检查：场所、执业药师及质量管理制度与承诺一致"


async def conditions_hash(client: GraphQLClient, matter: str = MATTER) -> str:
    current = (await client.execute(TERMS, {"c": matter}))["matter"]["current"]
    value: str = current["commitment"]["conditionsHash"]
    return value


async def submit_committed(
    client: GraphQLClient,
    token: str,
    *,
    matter: str = MATTER,
    codes: list[str] | None = None,
    commitment: dict[str, Any] | None = None,
    signed_pdf: bool = True,
    key: str = "commit-key-0001",
) -> dict[str, Any]:
    codes = KEPT if codes is None else codes
    files = {
        f"input.materials.{i}.file": (f"{c}.pdf", PDF + c.encode(), "application/pdf")
        for i, c in enumerate(codes)
    }
    if signed_pdf:
        files["input.commitment.document"] = ("告知承诺书.pdf", PDF + b"signed", "application/pdf")
    variables = {
        "input": {
            "matterCode": matter,
            "regionCode": "440106005",
            "idempotencyKey": key,
            "formData": {"companyName": "广州通办大药房有限公司"},
            "materials": [{"materialCode": c, "file": None} for c in codes],
            "commitment": {
                "accepted": True,
                "conditionsHash": await conditions_hash(client),
                "document": None,
            }
            | (commitment or {}),
        }
    }
    data = await client.upload(SUBMIT, variables, files, token=token)
    result: dict[str, Any] = data["submitCase"]
    return result


async def approved_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> tuple[dict[str, Any], str]:
    """A pharmacy licence filed with a commitment and approved at once by the 石牌 window on
    Monday 2 March 2026; and the applicant's token."""
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit_committed(client, applicant))
    window = await client.officer_token("th.shipai.window")
    case = ok(await approve(client, window, case))
    return case, applicant


async def approve(
    client: GraphQLClient, token: str, case: dict[str, Any], result: str = "粤AA0201001"
) -> dict[str, Any]:
    data = await client.execute(
        APPROVE, {"n": case["number"], "v": case["version"], "r": result}, token=token
    )
    payload: dict[str, Any] = data["approveOnCommitment"]
    return payload


async def verify(
    client: GraphQLClient, token: str, name: str, case: dict[str, Any], findings: str
) -> dict[str, Any]:
    data = await client.execute(
        VERIFY.format(name=name, payload=PAYLOAD),
        {"n": case["number"], "v": case["version"], "f": findings},
        token=token,
    )
    payload: dict[str, Any] = data[name]
    return payload


def problem(result: dict[str, Any]) -> tuple[str, str, str | None]:
    assert result["case"] is None, result
    error = result["userErrors"][0]
    return error["code"], error["problem"], error["field"]


async def detail(client: GraphQLClient, number: str, token: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client.execute(DETAIL, {"n": number}, token=token))["case"]
    return found


async def test_anyone_reads_the_conditions_a_matter_asks_a_commitment_to(
    client: GraphQLClient,
) -> None:
    current = (await client.execute(TERMS, {"c": MATTER}))["matter"]["current"]
    terms = current["commitment"]
    assert current["commitmentAllowed"] is True
    assert terms["conditions"].startswith("本企业承诺：经营场所合法有效")
    assert terms["conditionsHash"] == hashlib.sha256(terms["conditions"].encode()).hexdigest()
    assert terms["replacesAllMaterials"] is False
    assert terms["replacedMaterialCodes"] == ["premises", "pharmacist", "quality-rules"]
    # The matter sets no period: TONGBAN_COMMITMENT_VERIFICATION_DAYS, 20 working days.
    assert terms["verificationDays"] == 20

    other = (await client.execute(TERMS, {"c": "GD-BL-001"}))["matter"]["current"]
    assert other == {"commitmentAllowed": False, "commitment": None}


async def test_a_commitment_is_refused_where_the_matter_does_not_allow_it_or_is_unsigned(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    result = await submit_committed(
        client, applicant, matter="GD-BL-001", codes=["application"], key="commit-key-no"
    )
    assert problem(result) == ("VALIDATION", "COMMITMENT_NOT_ALLOWED", "input.commitment")

    unsigned = await submit_committed(
        client, applicant, commitment={"accepted": False}, signed_pdf=False, key="commit-key-un"
    )
    assert problem(unsigned) == ("VALIDATION", "COMMITMENT_NOT_SIGNED", "input.commitment.accepted")

    stale = await submit_committed(
        client, applicant, commitment={"conditionsHash": "0" * 64}, key="commit-key-stale"
    )
    assert problem(stale) == (
        "VALIDATION",
        "COMMITMENT_CONDITIONS_CHANGED",
        "input.commitment.conditionsHash",
    )
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 0, "nothing half-written"


async def test_the_window_approves_on_the_commitment_at_once_and_verification_opens(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit_committed(client, applicant))
    number = case["number"]
    window = await client.officer_token("th.shipai.window")
    data = await detail(client, number, window)
    assert data["commitment"]["conditionsHash"] == await conditions_hash(client)
    assert data["commitment"]["verificationOutcome"] is None
    assert sorted(m["materialCode"] for m in data["materials"]) == [
        "application",
        "commitment",
        "id",
    ]
    assert "APPROVE_ON_COMMITMENT" in data["allowedActions"]
    # Nobody else approves on it: not the applicant, not another department.
    assert problem(await approve(client, applicant, case))[1] == "ACTION_NOT_PERMITTED"
    swj = await client.officer_token("th.swj.reviewer")
    assert problem(await approve(client, swj, case))[0] in ("FORBIDDEN", "NOT_FOUND")
    assert problem(await approve(client, window, case, " ")) == (
        "VALIDATION",
        "RESULT_NUMBER_REQUIRED",
        "resultNumber",
    )

    case = ok(await approve(client, window, case))
    assert (case["state"], case["stateCode"], case["decision"]) == ("APPROVED", "11", "APPROVED")
    assert (case["acceptedOn"], case["resultNumber"]) == ("2026-03-02", "粤AA0201001")
    assert [
        (t["kind"], t["state"], t["stageName"], t["department"]["code"]) for t in case["tasks"]
    ] == [("VERIFICATION", "OPEN", "事中事后核查", "TH-SCJG")], (
        "no review stages: the verification is the only task"
    )

    data = await detail(client, number, window)
    clocks = {d["kind"]: (d["state"], d["dueOn"]) for d in data["deadlines"]}
    # 20 working days from Monday 2 March 2026: due Monday 30 March (DOMAIN.md's example).
    task = next(t for t in data["tasks"] if t["kind"] == "VERIFICATION")
    assert task["deadline"] == {"kind": "VERIFICATION", "state": "RUNNING", "dueOn": "2026-03-30"}
    assert clocks["DELIVERY"][0] == "RUNNING"
    assert clocks["ONE_NOTICE"][0] == "STOPPED"
    assert "PROMISED" not in clocks and "STATUTORY" not in clocks
    # The approval issued its licence (药品经营许可证, 电子证照).
    assert [e["action"] for e in data["history"][-2:]] == [
        "APPROVED_ON_COMMITMENT",
        "LICENCE_ISSUED",
    ]

    reviewer = await client.officer_token("th.scjg.reviewer")
    worklist = (await client.execute(WORKLIST, token=reviewer))["worklist"]["edges"]
    assert [
        (e["node"]["kind"], e["node"]["state"], e["node"]["stageName"])
        for e in worklist
        if e["node"]["case"]["number"] == number
    ] == [("VERIFICATION", "OPEN", "事中事后核查")]
    actions = (await detail(client, number, reviewer))["allowedActions"]
    assert {"PASS_VERIFICATION", "FAIL_VERIFICATION"} <= set(actions)
    assert "PASS_VERIFICATION" not in (await detail(client, number, window))["allowedActions"]


async def test_the_signed_decision_document_comes_with_the_approval_on_a_commitment(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit_committed(client, applicant))
    window = await client.officer_token("th.shipai.window")
    mutation = """mutation ($n: String!, $v: Int!, $r: String!, $d: Upload) {
      approveOnCommitment(number: $n, expectedVersion: $v, resultNumber: $r, document: $d) {
        case { state decisionDocument { fileName contentType } } userErrors { problem } } }"""
    variables = {"n": case["number"], "v": case["version"], "r": "粤AA0201003", "d": None}
    data = await client.upload(
        mutation,
        variables,
        {"d": ("决定书.pdf", PDF + b"decision", "application/pdf")},
        token=window,
    )
    assert data["approveOnCommitment"] == {
        "case": {
            "state": "APPROVED",
            "decisionDocument": {"fileName": "决定书.pdf", "contentType": "application/pdf"},
        },
        "userErrors": [],
    }


async def test_the_materials_a_commitment_does_not_replace_are_still_required(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit_committed(client, applicant, codes=["application"]))
    window = await client.officer_token("th.shipai.window")
    result = await approve(client, window, case)
    assert problem(result)[:2] == ("VALIDATION", "MISSING_MATERIALS")
    assert "缺少：id）" in result["userErrors"][0]["message"], "only what was not committed to"
    # Nor does the one supplement notice ask for what was committed to.
    supplement = await act(
        client,
        window,
        "requestSupplement",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "materialCodes": ["id"]},
    )
    assert ok(supplement)["state"] == "SUPPLEMENT_REQUESTED"


async def test_a_committed_case_reviewed_the_usual_way_is_verified_after_its_approval(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit_committed(client, applicant))
    window = await client.officer_token("th.shipai.window")
    variables = {"number": case["number"], "expectedVersion": case["version"]}
    case = ok(await act(client, window, "acceptCase", "", variables))
    assert [t["kind"] for t in case["tasks"]] == ["REVIEW"]
    case = await complete(client, "th.scjg.reviewer", case, "TH-SCJG", "AGREE")
    head = await client.officer_token("th.scjg.head")
    decision = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "decision": "APPROVED",
        "resultNumber": "粤AA0201002",
    }
    case = ok(await act(client, head, "decideCase", "", decision))
    assert [(t["kind"], t["state"]) for t in case["tasks"]] == [
        ("REVIEW", "COMPLETED"),
        ("VERIFICATION", "OPEN"),
    ]


async def test_a_case_filed_without_a_commitment_is_not_approved_on_one(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(
        client,
        conn,
        matter=MATTER,
        codes=["application", "id", "premises", "pharmacist", "quality-rules"],
    )
    window = await client.officer_token("th.shipai.window")
    assert problem(await approve(client, window, case))[:2] == ("CONFLICT", "NO_COMMITMENT")
    data = await detail(client, case["number"], window)
    assert data["commitment"] is None
    assert "APPROVE_ON_COMMITMENT" not in data["allowedActions"]


async def test_a_passed_verification_closes_its_task_and_clock(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    case, _ = await approved_case(client, conn)
    number = case["number"]
    reviewer = await client.officer_token("th.scjg.reviewer")

    # Supervision warns on the verification's clock like on any other: yellow when 7 of the
    # 20 working days are left (after Thursday 19 March's 13th).
    await sweep(pool, now=at("2026-03-19"), settings=client.settings)
    assert await conn.fetch(
        """SELECT w.level, c.kind FROM deadline_warning w JOIN deadline_clock c
           ON c.id = w.clock_id WHERE w.resolved_at IS NULL AND c.kind = 'verification'"""
    ) == [("yellow", "verification")]

    assert problem(await verify(client, reviewer, "passVerification", case, " ")) == (
        "VALIDATION",
        "FINDINGS_REQUIRED",
        "findings",
    )
    client.clock.set(at("2026-03-20", "10:00"))
    case = ok(await verify(client, reviewer, "passVerification", case, TRUE))
    assert case["state"] == "APPROVED", "the approval stands"
    assert (
        await conn.fetchval(
            """SELECT count(*) FROM deadline_warning w JOIN deadline_clock c ON c.id = w.clock_id
           WHERE w.resolved_at IS NULL AND c.kind = 'verification'"""
        )
        == 0
    ), "the yellow warning closed with the verification"

    data = await detail(client, number, reviewer)
    task = next(t for t in data["tasks"] if t["kind"] == "VERIFICATION")
    assert (task["state"], task["comment"]) == ("COMPLETED", TRUE)
    assert task["deadline"] == {"kind": "VERIFICATION", "state": "STOPPED", "dueOn": "2026-03-30"}
    assert data["commitment"]["verificationOutcome"] == "PASSED"
    assert data["commitment"]["verifiedAt"].startswith("2026-03-20T02:00:00")
    assert data["history"][-1] == {"action": "VERIFICATION_PASSED", "reason": TRUE}
    assert data["applicant"]["creditRecords"] == []
    assert problem(await verify(client, reviewer, "failVerification", case, FALSE))[1] == (
        "NO_OPEN_VERIFICATION"
    )


async def test_a_false_commitment_revokes_the_approval_and_leaves_a_credit_record(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await approved_case(client, conn)
    number = case["number"]
    window = await client.officer_token("th.shipai.window")
    case = ok(
        await act(
            client,
            window,
            "deliverCase",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "delivery": {"method": "WINDOW", "recipientName": "陈小明"},
            },
        )
    )

    # Only the verifying department records the outcome.
    swj = await client.officer_token("th.swj.reviewer")
    for token in (window, applicant, swj):
        assert problem(await verify(client, token, "failVerification", case, FALSE))[1] in (
            "ACTION_NOT_PERMITTED",
            "CASE_NOT_FOUND",
        )

    head = await client.officer_token("th.scjg.head")
    client.clock.set(at("2026-03-10", "15:00"))
    case = ok(await verify(client, head, "failVerification", case, FALSE))
    assert (case["state"], case["stateCode"]) == ("REVOKED", "15")

    data = await detail(client, number, head)
    assert data["terminalReason"] == f"告知承诺不实：{FALSE}"
    assert data["commitment"]["verificationOutcome"] == "FAILED"
    task = next(t for t in data["tasks"] if t["kind"] == "VERIFICATION")
    assert (task["state"], task["deadline"]["state"]) == ("COMPLETED", "STOPPED")
    assert all(d["state"] == "STOPPED" for d in data["deadlines"])
    # Revoking the approval revoked its licence too.
    assert data["history"][-2:] == [
        {"action": "COMMITMENT_REVOKED", "reason": FALSE},
        {"action": "LICENCE_REVOKED", "reason": f"告知承诺不实：{FALSE}"},
    ]
    record = {
        "kind": "FALSE_COMMITMENT",
        "caseNumber": number,
        "findings": FALSE,
        "recordedOn": "2026-03-10",
    }
    assert data["applicant"]["creditRecords"] == [record]
    # The applicant sees their own record too; nothing else of the case can be done.
    own = await detail(client, number, applicant)
    assert own["applicant"]["creditRecords"] == [record]
    assert "FAIL_VERIFICATION" not in data["allowedActions"]
    assert await conn.fetchval("SELECT count(*) FROM credit_record") == 1


async def test_an_administrators_revocation_leaves_nothing_to_verify(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await approved_case(client, conn)
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
                "reason": "申请人申请注销",
            },
        )
    )
    assert case["state"] == "REVOKED"
    assert [(t["kind"], t["state"]) for t in case["tasks"]] == [("VERIFICATION", "CANCELLED")]
    reviewer = await client.officer_token("th.scjg.reviewer")
    data = await detail(client, case["number"], reviewer)
    assert data["tasks"][0]["deadline"]["state"] == "STOPPED"
    assert "PASS_VERIFICATION" not in data["allowedActions"]
    assert data["applicant"]["creditRecords"] == [], "no credit record without a false commitment"


@pytest.fixture
async def pool(client: GraphQLClient) -> Any:
    p = await db.create_pool(client.settings)
    yield p
    await p.close()
