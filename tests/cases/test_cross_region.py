"""A window files into its own region; into another only where the catalogue offers the matter
for cross-region handling (跨域通办, 收受分离), and the matter's own department handles it."""

import asyncpg
from tests.cases.factories import submit
from tests.conftest import GraphQLClient
from tests.scenarios import ok

PERSON = {
    "kind": "PERSON",
    "name": "李四",
    "idNumber": "11010519491231002X",
    "mobile": "13912345678",
}
SZ_CODES = ["application", "articles", "id"]


async def test_a_tianhe_window_cannot_file_into_shenzhens_queue(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    result = await submit(client, window, applicant=PERSON, region="440300", key="th-into-sz-01")
    assert result["case"] is None
    [error] = result["userErrors"]
    assert (error["field"], error["problem"]) == ("input.regionCode", "OUTSIDE_WINDOW_REGION")
    assert "跨域通办" in error["message"]
    assert await conn.fetchval("SELECT count(*) FROM case_record") == 0


async def test_a_cross_region_matter_filed_at_tianhe_goes_to_shenzhen_which_handles_it(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    case = ok(
        await submit(
            client,
            window,
            applicant=PERSON,
            matter="SZ-BL-001",
            region="440300",
            codes=SZ_CODES,
            key="th-into-sz-02",
        )
    )
    assert case["number"].startswith("440300")
    assert (case["receivingRegionCode"], case["handlingRegionCode"]) == ("440300", "440300")
    # The receiving region's own window takes it from there.
    assert case["state"] == "RECEIVED"


async def test_a_cross_region_matter_goes_only_where_its_department_sits(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    result = await submit(
        client,
        window,
        applicant=PERSON,
        matter="SZ-BL-001",
        region="440100",
        codes=SZ_CODES,
        key="th-into-gz-01",
    )
    assert result["userErrors"][0]["problem"] == "OUTSIDE_WINDOW_REGION"


async def test_a_window_still_files_into_its_own_region_and_below_and_applicants_anywhere(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    ok(await submit(client, window, applicant=PERSON, region="440106", key="th-own-0001"))
    ok(await submit(client, window, applicant=PERSON, region="440106005", key="th-below-01"))
    applicant = client.applicant_token(
        await conn.fetchval("SELECT id::text FROM applicant LIMIT 1")
    )
    ok(
        await submit(
            client, applicant, matter="SZ-BL-001", region="440300", codes=SZ_CODES, key="online-01"
        )
    )
