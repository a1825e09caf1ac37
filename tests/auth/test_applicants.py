"""Applicants sign in through the province's identity provider: the first valid token creates
their record from its verified claims (no window officer), later tokens update their contact
details (audited), and they then act on their own cases only."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.cases.factories import SUBMIT
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.auth.tokens import jwks_json, mint_token
from tongban.auth.types import Principal
from tongban.config import Settings, load_settings

ME = """{ viewer { kind name applicant { kind name idNumber creditCode mobile email } } }"""


def idp_person(**changes: Any) -> Principal:
    values: dict[str, Any] = {
        "kind": "applicant",
        "subject": "idp:person:7f3a",
        "name": "王芳",
        "applicant_type": "person",
        "id_number": "11010519491231002X",
        "mobile": "13700137000",
        "email": "wang.fang@example.cn",
    }
    return Principal(**(values | changes))


def idp_settings(database: str, redis_url: str, jwks: Path) -> Settings:
    return load_settings(
        {},
        env="test",
        database_url=database,
        redis_url=redis_url,
        jwt_algorithm="RS256",
        jwt_jwks_file=str(jwks),
    )


async def test_the_first_verified_token_creates_the_applicant_and_later_ones_update_contacts(
    database: str, redis_url: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(jwks_json({"idp-1": key.public_key()}))
    settings = idp_settings(database, redis_url, jwks)

    def token(principal: Principal) -> str:
        return mint_token(settings, principal, private_key=key, kid="idp-1")

    async with running(create_app(settings)) as http:

        async def call(query: str, principal: Principal, **variables: Any) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token(principal)}"},
            )
            body: dict[str, Any] = response.json()
            assert response.status_code == 200, body
            assert not body.get("errors"), body
            return body

        assert await conn.fetchval("SELECT count(*) FROM applicant") == 0
        # Two first requests at once (two browser tabs): one record.
        first, _ = await asyncio.gather(call(ME, idp_person()), call(ME, idp_person()))
        me = first["data"]["viewer"]
        assert me["kind"] == "APPLICANT"
        assert me["applicant"] == {
            "kind": "PERSON",
            "name": "王芳",
            "idNumber": "11010519491231002X",
            "creditCode": None,
            "mobile": "13700137000",
            "email": "wang.fang@example.cn",
        }
        await call(ME, idp_person())
        assert await conn.fetchval("SELECT count(*) FROM applicant") == 1

        submitted = await call(
            SUBMIT,
            idp_person(),
            input={
                "matterCode": "GD-BL-001",
                "regionCode": "440106",
                "idempotencyKey": "idp-first-case",
                "formData": {"companyName": "王芳小吃店"},
                "materials": [],
            },
        )
        case = submitted["data"]["submitCase"]["case"]
        assert case["applicant"] == {
            "name": "王芳",
            "idNumber": "11010519491231002X",
            "mobile": "13700137000",
        }

        # The provider now verifies a new mobile: the record (and so every later SMS) follows.
        moved = idp_person(mobile="13911112222")
        me = (await call(ME, moved))["data"]["viewer"]["applicant"]
        assert me["mobile"] == "13911112222"
        assert await conn.fetchval("SELECT mobile FROM applicant") == "13911112222"
        audit = await conn.fetch(
            """SELECT source, changed_by, before, after FROM applicant_contact_change
               ORDER BY id"""
        )
        assert [(a["source"], a["changed_by"]) for a in audit] == [
            ("identity_provider", "idp:person:7f3a"),
            ("identity_provider", "idp:person:7f3a"),
        ]
        assert audit[0]["before"] == {}
        assert audit[1]["before"] == {"mobile": "13700137000"}
        assert audit[1]["after"]["mobile"] == "13911112222"

        # The applicant's own choice (updateMyContact) is not undone by a token that repeats
        # what the provider verified before; a value the provider newly verifies wins.
        changed = await call(
            """mutation ($c: ContactInput!) { updateMyContact(input: $c) {
                 userErrors { code } } }""",
            moved,
            c={"mobile": "13655556666", "channels": ["SMS"]},
        )
        assert changed["data"]["updateMyContact"]["userErrors"] == []
        me = (await call(ME, moved))["data"]["viewer"]["applicant"]
        assert me["mobile"] == "13655556666"
        me = (await call(ME, idp_person(mobile="13577778888")))["data"]["viewer"]["applicant"]
        assert me["mobile"] == "13577778888"


async def test_an_organisation_is_known_by_its_credit_code(
    database: str, redis_url: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(jwks_json({"idp-1": key.public_key()}))
    settings = idp_settings(database, redis_url, jwks)
    company = Principal(
        kind="applicant",
        subject="idp:org:91440101MA5CJQ4N59",
        name="广州通办科技有限公司",
        applicant_type="organisation",
        credit_code="91440101MA5CJQ4N59",
        legal_representative="李通",
        mobile="13800138002",
    )
    async with running(create_app(settings)) as http:
        response = await http.post(
            "/graphql",
            json={"query": ME},
            headers={
                "authorization": f"Bearer {mint_token(settings, company, private_key=key, kid='idp-1')}"
            },
        )
    applicant = response.json()["data"]["viewer"]["applicant"]
    assert (applicant["kind"], applicant["creditCode"]) == ("ORGANISATION", "91440101MA5CJQ4N59")
    assert await conn.fetchval("SELECT legal_representative FROM applicant") == "李通"


async def test_claims_that_do_not_identify_anyone_are_refused(
    database: str, redis_url: str, tmp_path: Path, conn: asyncpg.Connection
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(jwks_json({"idp-1": key.public_key()}))
    settings = idp_settings(database, redis_url, jwks)
    async with running(create_app(settings)) as http:
        for bad in (
            idp_person(id_number="110105194912310021"),  # wrong check digit
            idp_person(id_number=None),
            idp_person(name=""),
            idp_person(mobile="12345"),
        ):
            token = mint_token(settings, bad, private_key=key, kid="idp-1")
            response = await http.post(
                "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, bad
            assert response.json()["errors"][0]["extensions"]["reason"] == "invalid_claims"
    assert await conn.fetchval("SELECT count(*) FROM applicant") == 0


async def test_a_demo_applicant_token_from_the_cli_signs_in(client: GraphQLClient) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    minted = subprocess.run(
        [sys.executable, "-m", "tongban.cli", "token", "--applicant", "tongban.tech"],
        env=env | {"TONGBAN_ENV": "test"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    me = (await client.execute(ME, token=minted))["viewer"]
    assert me["name"] == "广州通办科技有限公司"
    assert me["applicant"]["creditCode"] == "91440101MA5CJQ4N59"
