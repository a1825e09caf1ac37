"""The signed decision document (决定书) is uploaded with the decision and downloaded, like a
material, through short-lived signed links handed out only to those who may see it unmasked."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import asyncpg
import msgspec
from tests.cases.factories import make_applicant, make_reviewed_case
from tests.conftest import GraphQLClient

from tongban.cases import downloads

DOCUMENT = b"%PDF-1.7 tongban decision document\n"
DECIDE = """mutation ($number: String!, $expectedVersion: Int!, $document: Upload) {
  decideCase(number: $number, expectedVersion: $expectedVersion, decision: APPROVED,
             resultNumber: "R-2026-1", document: $document) {
    case { version state decisionDocument { id fileName contentType size sha256 downloadUrl } }
    userErrors { code problem field message }
  }
}"""
VIEW = """query ($n: String!) { case(number: $n) {
  decisionDocument { id fileName downloadUrl } } }"""


async def decide(
    client: GraphQLClient, case: dict[str, Any], file: tuple[str, bytes, str]
) -> dict[str, Any]:
    head = await client.officer_token("th.scjg.head")
    variables = {"number": case["number"], "expectedVersion": case["version"], "document": None}
    result: dict[str, Any] = (
        await client.upload(DECIDE, variables, {"document": file}, token=head)
    )["decideCase"]
    return result


async def test_the_decision_document_is_downloaded_by_the_applicant_and_the_officers(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, applicant = await make_reviewed_case(client, conn)
    result = await decide(client, case, ("决定书.pdf", DOCUMENT, "application/pdf"))
    assert result["userErrors"] == []
    document = result["case"]["decisionDocument"]
    assert result["case"]["state"] == "APPROVED"
    assert (document["fileName"], document["contentType"], document["size"]) == (
        "决定书.pdf",
        "application/pdf",
        len(DOCUMENT),
    )
    assert document["sha256"] == hashlib.sha256(DOCUMENT).hexdigest()

    reviewer = await client.officer_token("th.scjg.reviewer")
    for token in (applicant, reviewer):
        seen = (await client.execute(VIEW, {"n": case["number"]}, token=token))["case"]
        link = seen["decisionDocument"]["downloadUrl"]
        assert link.startswith("/files/decisions/")
        answer = await client.http.get(link)  # no token: the link is the permission
        assert answer.status_code == 200
        assert answer.content == DOCUMENT
        assert answer.headers["content-type"].startswith("application/pdf")
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert "no-store" in answer.headers["cache-control"]

    document_id = document["id"]
    expired = downloads.signed_path(
        msgspec.structs.replace(client.settings, download_url_seconds=-1),
        document_id,
        now=time.time(),
        kind="decision",
    )
    forged = downloads.signed_path(
        msgspec.structs.replace(client.settings, download_secret="not-the-platform-key"),
        document_id,
        now=time.time(),
        kind="decision",
    )
    # A material's signature never opens a decision document.
    as_material = downloads.signed_path(client.settings, document_id, now=time.time()).replace(
        "/files/materials/", "/files/decisions/"
    )
    for bad in (expired, forged, as_material, f"/files/decisions/{document_id}"):
        refused = await client.http.get(bad)
        assert refused.status_code == 403, bad
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert DOCUMENT not in refused.content


async def test_strangers_get_no_link(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    case, _ = await make_reviewed_case(client, conn)
    assert (await decide(client, case, ("决定书.pdf", DOCUMENT, "application/pdf")))[
        "userErrors"
    ] == []
    stranger = client.applicant_token(
        await make_applicant(
            conn,
            kind="organisation",
            name="广州某贸易有限公司",
            id_number=None,
            credit_code="91440101MA5CJQ4N59",
        )
    )
    answer = (await client.post(VIEW, {"n": case["number"]}, token=stranger)).json()
    assert (answer.get("data") or {}).get("case") is None
    # An officer who sees the case but does not work on it: the document, but no link.
    supervisor = await client.officer_token("gd.supervisor")
    visible = (await client.post(VIEW, {"n": case["number"]}, token=supervisor)).json()["data"]
    if visible["case"] is not None:
        assert visible["case"]["decisionDocument"]["downloadUrl"] is None


async def test_a_document_that_is_not_a_pdf_is_refused_and_nothing_is_decided(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_reviewed_case(client, conn)
    png = b"\x89PNG\r\n\x1a\n not a decision"
    for file, problem in (
        (("scan.png", png, "image/png"), "CONTENT_TYPE_NOT_ALLOWED"),
        (("fake.pdf", png, "application/pdf"), "CONTENT_MISMATCH"),
    ):
        result = await decide(client, case, file)
        assert result["case"] is None
        assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [("document", problem)]
    assert await conn.fetchval("SELECT count(*) FROM case_decision_document") == 0
    assert await conn.fetchval("SELECT decision FROM case_record") is None


async def test_a_decision_without_a_document_has_none(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_reviewed_case(client, conn)
    head = await client.officer_token("th.scjg.head")
    variables = {"number": case["number"], "expectedVersion": case["version"]}
    result = (await client.execute(DECIDE, variables, token=head))["decideCase"]
    assert result["userErrors"] == [] and result["case"]["decisionDocument"] is None
