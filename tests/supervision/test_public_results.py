"""结果公示 (issue 17): approved results of matters that publish them, for anyone without a token
— organisations by name, persons masked; revoked and confidential cases never; searchable and
paged; as cacheable JSON at GET /public/results (ETag, 304) and limited per client address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import msgspec
import pytest
from tests.cases.factories import make_reviewed_case, publish_matter
from tests.cases.test_query_cost import seed, statements
from tests.conftest import GraphQLClient, running
from tests.scenarios import START, act, department_id, ok

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings

RESULTS = """query ($filter: PublicResultFilter, $first: Int, $after: String) {
  publicResults(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { holderName resultNumber matterCode matterName departmentId departmentName
                   decidedOn } }
    pageInfo { hasNextPage endCursor } } }"""
PERSON = {"name": "陈小明", "id_number": "440524188001015368"}
OTHER_PERSON = {"name": "王五", "id_number": "11010519491231002X", "mobile": "13900000001"}
COMPANY = {
    "kind": "organisation",
    "name": "广州通办科技有限公司",
    "id_number": None,
    "credit_code": "91440101MA5CJQ4N59",
    "mobile": "13900000002",
}
TODAY = START.date().isoformat()


async def approve(
    client: GraphQLClient, conn: asyncpg.Connection, applicant: dict[str, Any], result: str
) -> dict[str, Any]:
    """A business licence (a public matter) reviewed and approved by Tianhe's head at START."""
    case, _ = await make_reviewed_case(client, conn, applicant)
    head = await client.officer_token("th.scjg.head")
    return ok(
        await act(
            client,
            head,
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": result,
            },
        )
    )


@pytest.fixture
async def decided(client: GraphQLClient, conn: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    cases = {"person": await approve(client, conn, PERSON, "穗天市监许字〔2026〕0001号")}
    client.clock.set(START + timedelta(hours=1))  # the company's decision is the newer one
    cases["company"] = await approve(client, conn, COMPANY, "穗天市监许字〔2026〕0002号")
    cases["revoked"] = await approve(client, conn, OTHER_PERSON, "穗天市监许字〔2026〕0003号")
    admin = await client.officer_token("admin")
    revoked = cases["revoked"]
    ok(
        await act(
            client,
            admin,
            "revokeCase",
            "",
            {
                "number": revoked["number"],
                "expectedVersion": revoked["version"],
                "reason": "以欺骗手段取得许可",
            },
        )
    )
    return cases


async def results(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await client.execute(RESULTS, variables))["publicResults"]
    return found


def numbers(found: dict[str, Any]) -> list[str]:
    return [e["node"]["resultNumber"] for e in found["edges"]]


async def test_anyone_sees_approved_results_with_persons_masked(
    client: GraphQLClient, conn: asyncpg.Connection, decided: dict[str, dict[str, Any]]
) -> None:
    found = await results(client)  # no token
    tianhe = await department_id(conn, "TH-SCJG")
    by_number = {e["node"]["resultNumber"]: e["node"] for e in found["edges"]}
    assert by_number == {
        "穗天市监许字〔2026〕0001号": {
            "holderName": "陈*明",
            "resultNumber": "穗天市监许字〔2026〕0001号",
            "matterCode": "GD-BL-001",
            "matterName": "企业设立登记（营业执照）",
            "departmentId": tianhe,
            "departmentName": by_number["穗天市监许字〔2026〕0001号"]["departmentName"],
            "decidedOn": TODAY,
        },
        "穗天市监许字〔2026〕0002号": by_number["穗天市监许字〔2026〕0002号"]
        | {"holderName": "广州通办科技有限公司"},
    }
    assert found["totalCount"] == 2  # the revoked approval has disappeared
    assert "天河" in by_number["穗天市监许字〔2026〕0001号"]["departmentName"]
    # A confidential case never appears, whatever its matter says.
    await conn.execute(
        "UPDATE case_record SET confidentiality = 1 WHERE number = $1", decided["company"]["number"]
    )
    assert numbers(await results(client)) == ["穗天市监许字〔2026〕0001号"]
    # Nor a case of a matter whose version does not publish its results (a trademark pledge).
    await conn.execute(
        """UPDATE case_record c SET matter_id = m.id, matter_version = m.current_version
           FROM matter m WHERE m.code = 'GD-TM-PLEDGE' AND c.number = $1""",
        decided["person"]["number"],
    )
    assert (await results(client))["totalCount"] == 0


async def test_the_catalogue_says_which_matters_publish_their_results(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    query = """query ($code: String!) { matter(code: $code) { current { publicResults } } }"""
    for code, public in (("GD-BL-001", True), ("GD-TM-PLEDGE", False), ("TH-DIVORCE", False)):
        data = await client.execute(query, {"code": code})
        assert data["matter"]["current"]["publicResults"] is public, code
    version = await publish_matter(client, conn, "TH-FOOD-PUBLIC", publicResults=True)
    data = await client.execute(query, {"code": "TH-FOOD-PUBLIC"})
    assert data["matter"]["current"]["publicResults"] is True, version


async def test_results_are_searched_and_paged(
    client: GraphQLClient, conn: asyncpg.Connection, decided: dict[str, dict[str, Any]]
) -> None:
    tianhe = await department_id(conn, "TH-SCJG")
    company, person = "穗天市监许字〔2026〕0002号", "穗天市监许字〔2026〕0001号"
    for filter_, expected in (
        ({"keyword": "通办科技"}, [company]),
        ({"keyword": "营业执照"}, [company, person]),
        ({"keyword": "〔2026〕0001"}, [person]),
        ({"keyword": "陈小明"}, []),  # a person's name is published masked, never matched
        ({"keyword": "〔2026〕0003"}, []),  # revoked
        ({"matterCode": "GD-BL-001"}, [company, person]),
        ({"matterCode": "GD-TM-PLEDGE"}, []),
        ({"departmentId": tianhe}, [company, person]),
        ({"departmentId": "not-an-id"}, []),
        ({"regionCode": "440100"}, [company, person]),
        ({"regionCode": "440105"}, []),
        ({"from": TODAY, "to": TODAY}, [company, person]),
        ({"to": "2026-03-01"}, []),
    ):
        found = await results(client, filter=filter_)
        assert sorted(numbers(found)) == sorted(expected), filter_
        assert found["totalCount"] == len(expected), filter_
    assert len((await results(client, first=100))["edges"]) == 2  # the largest page, anonymous
    first = await results(client, first=1)
    assert first["pageInfo"]["hasNextPage"] is True
    second = await results(client, first=1, after=first["pageInfo"]["endCursor"])
    assert second["pageInfo"]["hasNextPage"] is False
    assert numbers(first) + numbers(second) == [company, person]  # newest decision first
    for filter_, field in (
        ({"from": "2026-03-05", "to": "2026-03-01"}, "filter.to"),
        ({"keyword": " "}, "filter.keyword"),
        ({"regionCode": "12"}, "filter.regionCode"),
    ):
        body = (await client.post(RESULTS, {"filter": filter_})).json()
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", field)


async def test_the_public_get_is_cacheable_and_revalidates_with_its_etag(
    client: GraphQLClient, decided: dict[str, dict[str, Any]]
) -> None:
    answer = await client.http.get("/public/results", params={"keyword": "营业执照"})
    assert answer.status_code == 200
    assert (
        answer.headers["cache-control"] == f"public, max-age={client.settings.public_cache_seconds}"
    )
    body = answer.json()
    assert [r["holderName"] for r in body["results"]] == ["广州通办科技有限公司", "陈*明"]
    assert body["results"][1]["matter"] == {"code": "GD-BL-001", "name": "企业设立登记（营业执照）"}
    assert body["results"][1]["decidedOn"] == TODAY
    etag = answer.headers["etag"]
    again = await client.http.get(
        "/public/results", params={"keyword": "营业执照"}, headers={"if-none-match": etag}
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert again.headers["cache-control"].startswith("public")
    # Pages by the cursor it gives; another answer has another tag.
    page = await client.http.get("/public/results", params={"first": 1})
    assert [r["holderName"] for r in page.json()["results"]] == ["广州通办科技有限公司"]
    assert page.json()["pageInfo"]["hasNextPage"] is True
    rest = await client.http.get(
        "/public/results",
        params={"first": 1, "after": page.json()["pageInfo"]["endCursor"]},
        headers={"if-none-match": etag},
    )
    assert rest.status_code == 200
    assert [r["holderName"] for r in rest.json()["results"]] == ["陈*明"]
    # Bad input: a typed error, never cached.
    bad = await client.http.get("/public/results", params={"from": "2026-13-01"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["problem"] == "INVALID_DATE"
    assert bad.headers["cache-control"] == "no-store"
    for params, problem in (
        ({"after": "not-a-cursor"}, "BAD_CURSOR"),
        ({"first": "500"}, "PAGE_SIZE_OUT_OF_RANGE"),
        ({"keyword": "x" * 51}, "FILTER_TEXT_LENGTH"),
    ):
        bad = await client.http.get("/public/results", params=params)
        assert bad.status_code == 400, params
        assert bad.json()["errors"][0]["extensions"]["problem"] == problem
    # Everything else keeps no-store.
    graphql = await client.post(RESULTS)
    assert graphql.headers["cache-control"] == "no-store"


async def test_anonymous_readers_are_rate_limited_per_address(
    settings: Settings, clock: MovableClock
) -> None:
    limited = msgspec.structs.replace(settings, rate_limit_anonymous=3)
    async with running(create_app(limited, clock=clock)) as http:
        answers = [await http.get("/public/results") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 2
    assert answers[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(answers[-1].headers["retry-after"]) > 0


PAGE = """query ($first: Int!) { publicResults(first: $first, filter: {keyword: "许字"}) {
  totalCount edges { node { holderName resultNumber matterName departmentName decidedOn } }
  pageInfo { hasNextPage } } }"""


async def test_a_page_of_50_costs_the_statements_of_a_page_of_10(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 51)
    await conn.execute(
        """UPDATE case_record SET state = 'approved', decision = 'approved',
               decided_at = received_at + interval '1 day',
               result_number = '穗天市监许字〔2026〕' || lpad(substr(number, 16), 6, '0') || '号'"""
    )
    small = await statements(client, "", PAGE, 10)
    large = await statements(client, "", PAGE, 50)
    assert (small[1], large[1]) == (10, 50)
    assert small[0] == large[0], f"10 → {small[0]} statements, 50 → {large[0]}"
    assert large[0] <= 3
