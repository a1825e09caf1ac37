"""电子证照 end to end through the API: an approval issues a signed licence, anyone verifies it
by number and document hash (and offline with the published key), the holder reuses it as a
material of a later case instead of an upload (免提交), and revoking the decision revokes it."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tests.cases.factories import files_for, make_applicant, make_reviewed_case, publish_matter
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, ok

from tongban.licences.service import valid_until
from tongban.licences.types import Licence

LICENCE = """id number typeCode typeName holderName holderIdentifier issuer resultNumber issuedOn
  validFrom validUntil status sha256 signature keyId downloadUrl"""
CASE_LICENCE = f"""query ($n: String!) {{ case(number: $n) {{
  licence {{ {LICENCE} }}
  materials {{ materialCode name downloadUrl licence {{ number status }} }} }} }}"""
MY_LICENCES = f"{{ myLicences {{ {LICENCE} }} }}"
REUSABLE = """query ($code: String!) { matter(code: $code) { current { materials {
  code licenceType reusableLicences { number } } } } }"""
SUBMIT = f"""mutation ($input: SubmitCaseInput!) {{
  submitCase(input: $input) {{ created {PAYLOAD} }} }}"""
FOOD = "TH-FOOD-LIC"


async def approved_business_licence(
    client: GraphQLClient, conn: asyncpg.Connection, **applicant: Any
) -> tuple[dict[str, Any], str]:
    """GD-BL-001 (营业执照) approved by Tianhe's head; the case and the applicant's token."""
    case, token = await make_reviewed_case(client, conn, applicant_record=applicant or None)
    head = await client.officer_token("th.scjg.head")
    decision = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "decision": "APPROVED",
        "resultNumber": "穗天市监内设字〔2026〕第0302号",
    }
    return ok(await act(client, head, "decideCase", "", decision)), token


async def food_matter(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    """A later matter that takes the business licence as a required material (免提交)."""
    await publish_matter(
        client,
        conn,
        FOOD,
        materials=[
            {"code": "application", "name": "食品经营许可申请书", "form": "ORIGINAL"},
            {
                "code": "business-licence",
                "name": "营业执照",
                "eLicenceAccepted": True,
                "licenceType": "YYZZ",
            },
        ],
        licence={"typeCode": "SPJY", "typeName": "食品经营许可证", "validityYears": 5},
    )


async def file_food_case(
    client: GraphQLClient,
    token: str,
    licences: list[dict[str, str]],
    key: str,
    *,
    matter: str = FOOD,
    applicant: dict[str, str] | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {
            "matterCode": matter,
            "applicant": applicant,
            "regionCode": "440106005",
            "idempotencyKey": key,
            "formData": {"shopName": "通办小食店"},
            "materials": [{"materialCode": "application", "file": None}],
            "licences": licences,
        }
    }
    data = await client.upload(SUBMIT, variables, files_for(["application"]), token=token)
    result: dict[str, Any] = data["submitCase"]
    return result


async def verify(client: GraphQLClient, number: str, sha256: str) -> dict[str, Any]:
    answer = await client.http.get("/licences/verify", params={"number": number, "sha256": sha256})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_licence_is_issued_verified_reused_and_revoked(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, holder = await approved_business_licence(client, conn)
    number = f"YYZZ-{case['number']}"

    # Issued with the approval: the holder lists it and downloads the signed PDF.
    mine = (await client.execute(MY_LICENCES, token=holder))["myLicences"]
    assert len(mine) == 1
    licence = mine[0]
    assert {k: licence[k] for k in ("number", "typeCode", "typeName", "holderName", "issuer")} == {
        "number": number,
        "typeCode": "YYZZ",
        "typeName": "营业执照",
        "holderName": "陈小明",
        "issuer": "天河区市场监督管理局",
    }
    assert licence["holderIdentifier"] == "440524188001015368"  # the holder sees their own
    assert (licence["issuedOn"], licence["validFrom"], licence["validUntil"]) == (
        "2026-03-02",
        "2026-03-02",
        None,  # 营业执照: long-term
    )
    assert (licence["status"], licence["resultNumber"]) == (
        "VALID",
        "穗天市监内设字〔2026〕第0302号",
    )
    pdf = await client.http.get(licence["downloadUrl"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == licence["sha256"]
    history = (
        await client.execute(
            "query ($n: String!) { case(number: $n) { history { action } } }",
            {"n": case["number"]},
            token=holder,
        )
    )["case"]["history"]
    assert [e["action"] for e in history[-2:]] == ["DECIDED", "LICENCE_ISSUED"]

    # Anyone checks the detached signature offline with the published public key …
    keys = (await client.http.get("/licences/signing-keys")).json()["keys"]
    key = next(k for k in keys if k["kid"] == licence["keyId"])
    assert (key["kty"], key["crv"]) == ("OKP", "Ed25519")
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=="))
    public.verify(
        base64.b64decode(licence["signature"]), hashlib.sha256(pdf.content).digest()
    )  # raises InvalidSignature when forged
    # … or online, with no token, by number and hash.
    answer = await verify(client, number, licence["sha256"])
    assert answer == {
        "valid": True,
        "status": "valid",
        "type": "营业执照",
        "typeCode": "YYZZ",
        "number": number,
        "holderName": "陈**",  # a person's name is masked to the public
        "holderIdentifier": "4405**********5368",
        "issuer": "天河区市场监督管理局",
        "issuedOn": "2026-03-02",
        "validFrom": "2026-03-02",
        "validUntil": None,
        "signatureValid": True,
        "documentMatches": True,
        "keyId": licence["keyId"],
    }
    altered = hashlib.sha256(pdf.content + b"%tampered").hexdigest()
    forged = await verify(client, number, altered)
    assert (forged["valid"], forged["signatureValid"], forged["documentMatches"]) == (
        False,
        False,
        False,
    )
    unknown = await verify(client, "YYZZ-0000", licence["sha256"])
    assert unknown == {"valid": False, "status": "unknown", "number": "YYZZ-0000"}
    bad = await client.http.get("/licences/verify", params={"number": number, "sha256": "x"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"] == {
        "code": "VALIDATION",
        "problem": "INVALID_LICENCE_QUERY",
        "field": "sha256",
    }

    # A later matter takes it instead of an upload: offered to the holder, linked, present.
    await food_matter(client, conn)
    offered = (await client.execute(REUSABLE, {"code": FOOD}, token=holder))["matter"]["current"]
    assert [(m["code"], m["licenceType"], m["reusableLicences"]) for m in offered["materials"]] == [
        ("application", None, []),
        ("business-licence", "YYZZ", [{"number": number}]),
    ]
    link = [{"materialCode": "business-licence", "licenceNumber": number}]
    later = ok(await file_food_case(client, holder, link, "food-licence-0001"))
    window = await client.officer_token("th.shipai.window")
    seen = (await client.execute(CASE_LICENCE, {"n": later["number"]}, token=window))["case"]
    linked = next(m for m in seen["materials"] if m["materialCode"] == "business-licence")
    assert linked["licence"] == {"number": number, "status": "VALID"}
    assert linked["name"] == f"营业执照（电子证照 {number}）.pdf"
    document = await client.http.get(linked["downloadUrl"])  # the licence's own document
    assert hashlib.sha256(document.content).hexdigest() == licence["sha256"]
    # Intake finds nothing missing: the linked licence counts as the material.
    variables = {"number": later["number"], "expectedVersion": later["version"]}
    assert ok(await act(client, window, "acceptCase", "", variables))["state"] == "ACCEPTED"

    # Revoking the decision revokes the licence: verification says so, and it is no longer
    # offered nor accepted as a material.
    admin = await client.officer_token("admin")
    revoke = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "reason": "以欺骗手段取得登记",
    }
    revoked = ok(await act(client, admin, "revokeCase", "", revoke))
    assert revoked["state"] == "REVOKED"
    answer = await verify(client, number, licence["sha256"])
    assert (answer["valid"], answer["status"], answer["signatureValid"]) == (False, "revoked", True)
    assert (await client.execute(MY_LICENCES, token=holder))["myLicences"][0]["status"] == "REVOKED"
    offered = (await client.execute(REUSABLE, {"code": FOOD}, token=holder))["matter"]["current"]
    assert all(m["reusableLicences"] == [] for m in offered["materials"])
    refused = await file_food_case(client, holder, link, "food-licence-0002")
    assert refused["case"] is None
    assert [(e["field"], e["problem"]) for e in refused["userErrors"]] == [
        ("input.licences[0]", "LICENCE_REVOKED")
    ]
    events = await conn.fetch(
        """SELECT e.action, e.reason FROM case_event e JOIN case_record c ON c.id = e.case_id
           WHERE c.number = $1 ORDER BY e.seq DESC LIMIT 2""",
        case["number"],
    )
    assert [(e["action"], e["reason"]) for e in events] == [
        ("licence_revoked", "以欺骗手段取得登记"),
        ("revoked", "以欺骗手段取得登记"),
    ]


async def test_only_the_holder_links_a_licence_and_only_where_the_matter_takes_it(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, holder = await approved_business_licence(client, conn)
    number = f"YYZZ-{case['number']}"
    await food_matter(client, conn)
    other = client.applicant_token(
        await make_applicant(
            conn, name="李四", id_number="11010519491231002X", mobile="13900139000"
        )
    )
    # A matter wanting another type of licence (食品经营许可证) does not take a business licence.
    await publish_matter(
        client,
        conn,
        "TH-CATER-LIC",
        materials=[
            {"code": "application", "name": "申请书", "form": "ORIGINAL"},
            {
                "code": "food-licence",
                "name": "食品经营许可证",
                "eLicenceAccepted": True,
                "licenceType": "SPJY",
            },
        ],
    )
    wrong = [{"materialCode": "food-licence", "licenceNumber": number}]
    refused = await file_food_case(client, holder, wrong, "cater-refused-01", matter="TH-CATER-LIC")
    assert [(e["field"], e["problem"]) for e in refused["userErrors"]] == [
        ("input.licences[0]", "LICENCE_WRONG_TYPE")
    ]
    # Someone else's licence is as unknown to them as one that does not exist.
    for token, links, problem in (
        (
            other,
            [{"materialCode": "business-licence", "licenceNumber": number}],
            "LICENCE_NOT_HELD",
        ),
        (
            holder,
            [{"materialCode": "business-licence", "licenceNumber": "YYZZ-X"}],
            "LICENCE_NOT_HELD",
        ),
        (
            holder,
            [{"materialCode": "application", "licenceNumber": number}],
            "LICENCE_NOT_ACCEPTED",
        ),
    ):
        refused = await file_food_case(client, token, links, "food-refused-0001")
        assert refused["case"] is None
        assert [(e["field"], e["problem"]) for e in refused["userErrors"]] == [
            ("input.licences[0]", problem)
        ]
    assert (
        await conn.fetchval("SELECT count(*) FROM case_material WHERE licence_id IS NOT NULL") == 0
    )
    # At a window, the officer links the licence of the applicant they file for.
    window = await client.officer_token("th.shipai.window")
    holder_at_window = {
        "kind": "PERSON",
        "name": "陈小明",
        "idNumber": "440524188001015368",
        "mobile": "13800138000",
    }
    link = [{"materialCode": "business-licence", "licenceNumber": number}]
    filed = ok(
        await file_food_case(client, window, link, "food-window-0001", applicant=holder_at_window)
    )
    seen = (await client.execute(CASE_LICENCE, {"n": filed["number"]}, token=window))["case"]
    assert {m["materialCode"]: m["licence"] for m in seen["materials"]} == {
        "application": None,
        "business-licence": {"number": number, "status": "VALID"},
    }
    # Nobody else lists it; officers see the holder's ID number masked, and only those who
    # work on the case get a download link.
    assert (await client.execute(MY_LICENCES, token=other))["myLicences"] == []
    supervisor = await client.officer_token("gd.supervisor")
    seen = await client.post(CASE_LICENCE, {"n": case["number"]}, token=supervisor)
    visible = seen.json()["data"]["case"]
    if visible is not None:
        assert visible["licence"]["holderIdentifier"] == "4405**********5368"
        assert visible["licence"]["downloadUrl"] is None


async def test_an_officer_download_of_a_licence_is_audited(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await approved_business_licence(client, conn)
    head = await client.officer_token("th.scjg.head")
    seen = (await client.execute(CASE_LICENCE, {"n": case["number"]}, token=head))["case"]
    licence = seen["licence"]
    assert licence["holderIdentifier"] == "4405**********5368"
    answer = await client.http.get(licence["downloadUrl"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/pdf")
    rows = await conn.fetch(
        "SELECT fields, channel FROM pii_access WHERE case_number = $1 AND channel = 'download'",
        case["number"],
    )
    assert [(r["fields"], r["channel"]) for r in rows] == [
        ([f"e_licence:{licence['id']}"], "download")
    ]
    forged = licence["downloadUrl"].replace("signature=", "signature=0")
    assert (await client.http.get(forged)).status_code == 403


def _licence(**overrides: Any) -> Licence:
    values: dict[str, Any] = {
        "id": "x",
        "number": "YPJY-1",
        "type_code": "YPJY",
        "type_name": "药品经营许可证",
        "holder_applicant_id": "a",
        "holder_kind": "organisation",
        "holder_id_number": None,
        "holder_credit_code": "91440101MA5CJQ4N59",
        "holder_name": "通办药房",
        "department_id": "d",
        "issuer_name": "天河区市场监督管理局",
        "case_id": "c",
        "result_number": None,
        "issued_on": date(2026, 3, 2),
        "valid_from": date(2026, 3, 2),
        "valid_until": valid_until(date(2026, 3, 2), 5),
        "status": "valid",
        "revoked_at": None,
        "revoked_reason": None,
        "blob_key": "k",
        "sha256": "0" * 64,
        "size": 1,
        "signature": "",
        "key_id": "dev-licence-1",
        "issued_at": None,
    }
    return Licence(**(values | overrides))


def test_a_licence_expires_after_its_last_valid_day() -> None:
    five_years = _licence()
    assert five_years.valid_until == date(2031, 3, 1)
    assert five_years.status_on(date(2031, 3, 1)) == "valid"
    assert five_years.status_on(date(2031, 3, 2)) == "expired"
    assert _licence(valid_until=None).status_on(date(2099, 1, 1)) == "valid"
    assert _licence(status="revoked").status_on(date(2026, 3, 3)) == "revoked"
    assert valid_until(date(2024, 2, 29), 1) == date(2025, 2, 28)


async def test_the_catalogue_checks_what_a_licence_and_its_reuse_need(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    from tests.catalogue.test_catalogue import CREATE, department_ids, spec

    admin = await client.officer_token("admin")
    materials = [
        {"code": "application", "name": "申请书"},
        {"code": "business-licence", "name": "营业执照", "licenceType": "YYZZ"},
    ]
    licence = {"typeCode": "SPJY", "typeName": "食品经营许可证", "validityYears": 0}
    result = (
        await client.execute(
            CREATE,
            {
                "code": "TH-X-LICENCE",
                "spec": spec(await department_ids(conn), materials=materials, licence=licence),
            },
            token=admin,
        )
    )["createMatter"]
    assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [
        ("spec.licence.validityYears", "INVALID_LICENCE_TERMS"),
        ("spec.materials[1].licenceType", "INVALID_LICENCE_TERMS"),
    ]
    assert await conn.fetchval("SELECT count(*) FROM matter WHERE code = 'TH-X-LICENCE'") == 0


ISSUED = """query ($after: String) { issuedLicences(first: 1, after: $after) {
  totalCount edges { node { number holderIdentifier status downloadUrl } }
  pageInfo { hasNextPage endCursor } } }"""


async def test_the_issuing_department_lists_its_licences_page_by_page(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    first, _ = await approved_business_licence(client, conn)
    second, _ = await approved_business_licence(
        client,
        conn,
        name="李四",
        id_number="11010519491231002X",
        mobile="13900139000",
        email="lisi@example.cn",
    )
    head = await client.officer_token("th.scjg.head")
    page = (await client.execute(ISSUED, {}, token=head))["issuedLicences"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    rest = (await client.execute(ISSUED, {"after": page["pageInfo"]["endCursor"]}, token=head))[
        "issuedLicences"
    ]
    numbers = [e["node"]["number"] for e in page["edges"] + rest["edges"]]
    assert numbers == sorted(f"YYZZ-{c['number']}" for c in (first, second))
    assert all(e["node"]["holderIdentifier"].count("*") == 10 for e in page["edges"])
    assert page["edges"][0]["node"]["downloadUrl"].startswith("/files/licences/")
    # Another department issued none; an applicant is refused.
    other = await client.officer_token("th.swj.reviewer")
    assert (await client.execute(ISSUED, {}, token=other))["issuedLicences"]["totalCount"] == 0
    applicant = client.applicant_token(await make_applicant(conn))
    refused = await client.post(ISSUED, {}, token=applicant)
    assert refused.json()["errors"][0]["extensions"]["problem"] == "LICENCES_OFFICERS_ONLY"
