"""Administrators act within their region subtree, like every other role: a city's
administrator can neither read nor revoke another city's case; the province's sees them all."""

import asyncpg
from tests.cases.factories import submit
from tests.cases.test_bad_input import PERSON
from tests.conftest import GraphQLClient
from tests.notifications.test_template_admin import publish

CASE = "query ($n: String!) { case(number: $n) { number } }"
CASES = "{ cases(first: 50) { edges { node { number } } } }"
REVOKE = """mutation ($n: String!) {
  revokeCase(number: $n, expectedVersion: 1, reason: "滥用") { userErrors { code } } }"""


async def shenzhen_admin(conn: asyncpg.Connection) -> str:
    await conn.execute(
        """INSERT INTO officer (username, name, department_id, roles, clearance)
           SELECT 'sz.admin', '深圳市事项管理员', id, ARRAY['admin'], 3
           FROM department WHERE code = 'SZ-SCJG'"""
    )
    return "sz.admin"


async def test_a_city_admin_cannot_read_or_revoke_another_citys_case(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.window")
    number = (await submit(client, window, applicant=PERSON))["case"]["number"]
    outsider = await client.officer_token(await shenzhen_admin(conn))

    read = await client.execute(CASE, {"n": number}, token=outsider)
    assert read == {"case": None}
    listed = await client.execute(CASES, token=outsider)
    assert number not in str(listed)
    revoked = await client.execute(REVOKE, {"n": number}, token=outsider)
    assert revoked["revokeCase"]["userErrors"][0]["code"] == "NOT_FOUND"

    # Guangzhou's own administrator, and the province's, see it.
    for insider in ("gz.admin", "admin"):
        token = await client.officer_token(insider)
        found = await client.execute(CASE, {"n": number}, token=token)
        assert found == {"case": {"number": number}}, insider


async def test_only_the_provinces_admins_change_platform_wide_settings(
    client: GraphQLClient,
) -> None:
    """The working-day calendar and the notification templates hold for the whole province: a
    city's administrator may not change them (catalogue matters stay per region subtree)."""
    city = await client.officer_token("gz.admin")
    calendar = await client.execute(
        """mutation { publishCalendarYear(year: 2027, holidays: ["2027-01-01"], makeupWorkdays: [])
             { calendarYear { year } userErrors { code } } }""",
        token=city,
    )
    assert calendar["publishCalendarYear"]["userErrors"][0]["code"] == "FORBIDDEN"
    template = await publish(client, city, body="收到")
    assert template["userErrors"][0]["code"] == "FORBIDDEN"
