"""The matter guide (办事指南, issue 15): anyone reads a matter's legal basis, conditions,
channels, steps, fees and phones; administrators write it with the version, field by field
validated; the catalogue search finds matters by it; a case keeps its version's guide."""

from typing import Any

import asyncpg
import pytest
from tests.cases.factories import make_case
from tests.catalogue.test_catalogue import (
    CREATE,
    PUBLISH,
    SAVE,
    all_pages,
    count_rows,
    department_ids,
    spec,
)
from tests.conftest import GraphQLClient

GUIDE_FIELDS = """
  legalBasis { law article }
  conditions
  channels { kind url address hours note }
  steps { name description }
  fees { free display items { name amountFen formula display legalBasis { law article } } }
  consultationPhone complaintPhone
  result { type name }
"""
MATTER_GUIDE = f"""query ($code: String!) {{ matter(code: $code) {{
  currentVersion guide {{ {GUIDE_FIELDS} }} current {{ version guide {{ {GUIDE_FIELDS} }} }} }} }}"""
CASE_GUIDE = """query ($number: String!) { case(number: $number) {
  matter { version guide { conditions fees { free display } result { name } } } } }"""
DRAFT_GUIDE = (
    """query ($code: String!) { matter(code: $code) { draft { guide { conditions } } } }"""
)

FOOD_BASIS = {"law": "《中华人民共和国食品安全法》", "article": "第三十五条"}


def guide(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "legalBasis": [FOOD_BASIS, {"law": "《食品经营许可和备案管理办法》"}],
        "conditions": ["具有与经营的食品品种、数量相适应的经营场所", "有食品安全管理人员"],
        "channels": [
            {"kind": "ONLINE", "url": "https://www.gdzwfw.gov.cn/"},
            {
                "kind": "WINDOW",
                "address": "天河区政务服务中心二楼食品许可窗口",
                "hours": "周一至周五 9:00–17:00",
            },
        ],
        "steps": [
            {"name": "受理"},
            {"name": "现场核查", "description": "必要时"},
            {"name": "决定"},
        ],
        "fees": {"free": True},
        "consultationPhone": "020-38622312",
        "complaintPhone": "12315",
        "result": {"type": "LICENCE", "name": "食品经营许可证"},
    }
    return base | overrides


async def test_anyone_reads_a_guide_with_its_fees_in_yuan(client: GraphQLClient) -> None:
    id_card = (await client.execute(MATTER_GUIDE, {"code": "TH-ID-RENEW"}))["matter"]
    assert id_card["guide"] == id_card["current"]["guide"]
    fees = id_card["guide"]["fees"]
    assert fees["free"] is False
    assert [(i["amountFen"], i["display"]) for i in fees["items"]] == [
        (2000, "¥20.00"),
        (1000, "¥10.00"),
    ]
    assert "2322号" in fees["items"][0]["legalBasis"]["law"]
    assert (
        fees["display"]
        == "换领、补领居民身份证工本费 ¥20.00；临时居民身份证工本费（申领时） ¥10.00"
    )

    marriage = (await client.execute(MATTER_GUIDE, {"code": "TH-MARRIAGE"}))["matter"]["guide"]
    assert marriage["fees"] == {"free": True, "display": "免费", "items": []}
    assert marriage["result"] == {"type": "CERTIFICATE", "name": "结婚证"}
    assert "男方年满二十二周岁，女方年满二十周岁" in marriage["conditions"]
    assert {c["kind"] for c in marriage["channels"]} == {"ONLINE", "WINDOW"}
    assert marriage["legalBasis"][0]["law"] == "《中华人民共和国民法典》"


@pytest.mark.parametrize(
    ("keyword", "codes"),
    [
        ("冷静期", ["TH-DIVORCE"]),  # a condition
        ("结婚证", ["TH-MARRIAGE"]),  # the result's name, not in the matter's name
        ("2322号", ["TH-ID-RENEW"]),  # a fee's legal basis
        ("劳动保障监察条例", ["TH-WAGE-COMPLAINT"]),  # the legal basis
    ],
)
async def test_the_search_finds_matters_by_their_guide(
    client: GraphQLClient, keyword: str, codes: list[str]
) -> None:
    assert await all_pages(client, {"keyword": keyword}, 10) == codes


async def test_guide_search_pages_by_keyset_like_the_rest(client: GraphQLClient) -> None:
    everything = await all_pages(client, {"keyword": "政务服务中心"}, 100)
    assert len(everything) >= 3
    assert await all_pages(client, {"keyword": "政务服务中心"}, 1) == everything


async def test_an_admin_writes_the_guide_and_a_case_keeps_its_versions_guide(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    created = await client.execute(
        CREATE, {"code": "TH-FOOD", "spec": spec(ids, guide=guide())}, token=admin
    )
    assert created["createMatter"]["userErrors"] == []
    # A draft's guide is for administrators until it is published.
    assert (await client.execute(MATTER_GUIDE, {"code": "TH-FOOD"}))["matter"] is None
    draft = await client.execute(DRAFT_GUIDE, {"code": "TH-FOOD"}, token=admin)
    assert draft["matter"]["draft"]["guide"]["conditions"][1] == "有食品安全管理人员"
    await client.execute(PUBLISH, {"code": "TH-FOOD"}, token=admin)

    case, applicant = await make_case(
        client, conn, matter="TH-FOOD", codes=["application", "licence"]
    )

    charged = {
        "items": [
            {"name": "许可证工本费", "amountFen": 1250, "legalBasis": FOOD_BASIS},
            {
                "name": "现场核查费",
                "formula": "按经营面积每平方米 0.5 元计收",
                "legalBasis": {"law": "《广东省行政事业性收费项目目录》"},
            },
        ]
    }
    changes = guide(conditions=["具有经营场所", "新增：具有冷链设施"], fees=charged)
    saved = await client.execute(
        SAVE, {"code": "TH-FOOD", "spec": spec(ids, guide=changes)}, token=admin
    )
    assert saved["saveMatterDraft"]["userErrors"] == []
    await client.execute(PUBLISH, {"code": "TH-FOOD"}, token=admin)

    now = (await client.execute(MATTER_GUIDE, {"code": "TH-FOOD"}))["matter"]
    assert now["currentVersion"] == 2
    assert now["guide"]["conditions"] == ["具有经营场所", "新增：具有冷链设施"]
    assert [
        (i["amountFen"], i["formula"], i["display"]) for i in now["guide"]["fees"]["items"]
    ] == [
        (1250, "", "¥12.50"),
        (None, "按经营面积每平方米 0.5 元计收", "按经营面积每平方米 0.5 元计收"),
    ]
    filed = (await client.execute(CASE_GUIDE, {"number": case["number"]}, token=applicant))["case"]
    assert filed["matter"] == {
        "version": 1,
        "guide": {
            "conditions": ["具有与经营的食品品种、数量相适应的经营场所", "有食品安全管理人员"],
            "fees": {"free": True, "display": "免费"},
            "result": {"name": "食品经营许可证"},
        },
    }
    # The new version's guide is what the search now matches.
    assert await all_pages(client, {"keyword": "冷链设施"}, 10) == ["TH-FOOD"]


async def test_a_bad_guide_is_refused_field_by_field_and_nothing_is_written(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    before = await count_rows(conn)
    bad = guide(
        legalBasis=[],
        conditions=["有经营场所", " "],
        channels=[
            {"kind": "ONLINE", "url": "http://example.cn/"},
            {"kind": "WINDOW", "address": "天河区政务服务中心"},
            {"kind": "POST"},
        ],
        steps=[],
        fees={
            "free": True,
            "items": [
                {"name": "工本费", "legalBasis": {"law": ""}},
                {"name": "核查费", "amountFen": 0, "formula": "按面积", "legalBasis": FOOD_BASIS},
            ],
        },
        consultationPhone="call us",
        complaintPhone="12345",
        result={"type": "LICENCE", "name": ""},
    )
    result = (
        await client.execute(CREATE, {"code": "TH-BAD", "spec": spec(ids, guide=bad)}, token=admin)
    )["createMatter"]
    assert result["matter"] is None
    assert [(e["field"], e["problem"]) for e in result["userErrors"]] == [
        ("spec.guide.legalBasis", "NO_LEGAL_BASIS"),
        ("spec.guide.conditions[1]", "REQUIRED"),
        ("spec.guide.channels[0].url", "INVALID_URL"),
        ("spec.guide.channels[1].hours", "REQUIRED"),
        ("spec.guide.channels[2].address", "REQUIRED"),
        ("spec.guide.steps", "NO_STEPS"),
        ("spec.guide.fees", "FEES_FREE_WITH_ITEMS"),
        ("spec.guide.fees.items[0]", "FEE_AMOUNT_OR_FORMULA"),
        ("spec.guide.fees.items[0].legalBasis.law", "REQUIRED"),
        ("spec.guide.fees.items[1]", "FEE_AMOUNT_OR_FORMULA"),
        ("spec.guide.fees.items[1].amountFen", "FEE_AMOUNT_OUT_OF_RANGE"),
        ("spec.guide.consultationPhone", "INVALID_PHONE"),
        ("spec.guide.result.name", "REQUIRED"),
    ]
    assert await count_rows(conn) == before


async def test_fees_neither_free_nor_listed_are_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    unpriced = guide(fees={"free": False})
    result = (
        await client.execute(
            CREATE, {"code": "TH-UNPRICED", "spec": spec(ids, guide=unpriced)}, token=admin
        )
    )["createMatter"]
    assert [(e["field"], e["problem"], e["message"]) for e in result["userErrors"]] == [
        ("spec.guide.fees", "FEES_MISSING", "请标明不收费，或列明收费项目")
    ]


async def test_only_administrators_write_a_guide(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    window = await client.officer_token("th.shipai.window")
    ids = await department_ids(conn)
    result = (
        await client.execute(
            SAVE, {"code": "TH-MARRIAGE", "spec": spec(ids, guide=guide())}, token=window
        )
    )["saveMatterDraft"]
    assert [e["problem"] for e in result["userErrors"]] == ["ADMINS_ONLY"]
    marriage = (await client.execute(MATTER_GUIDE, {"code": "TH-MARRIAGE"}))["matter"]
    assert marriage["currentVersion"] == 1
    assert marriage["guide"]["result"]["name"] == "结婚证"


async def test_a_portal_page_of_fifty_matters_with_their_guides_is_served_anonymously(
    client: GraphQLClient,
) -> None:
    query = f"{{ matters(first: 50) {{ edges {{ node {{ code guide {{ {GUIDE_FIELDS} }} }} }} }} }}"
    edges = (await client.execute(query))["matters"]["edges"]
    assert all(e["node"]["guide"]["consultationPhone"] for e in edges)


async def test_a_guide_has_as_many_entries_as_a_real_one_needs(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    long = guide(legalBasis=[{"law": f"《规定{i}》"} for i in range(11)])
    result = (
        await client.execute(
            CREATE, {"code": "TH-LONG", "spec": spec(ids, guide=long)}, token=admin
        )
    )["createMatter"]
    assert [(e["field"], e["problem"], e["message"]) for e in result["userErrors"]] == [
        ("spec.guide.legalBasis", "TOO_MANY_ENTRIES", "最多填写 10 项")
    ]
