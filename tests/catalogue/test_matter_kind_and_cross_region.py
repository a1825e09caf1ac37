"""A matter version carries its kind of power (what its decision is called) and the regions
whose windows may also receive it (跨域通办); both are edited, validated and versioned with it."""

import asyncpg
from tests.catalogue.test_catalogue import CREATE, department_ids, spec
from tests.conftest import GraphQLClient

CURRENT = """query ($code: String!) { matter(code: $code) {
  current { kind crossRegionReceiving } } }"""


async def test_an_admin_sets_the_kind_and_the_receiving_regions(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    changes = {"kind": "APPROVAL", "crossRegionReceiving": ["440300"]}
    result = (
        await client.execute(
            CREATE, {"code": "TH-X-REGION", "spec": spec(ids, **changes)}, token=admin
        )
    )["createMatter"]
    assert result["userErrors"] == []
    assert await conn.fetchrow(
        "SELECT matter_kind, cross_region_receiving FROM matter_version v "
        "JOIN matter m ON m.id = v.matter_id WHERE m.code = 'TH-X-REGION'"
    ) == ("approval", ["440300"])


async def test_an_unknown_receiving_region_is_a_typed_error(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    changes = {"crossRegionReceiving": ["440300", "449999"]}
    result = (
        await client.execute(
            CREATE, {"code": "TH-X-BAD", "spec": spec(ids, **changes)}, token=admin
        )
    )["createMatter"]
    assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [
        ("spec.crossRegionReceiving[1]", "UNKNOWN_REGION")
    ]


async def test_the_demo_cross_region_matter_is_public(client: GraphQLClient) -> None:
    data = await client.execute(CURRENT, {"code": "SZ-BL-001"})
    assert data["matter"]["current"] == {"kind": "LICENCE", "crossRegionReceiving": ["440100"]}
    data = await client.execute(CURRENT, {"code": "GZ-HPF-WITHDRAW"})
    assert data["matter"]["current"]["kind"] == "PAYMENT"
