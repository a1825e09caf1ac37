"""告知承诺制 terms belong to a matter version: edited in a draft, checked, frozen on publish,
and read by anyone."""

import hashlib

import asyncpg
from tests.catalogue.test_catalogue import CREATE, PUBLISH, SAVE, department_ids, spec
from tests.conftest import GraphQLClient

TERMS = """query ($code: String!) { matter(code: $code) { current { version commitmentAllowed
  commitment { conditions conditionsHash replacesAllMaterials replacedMaterialCodes
  verificationDays } } } }"""
CONDITIONS = "本人承诺：经营场所符合食品安全要求。"


async def test_an_admin_publishes_commitment_terms_and_anyone_reads_them(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    created = await client.execute(CREATE, {"code": "TH-FOOD", "spec": spec(ids)}, token=admin)
    assert created["createMatter"]["userErrors"] == []
    terms = {"conditions": f"  {CONDITIONS} ", "verificationDays": 30}
    saved = await client.execute(
        SAVE, {"code": "TH-FOOD", "spec": spec(ids, commitment=terms), "rev": 1}, token=admin
    )
    assert saved["saveMatterDraft"]["userErrors"] == []
    await client.execute(PUBLISH, {"code": "TH-FOOD", "rev": 2}, token=admin)

    current = (await client.execute(TERMS, {"code": "TH-FOOD"}))["matter"]["current"]
    assert current == {
        "version": 1,
        "commitmentAllowed": True,
        "commitment": {
            "conditions": CONDITIONS,
            "conditionsHash": hashlib.sha256(CONDITIONS.encode()).hexdigest(),
            "replacesAllMaterials": True,
            "replacedMaterialCodes": ["application", "licence"],
            "verificationDays": 30,
        },
    }


async def test_the_catalogue_refuses_commitment_terms_that_cannot_be_kept(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    terms = {
        "conditions": " ",
        "replacedMaterialCodes": ["licence", "nope"],
        "verificationDays": 0,
    }
    data = await client.execute(
        CREATE, {"code": "TH-COMMIT", "spec": spec(ids, commitment=terms)}, token=admin
    )
    assert sorted((e["problem"], e["field"]) for e in data["createMatter"]["userErrors"]) == [
        ("COMMITMENT_CONDITIONS_REQUIRED", "spec.commitment.conditions"),
        ("OUT_OF_RANGE", "spec.commitment.verificationDays"),
        ("UNKNOWN_MATERIAL", "spec.commitment.replacedMaterialCodes[1]"),
    ]
    assert await conn.fetchval("SELECT count(*) FROM matter WHERE code = 'TH-COMMIT'") == 0
