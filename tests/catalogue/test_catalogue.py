import asyncio
from typing import Any

import asyncpg
import pytest
from tests.conftest import GraphQLClient

SEARCH = """
query ($filter: MatterFilterInput, $first: Int!, $after: String) {
  matters(filter: $filter, first: $first, after: $after) {
    edges { cursor node { code current { name category level department { code } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PAYLOAD = """
  matter { code currentVersion }
  version { version status revision name promisedLimit statutoryLimit publishedAt }
  userErrors { code problem field message details }
"""
CREATE = f"mutation ($code: String!, $spec: MatterSpecInput!) {{ createMatter(code: $code, spec: $spec) {{ {PAYLOAD} }} }}"
SAVE = f"mutation ($code: String!, $spec: MatterSpecInput!, $rev: Int) {{ saveMatterDraft(code: $code, spec: $spec, expectedRevision: $rev) {{ {PAYLOAD} }} }}"
PUBLISH = f"mutation ($code: String!, $rev: Int) {{ publishMatter(code: $code, expectedRevision: $rev) {{ {PAYLOAD} }} }}"


async def department_ids(conn: asyncpg.Connection) -> dict[str, str]:
    return {r["code"]: r["id"] for r in await conn.fetch("SELECT code, id::text FROM department")}


def spec(ids: dict[str, str], **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "食品经营许可",
        "description": "从事食品销售和餐饮服务活动申请食品经营许可证",
        "category": "LICENSING",
        "caseType": "COMMITMENT",
        "level": "COUNTY",
        "departmentId": ids["TH-SCJG"],
        "statutoryLimit": 20,
        "promisedLimit": 10,
        "materials": [
            {"code": "application", "name": "食品经营许可申请书", "form": "ORIGINAL"},
            {"code": "licence", "name": "营业执照", "eLicenceAccepted": True},
        ],
        "reviewPlan": [
            {"name": "现场核查", "departmentIds": [ids["TH-SCJG"]], "mode": "SEQUENTIAL"},
            {"name": "会签", "departmentIds": [ids["TH-SCJG"], ids["GZ-SCJG"]], "limitDays": 5},
        ],
    }
    return base | overrides


async def count_rows(conn: asyncpg.Connection) -> tuple[int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM matter"),
        await conn.fetchval("SELECT count(*) FROM matter_version"),
    )


async def all_pages(client: GraphQLClient, filter: dict[str, Any] | None, first: int) -> list[str]:
    codes: list[str] = []
    after = None
    while True:
        data = await client.execute(SEARCH, {"filter": filter, "first": first, "after": after})
        page = data["matters"]
        codes += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return codes
        after = page["pageInfo"]["endCursor"]


async def test_the_demo_catalogue_is_searchable(client: GraphQLClient) -> None:
    codes = await all_pages(client, None, 100)
    assert len(codes) >= 10
    data = await client.execute(SEARCH, {"filter": {"keyword": "公积金"}, "first": 10})
    names = {e["node"]["current"]["name"] for e in data["matters"]["edges"]}
    assert names == {"住房公积金提取（购房）", "住房公积金个人住房贷款"}


@pytest.mark.parametrize("first", [1, 2, 3, 7])
async def test_paging_neither_repeats_nor_skips(client: GraphQLClient, first: int) -> None:
    everything = await all_pages(client, None, 100)
    paged = await all_pages(client, None, first)
    assert paged == everything
    assert len(set(paged)) == len(paged)


async def test_paging_stays_stable_while_matters_are_published(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    before = await all_pages(client, None, 100)
    first_page = await client.execute(SEARCH, {"first": 4})
    seen = [e["node"]["code"] for e in first_page["matters"]["edges"]]
    # A matter sorting before the cursor appears meanwhile; the rest of the walk is unaffected.
    await client.execute(CREATE, {"code": "AA-NEW", "spec": spec(ids)}, token=admin)
    await client.execute(PUBLISH, {"code": "AA-NEW"}, token=admin)
    after = first_page["matters"]["pageInfo"]["endCursor"]
    while after:
        data = await client.execute(SEARCH, {"first": 4, "after": after})
        seen += [e["node"]["code"] for e in data["matters"]["edges"]]
        after = (
            data["matters"]["pageInfo"]["endCursor"]
            if data["matters"]["pageInfo"]["hasNextPage"]
            else None
        )
    assert seen == before


async def test_filters_combine(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    ids = await department_ids(conn)
    by_region = await all_pages(client, {"regionCode": "440106"}, 50)
    assert set(by_region) == {
        "GD-BL-001",
        "TH-MARRIAGE",
        "TH-DIVORCE",
        "TH-WAGE-COMPLAINT",
        "TH-ID-RENEW",
        "TH-DRUG-RETAIL",
        # The matters of the demo bundles 开餐馆 and 生孩子 (issue 16).
        "TH-FOOD-BIZ",
        "TH-SIGNBOARD",
        "TH-BIRTH-CERT",
        "TH-HUKOU-BIRTH",
    }
    in_shenzhen = await all_pages(client, {"regionCode": "440300"}, 50)
    assert in_shenzhen == ["SZ-BL-001"]
    licensing = await all_pages(client, {"category": "LICENSING"}, 50)
    assert set(licensing) == {
        "GD-BL-001",
        "SZ-BL-001",
        "TH-DRUG-RETAIL",
        "TH-FOOD-BIZ",
        "TH-SIGNBOARD",
    }
    city = await all_pages(client, {"level": "CITY", "departmentId": ids["GZ-GJJ"]}, 50)
    assert city == ["GZ-HPF-LOAN", "GZ-HPF-WITHDRAW"]
    none = await all_pages(client, {"keyword": "营业执照", "regionCode": "440104"}, 50)
    assert none == []
    percent = await all_pages(client, {"keyword": "%"}, 50)
    assert percent == [], "LIKE wildcards in a keyword are matched literally"


async def test_a_bad_cursor_or_page_size_is_a_typed_error(client: GraphQLClient) -> None:
    response = await client.post(SEARCH, {"first": 5, "after": "%%%"})
    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    response = await client.post(SEARCH, {"first": 1000})
    assert response.json()["errors"][0]["extensions"]["field"] == "first"


async def test_a_matter_with_its_versions(client: GraphQLClient) -> None:
    data = await client.execute(
        """{ matter(code: "GD-BL-001") { code currentVersion
              current { version status name jointHandling statutoryLimit promisedLimit
                        materials { code name required form eLicenceAccepted }
                        reviewPlan { name mode join limitDays departments { code } } }
              versions { version } draft { version } } }"""
    )
    matter = data["matter"]
    assert matter["currentVersion"] == 1
    current = matter["current"]
    assert current["status"] == "PUBLISHED"
    assert current["reviewPlan"][0]["mode"] == "PARALLEL"
    assert [d["code"] for d in current["reviewPlan"][0]["departments"]] == [
        "TH-SCJG",
        "TH-SWJ",
        "TH-GAFJ",
    ]
    assert matter["versions"] == [{"version": 1}]
    assert matter["draft"] is None


async def test_create_edit_publish_and_a_new_version(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    created = (await client.execute(CREATE, {"code": "TH-FOOD", "spec": spec(ids)}, token=admin))[
        "createMatter"
    ]
    assert created["userErrors"] == []
    assert created["version"]["status"] == "DRAFT"
    assert created["matter"]["currentVersion"] is None

    saved = (
        await client.execute(
            SAVE, {"code": "TH-FOOD", "spec": spec(ids, promisedLimit=8), "rev": 1}, token=admin
        )
    )["saveMatterDraft"]
    assert saved["userErrors"] == []
    assert saved["version"]["revision"] == 2

    published = (await client.execute(PUBLISH, {"code": "TH-FOOD", "rev": 2}, token=admin))[
        "publishMatter"
    ]
    assert published["userErrors"] == []
    assert published["version"]["status"] == "PUBLISHED"
    assert published["matter"]["currentVersion"] == 1

    # Editing a published matter opens version 2; version 1 stays as it was.
    saved2 = (
        await client.execute(
            SAVE, {"code": "TH-FOOD", "spec": spec(ids, name="食品经营许可（新）")}, token=admin
        )
    )["saveMatterDraft"]
    assert saved2["version"]["version"] == 2
    await client.execute(PUBLISH, {"code": "TH-FOOD"}, token=admin)
    data = await client.execute(
        '{ matter(code: "TH-FOOD") { currentVersion versions { version name promisedLimit } } }'
    )
    assert data["matter"]["currentVersion"] == 2
    assert data["matter"]["versions"] == [
        {"version": 2, "name": "食品经营许可（新）", "promisedLimit": 10},
        {"version": 1, "name": "食品经营许可", "promisedLimit": 8},
    ]


async def test_a_published_version_cannot_be_changed(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="published"):
        await conn.execute("UPDATE matter_version SET name = 'changed' WHERE version = 1")
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="published"):
        await conn.execute("DELETE FROM matter_version")
    admin = await client.officer_token("admin")
    response = await client.execute(PUBLISH, {"code": "GD-BL-001"}, token=admin)
    assert response["publishMatter"]["userErrors"][0]["code"] == "CONFLICT"


INVALID_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("promised > statutory", {"promisedLimit": 30}, "promisedLimit", "PROMISED_EXCEEDS_STATUTORY"),
    (
        "unknown department",
        {"departmentId": "00000000-0000-0000-0000-000000000000"},
        "departmentId",
        "UNKNOWN_DEPARTMENT",
    ),
    ("malformed department", {"departmentId": "nope"}, "departmentId", "UNKNOWN_DEPARTMENT"),
    ("empty plan", {"reviewPlan": []}, "reviewPlan", "EMPTY_PLAN"),
    ("empty name", {"name": "  "}, "name", "REQUIRED"),
    ("level mismatch", {"level": "CITY"}, "level", "LEVEL_MISMATCH"),
    (
        "negative limit",
        {"statutoryLimit": -1, "promisedLimit": -1},
        "statutoryLimit",
        "OUT_OF_RANGE",
    ),
    ("bad confidentiality", {"confidentiality": 7}, "confidentiality", "OUT_OF_RANGE"),
]


@pytest.mark.parametrize(
    ("label", "change", "field", "problem"), INVALID_CASES, ids=[c[0] for c in INVALID_CASES]
)
async def test_each_validation_error_is_typed_and_writes_nothing(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    label: str,
    change: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    before = await count_rows(conn)
    result = (
        await client.execute(CREATE, {"code": "TH-BAD", "spec": spec(ids, **change)}, token=admin)
    )["createMatter"]
    assert result["matter"] is None
    errors = {(e["field"], e["problem"]) for e in result["userErrors"]}
    assert (f"spec.{field}", problem) in errors, result["userErrors"]
    assert all(e["code"] == "VALIDATION" for e in result["userErrors"])
    assert await count_rows(conn) == before


async def test_stage_problems_name_the_stage(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    plan = [
        {"name": "会签", "departmentIds": []},
        {"name": "", "departmentIds": [ids["TH-SCJG"], ids["TH-SCJG"]], "limitDays": 99},
        {"name": "外地", "departmentIds": [ids["SZ-SCJG"]]},
    ]
    before = await count_rows(conn)
    result = (
        await client.execute(
            CREATE, {"code": "TH-BAD", "spec": spec(ids, reviewPlan=plan)}, token=admin
        )
    )["createMatter"]
    problems = {(e["field"], e["problem"]) for e in result["userErrors"]}
    assert problems == {
        ("spec.reviewPlan[0].departmentIds", "EMPTY_STAGE"),
        ("spec.reviewPlan[1].name", "REQUIRED"),
        ("spec.reviewPlan[1].departmentIds", "DUPLICATE_DEPARTMENT"),
        ("spec.reviewPlan[1].limitDays", "STAGE_LIMIT_OUT_OF_RANGE"),
        ("spec.reviewPlan[2].departmentIds", "UNRELATED_REGION"),
    }
    assert await count_rows(conn) == before


async def test_publish_validation_failure_writes_nothing(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    await client.execute(CREATE, {"code": "TH-FOOD", "spec": spec(ids)}, token=admin)
    # The department a draft names disappears before publishing (e.g. a reorganisation).
    await conn.execute("ALTER TABLE matter_version DISABLE TRIGGER matter_version_immutable")
    await conn.execute(
        'UPDATE matter_version SET review_plan = \'[{"name": "x", "department_ids": []}]\' '
        "WHERE published_at IS NULL"
    )
    await conn.execute("ALTER TABLE matter_version ENABLE TRIGGER matter_version_immutable")
    before = await conn.fetch("SELECT * FROM matter_version ORDER BY matter_id, version")
    result = (await client.execute(PUBLISH, {"code": "TH-FOOD"}, token=admin))["publishMatter"]
    assert [(e["code"], e["problem"]) for e in result["userErrors"]] == [
        ("VALIDATION", "EMPTY_STAGE")
    ]
    assert await conn.fetch("SELECT * FROM matter_version ORDER BY matter_id, version") == before
    assert await conn.fetchval("SELECT current_version FROM matter WHERE code = 'TH-FOOD'") is None


async def test_only_administrators_edit_the_catalogue(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    ids = await department_ids(conn)
    before = await count_rows(conn)
    for username in ("th.window", "th.scjg.head", "gd.supervisor"):
        token = await client.officer_token(username)
        result = (await client.execute(CREATE, {"code": "TH-X", "spec": spec(ids)}, token=token))[
            "createMatter"
        ]
        assert result["userErrors"][0]["code"] == "FORBIDDEN"
    # A city admin cannot manage a Shenzhen matter.
    gz_admin = await client.officer_token("gz.admin")
    result = (await client.execute(SAVE, {"code": "SZ-BL-001", "spec": spec(ids)}, token=gz_admin))[
        "saveMatterDraft"
    ]
    assert result["userErrors"][0]["code"] == "FORBIDDEN"
    # Anonymous callers get the authentication error.
    response = await client.post(CREATE, {"code": "TH-X", "spec": spec(ids)})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count_rows(conn) == before


async def test_duplicate_code_is_a_conflict(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    result = (await client.execute(CREATE, {"code": "GD-BL-001", "spec": spec(ids)}, token=admin))[
        "createMatter"
    ]
    assert result["userErrors"][0]["code"] == "CONFLICT"
    assert result["userErrors"][0]["field"] == "code"


async def test_concurrent_draft_edits_one_wins_the_other_conflicts(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    await client.execute(CREATE, {"code": "TH-FOOD", "spec": spec(ids)}, token=admin)
    results = await asyncio.gather(
        *(
            client.execute(
                SAVE, {"code": "TH-FOOD", "spec": spec(ids, promisedLimit=p), "rev": 1}, token=admin
            )
            for p in (5, 6)
        )
    )
    outcomes = sorted(
        "ok"
        if not r["saveMatterDraft"]["userErrors"]
        else r["saveMatterDraft"]["userErrors"][0]["code"]
        for r in results
    )
    assert outcomes == ["CONFLICT", "ok"]
    assert (
        await conn.fetchval("SELECT revision FROM matter_version WHERE published_at IS NULL") == 2
    )


async def test_drafts_are_hidden_from_the_public(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    admin = await client.officer_token("admin")
    ids = await department_ids(conn)
    await client.execute(CREATE, {"code": "TH-FOOD", "spec": spec(ids)}, token=admin)
    query = '{ matter(code: "TH-FOOD") { code draft { version } } }'
    assert (await client.execute(query))["matter"] is None
    assert (await client.execute(query, token=admin))["matter"]["draft"] == {"version": 1}
    codes = await all_pages(client, {"keyword": "食品"}, 10)
    # Only the demo's published food business licence (issue 16), never the draft.
    assert codes == ["TH-FOOD-BIZ"]
