from tests.conftest import GraphQLClient

REGION = """
query ($code: String!) {
  region(code: $code) {
    code name level
    parent { code }
    ancestors { code level }
    children { code }
    descendants { code level }
    departments { code }
  }
}
"""


async def test_a_street_knows_its_ancestors_from_the_province_down(client: GraphQLClient) -> None:
    data = await client.execute(REGION, {"code": "440106005"})
    region = data["region"]
    assert region["name"] == "石牌街道"
    assert region["level"] == "TOWNSHIP"
    assert region["parent"] == {"code": "440106"}
    assert region["ancestors"] == [
        {"code": "440000", "level": "PROVINCE"},
        {"code": "440100", "level": "CITY"},
        {"code": "440106", "level": "COUNTY"},
    ]
    assert region["children"] == []
    assert region["descendants"] == []
    assert region["departments"] == [{"code": "TH-SPJD"}]


async def test_a_city_lists_its_children_and_all_descendants(client: GraphQLClient) -> None:
    data = await client.execute(REGION, {"code": "440100"})
    region = data["region"]
    assert region["ancestors"] == [{"code": "440000", "level": "PROVINCE"}]
    assert [c["code"] for c in region["children"]] == ["440104", "440106"]
    assert region["descendants"] == [
        {"code": "440104", "level": "COUNTY"},
        {"code": "440106", "level": "COUNTY"},
        {"code": "440104001", "level": "TOWNSHIP"},
        {"code": "440106005", "level": "TOWNSHIP"},
    ]
    assert "GZ-GJJ" in [d["code"] for d in region["departments"]]


async def test_the_province_has_every_region_below_it(client: GraphQLClient) -> None:
    data = await client.execute(REGION, {"code": "440000"})
    region = data["region"]
    assert region["parent"] is None
    assert region["ancestors"] == []
    assert len(region["descendants"]) == 10
    assert {c["code"] for c in region["children"]} == {"440100", "440300"}


async def test_regions_by_level(client: GraphQLClient) -> None:
    data = await client.execute("{ regions(level: CITY) { code name } }")
    assert data["regions"] == [
        {"code": "440100", "name": "广州市"},
        {"code": "440300", "name": "深圳市"},
    ]


async def test_an_unknown_region_is_null_and_a_malformed_code_is_a_typed_error(
    client: GraphQLClient,
) -> None:
    data = await client.execute(REGION, {"code": "990000"})
    assert data["region"] is None
    response = await client.post(REGION, {"code": "44-01"})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "code"


async def test_departments_of_a_region(client: GraphQLClient) -> None:
    data = await client.execute(
        '{ departments(regionCode: "440106") { code name region { name } } }'
    )
    codes = [d["code"] for d in data["departments"]]
    assert {"TH-SCJG", "TH-SWJ", "TH-GAFJ", "TH-ZSJ"} <= set(codes)
    assert all(d["region"]["name"] == "天河区" for d in data["departments"])
