"""Materials are downloaded through short-lived signed links, handed out only to those who may
see them unmasked; a forged, altered or expired link gets nothing."""

from __future__ import annotations

import time

import asyncpg
import msgspec
from tests.cases.factories import PDF, make_applicant, submit
from tests.conftest import GraphQLClient

from tongban.cases import downloads

MATERIALS = """query ($n: String!) { case(number: $n) {
  materials { id materialCode name contentType downloadUrl } } }"""


async def test_a_signed_link_downloads_the_file_and_nothing_else_does(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = (await submit(client, applicant))["case"]
    reviewer = await client.officer_token("th.scjg.reviewer")  # the handling department
    for token in (applicant, reviewer):
        materials = (await client.execute(MATERIALS, {"n": case["number"]}, token=token))["case"][
            "materials"
        ]
        first = materials[0]
        assert first["downloadUrl"].startswith("/files/materials/")
        # No token: the link is the permission, as for a browser following it.
        answer = await client.http.get(first["downloadUrl"])
        assert answer.status_code == 200
        assert answer.content == PDF + first["materialCode"].encode()
        assert answer.headers["content-type"].startswith("application/pdf")
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in answer.headers["cache-control"]

    material_id = first["id"]
    altered = first["downloadUrl"].replace(material_id, materials[1]["id"])
    expired = downloads.signed_path(
        msgspec.structs.replace(client.settings, download_url_seconds=-1),
        material_id,
        now=time.time(),
    )
    forged = downloads.signed_path(
        msgspec.structs.replace(client.settings, download_secret="not-the-platform-key"),
        material_id,
        now=time.time(),
    )
    for bad in (altered, expired, forged, f"/files/materials/{material_id}"):
        refused = await client.http.get(bad)
        assert refused.status_code == 403, bad
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert PDF not in refused.content

    # An officer who sees the case but does not work on it gets no link (masked view).
    supervisor = await client.officer_token("gd.supervisor")
    seen = await client.post(MATERIALS, {"n": case["number"]}, token=supervisor)
    visible = seen.json()["data"]["case"]
    if visible is not None:
        assert all(m["downloadUrl"] is None for m in visible["materials"])
