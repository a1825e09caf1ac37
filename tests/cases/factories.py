"""Plain factory functions for case tests."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, complete, ok

from tongban.auth.types import Principal
from tongban.cases import applicant_repository as applicant_repo
from tongban.cases.types import ApplicantInput, UploadedFile

PDF = b"%PDF-1.4 tongban test material\n"

SUBMIT = f"""mutation ($input: SubmitCaseInput!) {{
  submitCase(input: $input) {{ created {PAYLOAD} }} }}"""


async def make_applicant(conn: asyncpg.Connection, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "kind": "person",
        "name": "陈小明",
        "id_number": "440524188001015368",
        "mobile": "13800138000",
        "email": "xiaoming@example.cn",
        "channels": ("sms", "email"),
    } | overrides
    applicant, _ = await applicant_repo.find_or_create_applicant(
        conn, applicant=ApplicantInput(**values)
    )
    return applicant.id


BUSINESS_LICENCE_CODES = ("application", "articles", "id", "premises")


def uploaded_files(codes: tuple[str, ...] = BUSINESS_LICENCE_CODES) -> list[UploadedFile]:
    """The materials as the service receives them (tests that file below the API)."""
    return [
        UploadedFile(
            material_code=c,
            filename=f"{c}.pdf",
            content_type="application/pdf",
            data=PDF + c.encode(),
        )
        for c in codes
    ]


async def window_principal(conn: asyncpg.Connection) -> Principal:
    """The 石牌街道 intake window as a signed-in officer (tests that act below the API)."""
    row = await conn.fetchrow(
        """SELECT o.id::text, o.department_id::text, d.region_code FROM officer o
           JOIN department d ON d.id = o.department_id WHERE o.username = 'th.shipai.window'"""
    )
    return Principal(
        kind="officer",
        subject="officer:window",
        name="窗口",
        officer_id=row["id"],
        department_id=row["department_id"],
        region_code=row["region_code"],
        roles=frozenset({"intake"}),
        clearance=1,
    )


def files_for(codes: list[str]) -> dict[str, tuple[str, bytes, str]]:
    return {
        f"input.materials.{i}.file": (f"{code}.pdf", PDF + code.encode(), "application/pdf")
        for i, code in enumerate(codes)
    }


async def submit(
    client: GraphQLClient,
    token: str,
    *,
    matter: str = "GD-BL-001",
    region: str = "440106005",
    codes: list[str] | None = None,
    key: str = "submit-key-0001",
    applicant: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
) -> dict[str, Any]:
    codes = ["application", "articles", "id", "premises"] if codes is None else codes
    variables = {
        "input": {
            "matterCode": matter,
            "regionCode": region,
            "idempotencyKey": key,
            "formData": form or {"companyName": "广州通办科技有限公司", "capital": 1000000},
            "materials": [{"materialCode": c, "file": None} for c in codes],
            "applicant": applicant,
        }
    }
    data = await client.upload(SUBMIT, variables, files_for(codes), token=token)
    result: dict[str, Any] = data["submitCase"]
    return result


async def make_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    *,
    accepted: bool = False,
    window: str = "th.shipai.window",
    applicant_record: dict[str, Any] | None = None,
    deferred: list[str] | None = None,
    **submission: Any,
) -> tuple[dict[str, Any], str]:
    """The one case builder: a new applicant (``applicant_record`` overrides make_applicant's) files a case
    (``submission``: matter, region, codes, key, form …); with ``accepted``, the intake officer
    ``window`` accepts it — with ``deferred`` materials owed on the applicant's undertaking
    (容缺受理), filed without them. Returns the case and the applicant's token."""
    if deferred:
        codes = submission.get("codes") or list(BUSINESS_LICENCE_CODES)
        submission["codes"] = [c for c in codes if c not in deferred]
    token = client.applicant_token(await make_applicant(conn, **(applicant_record or {})))
    case = ok(await submit(client, token, **submission))
    if accepted:
        intake = await client.officer_token(window)
        case = ok(
            await act(
                client,
                intake,
                "acceptCase",
                "",
                {"number": case["number"], "expectedVersion": case["version"]}
                | (
                    {"deferredMaterialCodes": deferred, "undertakingSigned": True}
                    if deferred
                    else {}
                ),
            )
        )
    return case, token


async def make_reviewed_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    applicant_record: dict[str, Any] | None = None,
    *,
    deferred: list[str] | None = None,
) -> tuple[dict[str, Any], str]:
    """A business licence accepted by Tianhe (owing ``deferred`` materials, 容缺受理) and agreed
    by every review stage, waiting for the head's decision; and its applicant's token
    (``applicant_record`` as for make_case)."""
    case, applicant = await make_case(
        client, conn, accepted=True, applicant_record=applicant_record, deferred=deferred
    )
    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        case = await complete(client, username, case, department, "AGREE")
    return case, applicant


async def accepted_withdrawal(client: GraphQLClient, conn: asyncpg.Connection) -> dict[str, Any]:
    """A housing-fund withdrawal (promised 3, statutory 5, stage 3), accepted at the clock's time
    (Monday 2026-03-02 unless a test moved it)."""
    case, _ = await make_case(
        client,
        conn,
        accepted=True,
        window="gz.gjj.intake",
        matter="GZ-HPF-WITHDRAW",
        region="440100",
        codes=["id", "contract", "invoice"],
    )
    return case


async def publish_matter(
    client: GraphQLClient, conn: asyncpg.Connection, code: str, **overrides: Any
) -> dict[str, Any]:
    """A matter created and published by the provincial administrator through GraphQL: a
    Tianhe food licence (materials application and licence; 现场核查 by TH-SCJG, then 会签 with
    GZ-SCJG) unless ``overrides`` (MatterSpecInput fields) say otherwise."""
    from tests.catalogue.test_catalogue import CREATE, PUBLISH, department_ids, spec

    admin = await client.officer_token("admin")
    created = await client.execute(
        CREATE, {"code": code, "spec": spec(await department_ids(conn), **overrides)}, token=admin
    )
    assert created["createMatter"]["userErrors"] == [], created
    published = await client.execute(PUBLISH, {"code": code}, token=admin)
    assert published["publishMatter"]["userErrors"] == [], published
    version: dict[str, Any] = published["publishMatter"]["version"]
    return version
