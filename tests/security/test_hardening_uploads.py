"""Uploads: the bytes must be what the declared type says, names are safe, one file is one
material, and a request carries a bounded number of files."""

import json
from typing import Any

import asyncpg
import httpx
from tests.cases.factories import PDF, SUBMIT, make_applicant
from tests.conftest import GraphQLClient

from tongban.cases.files import MAX_FILENAME_CHARS, safe_filename

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 this program cannot be run"
HTML = b"<!doctype html><script>fetch('/graphql')</script>"


def variables(codes: list[str], key: str) -> dict[str, Any]:
    return {
        "input": {
            "matterCode": "GD-BL-001",
            "regionCode": "440106005",
            "idempotencyKey": key,
            "formData": {"companyName": "广州通办科技有限公司", "capital": 1000000},
            "materials": [{"materialCode": c, "file": None} for c in codes],
        }
    }


async def post_multipart(
    client: GraphQLClient,
    token: str,
    operations: dict[str, Any],
    files_map: dict[str, Any],
    files: dict[str, tuple[str, bytes, str]],
) -> httpx.Response:
    return await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(files_map)},
        files=files,
        headers={"authorization": f"Bearer {token}"},
    )


async def test_an_exe_declared_as_pdf_and_html_declared_as_png_are_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    files = {
        "input.materials.0.file": ("application.pdf", EXE, "application/pdf"),
        "input.materials.1.file": ("articles.png", HTML, "image/png"),
        "input.materials.2.file": ("id.pdf", PDF, "application/pdf"),
    }
    data = await client.upload(
        SUBMIT, variables(["application", "articles", "id"], "sniff-0001"), files, token=applicant
    )
    errors = data["submitCase"]["userErrors"]
    assert {(e["code"], e["field"], e["problem"]) for e in errors} == {
        ("VALIDATION", "input.materials[0].file", "CONTENT_MISMATCH"),
        ("VALIDATION", "input.materials[1].file", "CONTENT_MISMATCH"),
    }
    assert data["submitCase"]["case"] is None
    assert await conn.fetchval("SELECT count(*) FROM case_material") == 0


async def test_stored_names_have_no_path_or_control_characters(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    files = {
        "input.materials.0.file": ("../../etc/passwd.pdf", PDF, "application/pdf"),
        "input.materials.1.file": ("C:\\Users\\x\\evil\u202egpj.pdf", PDF, "application/pdf"),
        "input.materials.2.file": ("长" * 1000 + ".pdf", PDF, "application/pdf"),
    }
    data = await client.upload(
        SUBMIT, variables(["application", "articles", "id"], "names-0001"), files, token=applicant
    )
    assert not data["submitCase"]["userErrors"], data
    names = [r["name"] for r in await conn.fetch("SELECT name FROM case_material ORDER BY name")]
    assert "passwd.pdf" in names and "evilgpj.pdf" in names
    for name in names:
        assert "/" not in name and "\\" not in name and "\x00" not in name and "\u202e" not in name
        assert len(name) <= MAX_FILENAME_CHARS
    assert safe_filename("长" * 1000 + ".pdf").endswith(".pdf")
    # (The HTTP client escapes control characters in a multipart name; the server may not.)
    assert safe_filename("pass\x00wd\r\n.pdf") == "passwd.pdf"


async def test_one_file_mapped_to_several_variables_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    operations = {"query": SUBMIT, "variables": variables(["application", "articles"], "map-0001")}
    response = await post_multipart(
        client,
        applicant,
        operations,
        {"0": ["variables.input.materials.0.file", "variables.input.materials.1.file"]},
        {"0": ("a.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 0


async def test_more_files_than_the_cap_are_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    count = client.settings.max_files_per_request + 1
    operations = {"query": SUBMIT, "variables": variables(["application"] * count, "cap-0001")}
    response = await post_multipart(
        client,
        applicant,
        operations,
        {str(i): [f"variables.input.materials.{i}.file"] for i in range(count)},
        {str(i): (f"{i}.pdf", PDF, "application/pdf") for i in range(count)},
    )
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
