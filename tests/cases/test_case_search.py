"""Case lists as front ends use them (issue 11): Relay pages both ways, totalCount, search and
sort — always within what the viewer may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from tests.cases.factories import make_applicant, uploaded_files, window_principal
from tests.cases.test_query_cost import seed, statements
from tests.conftest import GraphQLClient

from tongban.auth.types import Principal
from tongban.blobs import FilesystemBlobStore
from tongban.cases import intake, service
from tongban.cases.runner import Env, perform
from tongban.cases.types import Submission

LIST = """query ($filter: CaseFilter, $sort: CaseSort! = RECEIVED_DESC, $first: Int,
  $after: String, $last: Int, $before: String) {
  cases(filter: $filter, sort: $sort, first: $first, after: $after, last: $last,
        before: $before) {
    totalCount
    edges { cursor node { number } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }"""

NAMES = ["张三", "李四", "王五", "赵六", "张三丰", "钱七", "孙八", "李四", "周九", "吴十", "郑一"]
BASE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def id_number(i: int) -> str:
    return f"44010619900101{i:04d}"


async def file_cases(client: GraphQLClient, conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """One case per name (two applicants share 李四's name), received at 石牌街道; the even ones
    accepted (so they have a promised date). Received times have ties: pairs share an instant."""
    window = await window_principal(conn)
    blobs = FilesystemBlobStore(client.settings.blob_dir)
    files = uploaded_files()
    filed = []
    for i, name in enumerate(NAMES):
        applicant_id = await make_applicant(
            conn, name=name, id_number=id_number(i), mobile=f"1390000{i:04d}"
        )
        person = Principal(
            kind="applicant",
            subject=f"applicant:{i}",
            applicant_id=applicant_id,
            applicant_type="person",
        )
        async with conn.transaction():
            case, _ = await service.submit_case(
                conn,
                person,
                Submission(
                    matter_code="GD-BL-001",
                    region_code="440106005",
                    applicant=None,
                    form_data={"i": i},
                    files=files,
                    idempotency_key=f"search-key-{i:04d}",
                ),
                settings=client.settings,
                blobs=blobs,
                clock=client.clock,
            )
            if i % 2 == 0:
                await perform(
                    conn,
                    window,
                    Env(settings=client.settings, clock=client.clock),
                    intake.accept,
                    case.number,
                    case.version,
                )
        received = BASE + timedelta(days=i // 2)
        await conn.execute(
            "UPDATE case_record SET received_at = $2, received_on = $3 WHERE id = $1",
            case.id,
            received,
            received.date(),
        )
        filed.append(
            {
                "i": i,
                "id": case.id,
                "number": case.number,
                "name": name,
                "applicant_id": applicant_id,
                "received_at": received,
            }
        )
    return filed


async def page(client: GraphQLClient, token: str, **variables: Any) -> dict[str, Any]:
    data = await client.execute(LIST, variables, token=token)
    result: dict[str, Any] = data["cases"]
    return result


def numbers(result: dict[str, Any]) -> list[str]:
    return [e["node"]["number"] for e in result["edges"]]


async def walk(client: GraphQLClient, token: str, size: int, **variables: Any) -> list[str]:
    """Every page forwards, then every page backwards; both must give the same list."""
    forward: list[str] = []
    after = None
    for _ in range(len(NAMES) + 2):
        p = await page(client, token, first=size, after=after, **variables)
        forward += numbers(p)
        assert p["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not p["pageInfo"]["hasNextPage"]:
            break
        after = p["pageInfo"]["endCursor"]
    else:
        raise AssertionError(f"no last page going forwards: {forward}")
    backward: list[str] = []
    before = None
    for _ in range(len(NAMES) + 2):
        p = await page(client, token, last=size, before=before, **variables)
        backward = numbers(p) + backward
        assert p["pageInfo"]["hasNextPage"] == (before is not None)
        if not p["pageInfo"]["hasPreviousPage"]:
            break
        before = p["pageInfo"]["startCursor"]
    else:
        raise AssertionError(f"no first page going backwards: {backward}")
    assert forward == backward
    assert len(set(forward)) == len(forward)
    return forward


@pytest.fixture
async def filed(client: GraphQLClient, conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return await file_cases(client, conn)


def by_received(filed: list[dict[str, Any]], *, descending: bool) -> list[str]:
    ordered = sorted(filed, key=lambda c: (c["received_at"], c["id"]), reverse=descending)
    return [c["number"] for c in ordered]


async def test_forward_and_backward_pages_give_the_same_cases_in_the_same_order(
    client: GraphQLClient, filed: list[dict[str, Any]]
) -> None:
    token = await client.officer_token("th.shipai.window")
    for size in (1, 3, 4, 20):
        assert await walk(client, token, size) == by_received(filed, descending=True)
    first = await page(client, token, first=4)
    assert first["totalCount"] == len(NAMES)
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    last = await page(client, token, last=4)
    assert numbers(last) == by_received(filed, descending=True)[-4:]
    assert (last["pageInfo"]["hasPreviousPage"], last["pageInfo"]["hasNextPage"]) == (True, False)
    # Between two cursors: the cases strictly in between.
    everything = await page(client, token, first=20)
    cursors = [e["cursor"] for e in everything["edges"]]
    middle = await page(client, token, after=cursors[1], before=cursors[6])
    assert numbers(middle) == numbers(everything)[2:6]


@pytest.mark.parametrize(
    ("sort", "key", "descending"),
    [
        ("RECEIVED_ASC", lambda c: (c["received_at"], c["id"]), False),
        ("RECEIVED_DESC", lambda c: (c["received_at"], c["id"]), True),
        ("NUMBER_ASC", lambda c: (c["number"], c["id"]), False),
        ("NUMBER_DESC", lambda c: (c["number"], c["id"]), True),
        ("DUE_ASC", lambda c: (c["due"] or date(9999, 1, 1), c["id"]), False),
    ],
)
async def test_each_order_pages_stably_through_ties(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    filed: list[dict[str, Any]],
    sort: str,
    key: Any,
    descending: bool,
) -> None:
    # Two promised dates shared by several cases, and cases without one (not accepted).
    for c in filed:
        c["due"] = None
        if c["i"] % 2 == 0:
            c["due"] = date(2026, 4, 1) if c["i"] % 4 == 0 else date(2026, 3, 20)
            await conn.execute(
                "UPDATE deadline_clock SET due_on = $2 WHERE case_id = $1 AND kind = 'promised'",
                c["id"],
                c["due"],
            )
    token = await client.officer_token("gz.supervisor")
    expected = [c["number"] for c in sorted(filed, key=key, reverse=descending)]
    assert await walk(client, token, 3, sort=sort) == expected


async def test_a_cursor_of_one_order_is_refused_by_another(
    client: GraphQLClient, filed: list[dict[str, Any]]
) -> None:
    token = await client.officer_token("gz.supervisor")
    cursor = (await page(client, token, first=2, sort="NUMBER_ASC"))["pageInfo"]["endCursor"]
    body = (await client.post(LIST, {"first": 2, "after": cursor}, token=token)).json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == "after"
    assert error["extensions"]["problem"] == "BAD_CURSOR"


@pytest.mark.parametrize("mangle", ["garbage", "edited", "truncated", "empty"])
async def test_a_bad_cursor_is_a_typed_error(
    client: GraphQLClient, filed: list[dict[str, Any]], mangle: str
) -> None:
    token = await client.officer_token("gz.supervisor")
    good = (await page(client, token, first=2))["pageInfo"]["endCursor"]
    bad = {
        "garbage": "not a cursor!",
        "edited": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "truncated": good[:10],
        "empty": "",
    }[mangle]
    for argument, size in (("after", "first"), ("before", "last")):
        body = (await client.post(LIST, {size: 2, argument: bad}, token=token)).json()
        [error] = body["errors"]
        assert error["extensions"]["code"] == "VALIDATION", error
        assert error["extensions"]["field"] == argument
        assert error["extensions"]["problem"] == "BAD_CURSOR"


@pytest.mark.parametrize(
    ("variables", "field", "problem"),
    [
        ({"first": 2, "last": 2}, "last", "FIRST_AND_LAST"),
        ({"first": 101}, "first", "PAGE_SIZE_OUT_OF_RANGE"),
        ({"last": 0}, "last", "PAGE_SIZE_OUT_OF_RANGE"),
    ],
)
async def test_page_sizes_are_checked(
    client: GraphQLClient, variables: dict[str, Any], field: str, problem: str
) -> None:
    token = await client.officer_token("gz.supervisor")
    body = (await client.post(LIST, variables, token=token)).json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["extensions"]["field"] == field
    assert error["extensions"]["problem"] == problem


async def test_each_filter_narrows_the_list_and_its_total(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    token = await client.officer_token("th.shipai.window")
    one = filed[3]
    decided_at = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)  # 11 March in Beijing
    await conn.execute(
        "UPDATE case_record SET decided_at = $2, state = 'approved' WHERE id = ANY($1::uuid[])",
        [filed[0]["id"], filed[2]["id"]],
        decided_at,
    )
    cases = {
        "number": [one],
        "numberPrefix": [one],
        "applicantName": [c for c in filed if "张三" in c["name"]],
        "applicantIdNumber": [one],
        "applicantMobile": [one],
        "receivedOn": [c for c in filed if c["i"] // 2 in (1, 2)],
        "decidedOn": [filed[0], filed[2]],
        "states": [c for c in filed if c["i"] % 2 == 1],
        "keyword": [c for c in filed if c["name"] == "李四"],
        "matterCode": filed,
    }
    values: dict[str, Any] = {
        "number": one["number"],
        "numberPrefix": one["number"][:20],
        "applicantName": "张三",
        "applicantIdNumber": id_number(3),
        "applicantMobile": "13900000003",
        "receivedOn": {"from": "2026-03-03", "to": "2026-03-04"},
        "decidedOn": {"from": "2026-03-11", "to": "2026-03-11"},
        "states": ["RECEIVED"],
        "keyword": "李四",
        "matterCode": "GD-BL-001",
    }
    for name, expected in cases.items():
        result = await page(client, token, first=50, filter={name: values[name]})
        want = {c["number"] for c in expected}
        assert set(numbers(result)) == want, name
        assert result["totalCount"] == len(want), name
    # The matter's name is searched too, and filters combine with AND.
    assert (await page(client, token, filter={"keyword": "营业执照"}))["totalCount"] == len(NAMES)
    assert (await page(client, token, filter={"keyword": "不存在的事项"}))["totalCount"] == 0
    both = await page(client, token, filter={"keyword": "营业执照", "applicantName": "赵六"})
    assert numbers(both) == [filed[3]["number"]]
    # A decided range around the other Beijing day finds nothing.
    none = await page(
        client, token, filter={"decidedOn": {"from": "2026-03-10", "to": "2026-03-10"}}
    )
    assert none["totalCount"] == 0


async def test_filter_input_is_checked(client: GraphQLClient, filed: list[dict[str, Any]]) -> None:
    token = await client.officer_token("th.shipai.window")
    for filter_, field in (
        ({"number": "123"}, "filter.number"),
        ({"keyword": "  "}, "filter.keyword"),
        ({"receivedOn": {"from": "2026-03-05", "to": "2026-03-01"}}, "filter.receivedOn.to"),
    ):
        body = (await client.post(LIST, {"filter": filter_}, token=token)).json()
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", field)


async def test_an_applicant_searches_only_their_own_cases(
    client: GraphQLClient, filed: list[dict[str, Any]]
) -> None:
    mine = filed[1]  # 李四, who shares the name with filed[7]
    token = client.applicant_token(mine["applicant_id"])
    assert numbers(await page(client, token)) == [mine["number"]]
    found = await page(client, token, filter={"keyword": "李四"})
    assert (numbers(found), found["totalCount"]) == ([mine["number"]], 1)
    for filter_ in (
        {"keyword": "张三"},
        {"applicantName": "王五"},
        {"number": filed[2]["number"]},
        {"number": filed[7]["number"]},  # the other 李四's
    ):
        found = await page(client, token, filter=filter_)
        assert (numbers(found), found["totalCount"]) == ([], 0)
    body = (
        await client.post(LIST, {"filter": {"applicantIdNumber": id_number(2)}}, token=token)
    ).json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["field"] == "filter.applicantIdNumber"


async def test_a_window_officer_searches_only_what_they_may_see(
    client: GraphQLClient, conn: asyncpg.Connection, filed: list[dict[str, Any]]
) -> None:
    secret = filed[4]
    await conn.execute("UPDATE case_record SET confidentiality = 2 WHERE id = $1", secret["id"])
    here = await client.officer_token("th.shipai.window")  # clearance 1
    elsewhere = await client.officer_token("yx.window")  # another district
    by_person = {"applicantIdNumber": id_number(0)}
    assert numbers(await page(client, here, filter=by_person)) == [filed[0]["number"]]
    assert (await page(client, elsewhere, filter=by_person))["totalCount"] == 0
    assert (await page(client, elsewhere, filter={"keyword": "营业执照"}))["totalCount"] == 0
    hidden = await page(client, here, filter={"applicantIdNumber": id_number(4)})
    assert (numbers(hidden), hidden["totalCount"]) == ([], 0)
    assert (await page(client, here, filter={"keyword": "营业执照"}))["totalCount"] == len(
        NAMES
    ) - 1


SEARCHED = """query ($first: Int!) { cases(first: $first, sort: DUE_ASC,
  filter: {keyword: "营业执照", receivedOn: {from: "2020-01-01"}, states: [ACCEPTED]}) {
  totalCount edges { node { number state applicant { name } matter { name }
    deadlines { kind dueOn } } } pageInfo { hasNextPage startCursor } } }"""


async def test_a_searched_page_costs_the_same_whatever_its_size(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 51)
    token = await client.officer_token("th.shipai.window")
    small = await statements(client, token, SEARCHED, 5)
    large = await statements(client, token, SEARCHED, 50)
    assert (small[1], large[1]) == (5, 50)
    assert small[0] == large[0], f"5 → {small[0]} statements, 50 → {large[0]}"


async def test_keywords_of_three_characters_can_use_the_trigram_indexes(
    conn: asyncpg.Connection,
) -> None:
    # The test database is tiny, so the planner would scan anyway: forbid that to see whether
    # the index serves the search's predicates at all.
    await conn.execute("SET enable_seqscan = off")
    for table, index in (
        ("applicant", "applicant_name_trgm_idx"),
        ("matter_version", "matter_version_name_trgm_idx"),
    ):
        rows = await conn.fetch(f"EXPLAIN SELECT 1 FROM {table} WHERE name ILIKE '%营业执%'")
        assert index in "\n".join(r[0] for r in rows)
    await conn.execute("RESET enable_seqscan")
