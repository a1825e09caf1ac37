"""Bad input gets a typed error and changes no row."""

from typing import Any

import asyncpg
import pytest
from tests.cases.factories import SUBMIT, make_applicant, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act

TABLES = (
    "applicant",
    "case_record",
    "case_material",
    "case_event",
    "outbox",
    "review_task",
    "supplement_notice",
    "special_procedure",
    "case_number_sequence",
)


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}


PERSON = {
    "kind": "PERSON",
    "name": "李四",
    "idNumber": "11010519491231002X",
    "mobile": "13912345678",
}
ORGANISATION = {
    "kind": "ORGANISATION",
    "name": "厦门某公司",
    "creditCode": "91350100M000100Y43",
    "legalRepresentative": "王五",
    "mobile": "13912345678",
}

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "invalid ID number",
        {"applicant": PERSON | {"idNumber": "110105194912310021"}},
        "input.applicant.idNumber",
        "INVALID_IDENTIFIER",
    ),
    (
        "invalid credit code",
        {"applicant": ORGANISATION | {"creditCode": "91350100M000100Y44"}},
        "input.applicant.creditCode",
        "INVALID_IDENTIFIER",
    ),
    (
        "credit code with I",
        {"applicant": ORGANISATION | {"creditCode": "91350100I000100Y43"}},
        "input.applicant.creditCode",
        "INVALID_IDENTIFIER",
    ),
    (
        "invalid mobile",
        {"applicant": PERSON | {"mobile": "12345"}},
        "input.applicant.mobile",
        "INVALID_IDENTIFIER",
    ),
    ("unknown matter", {"matter": "NO-SUCH-MATTER"}, "input.matterCode", "UNKNOWN_MATTER"),
    ("unknown region", {"region": "440199"}, "input.regionCode", "UNKNOWN_REGION"),
    ("malformed region", {"region": "44A"}, "input.regionCode", "INVALID_REGION"),
    ("bad idempotency key", {"key": "x"}, "input.idempotencyKey", "INVALID_KEY"),
]


@pytest.mark.parametrize(("label", "change", "field", "problem"), CASES, ids=[c[0] for c in CASES])
async def test_bad_submission_is_typed_and_writes_nothing(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    label: str,
    change: dict[str, Any],
    field: str,
    problem: str | None,
) -> None:
    window = await client.officer_token("th.shipai.window")
    before = await row_counts(conn)
    kwargs: dict[str, Any] = {"applicant": PERSON} | change
    result = await submit(client, window, **kwargs)
    assert result["case"] is None
    error = result["userErrors"][0]
    assert error["field"] == field, result["userErrors"]
    assert error["problem"]  # every user error names its rule
    if problem:
        assert error["problem"] == problem
    assert await row_counts(conn) == before


async def test_an_early_credit_code_on_the_allow_list_is_accepted(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    result = await submit(
        client, window, applicant=ORGANISATION | {"creditCode": "91350211M00013FA1N"}
    )
    assert result["userErrors"] == []


async def test_an_oversized_file_and_a_forbidden_type_are_typed_errors(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    before = await row_counts(conn)
    limit = client.settings.max_upload_bytes
    variables = {
        "input": {
            "matterCode": "GD-BL-001",
            "regionCode": "440106005",
            "idempotencyKey": "too-big-0001",
            "materials": [
                {"materialCode": "application", "file": None},
                {"materialCode": "articles", "file": None},
            ],
        }
    }
    files = {
        "input.materials.0.file": ("big.pdf", b"%PDF-" + b"0" * limit, "application/pdf"),
        "input.materials.1.file": ("tool.exe", b"MZ\x90\x00", "application/x-msdownload"),
    }
    data = await client.upload(SUBMIT, variables, files, token=applicant)
    errors = data["submitCase"]["userErrors"]
    assert {(e["field"], e["problem"]) for e in errors} == {
        ("input.materials[0].file", "FILE_TOO_LARGE"),
        ("input.materials[1].file", "CONTENT_TYPE_NOT_ALLOWED"),
    }
    assert await row_counts(conn) == before


async def test_an_action_in_the_wrong_state_names_the_state_and_allowed_actions(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = (await submit(client, applicant))["case"]
    head = await client.officer_token("th.scjg.head")
    before = await row_counts(conn)
    result = await act(
        client,
        head,
        "extendDeadline",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "reason": "复杂",
        },
    )
    error = result["userErrors"][0]
    assert error["code"] == "INVALID_STATE"
    assert error["details"]["state"] == "received"
    assert "accept" in error["details"]["allowedActions"]
    assert error["message"] == "办件当前为“已收件”状态，不能延长办理时限"
    assert await row_counts(conn) == before


async def test_a_stale_version_is_a_conflict_carrying_the_current_version(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = (await submit(client, applicant))["case"]
    window = await client.officer_token("th.shipai.window")
    before = await row_counts(conn)
    result = await act(
        client,
        window,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"] - 1},
    )
    error = result["userErrors"][0]
    assert (error["code"], error["details"]["currentVersion"]) == ("CONFLICT", case["version"])
    assert error["message"] == f"办件已被他人更新（当前为第 {case['version']} 版），请刷新后重试"
    assert await row_counts(conn) == before


async def test_an_incomplete_supplement_notice_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = (await submit(client, applicant, codes=["application", "articles"]))["case"]
    window = await client.officer_token("th.shipai.window")
    before = await row_counts(conn)
    result = await act(
        client,
        window,
        "requestSupplement",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "materialCodes": ["id"],
            "note": "",
        },
    )
    assert result["userErrors"][0]["problem"] == "INCOMPLETE_NOTICE"
    assert "premises" in result["userErrors"][0]["message"]
    result = await act(
        client,
        window,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"]},
    )
    assert result["userErrors"][0]["problem"] == "MISSING_MATERIALS"
    assert await row_counts(conn) == before
