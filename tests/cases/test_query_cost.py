"""A page of 50 costs the same number of SQL statements as a page of 10."""

import asyncpg
from tests.cases.factories import make_applicant, uploaded_files, window_principal
from tests.conftest import GraphQLClient

from tongban.auth.types import Principal
from tongban.blobs import FilesystemBlobStore
from tongban.cases import intake, service
from tongban.cases.runner import Env, perform
from tongban.cases.types import Submission

WORKLIST = """query ($first: Int!) { worklist(first: $first) { edges { node {
  stageName state dueOn department { code } deadline { dueOn remainingDays colour }
  case { number state applicant { name idNumber } tasks { state department { code } } materials { name } }
} } pageInfo { hasNextPage } } }"""

CASES = """query ($first: Int!) { cases(first: $first) { edges { node {
  number state applicant { name } tasks { state deadline { colour } } matter { name }
  history(last: 20) { action } deadlines { kind dueOn colour }
  handlingDepartment { code } receivingRegion { name }
} } } }"""


async def seed(client: GraphQLClient, conn: asyncpg.Connection, count: int) -> None:
    window = await window_principal(conn)
    blobs = FilesystemBlobStore(client.settings.blob_dir)
    files = uploaded_files()
    for i in range(count):
        applicant_id = await make_applicant(conn, name=f"申请人{i}")
        person = Principal(
            kind="applicant",
            subject=f"applicant:{i}",
            applicant_id=applicant_id,
            applicant_type="person",
        )
        async with conn.transaction():
            submission = Submission(
                matter_code="GD-BL-001",
                region_code="440106005",
                applicant=None,
                form_data={"i": i},
                files=files,
                idempotency_key=f"seed-key-{i:04d}",
            )
            case, _ = await service.submit_case(
                conn, person, submission, settings=client.settings, blobs=blobs, clock=client.clock
            )
            env = Env(settings=client.settings, clock=client.clock)
            await perform(conn, window, env, intake.accept, case.number, case.version)


async def statements(client: GraphQLClient, token: str, query: str, first: int) -> tuple[int, int]:
    """Statements of a warm request. The first use of each pooled connection adds asyncpg's
    one-off type introspection, so the fewest seen over a few runs is the request's own cost."""
    counts = []
    for _ in range(4):
        response = await client.post(query, {"first": first}, token=token)
        body = response.json()
        assert not body.get("errors"), body
        counts.append(int(response.headers["x-sql-statements"]))
    edges = next(iter(body["data"].values()))["edges"]
    return min(counts), len(edges)


async def test_a_worklist_page_of_50_costs_what_a_page_of_10_costs(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 52)
    token = await client.officer_token("th.scjg.reviewer")
    small = await statements(client, token, WORKLIST, 10)
    large = await statements(client, token, WORKLIST, 50)
    assert (small[1], large[1]) == (10, 50)
    assert small[0] == large[0], f"10 → {small[0]} statements, 50 → {large[0]}"
    # One query per relation, each on a pooled connection (plus its reset on release).
    assert large[0] <= 16


async def test_a_case_list_page_costs_the_same_whatever_its_size(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await seed(client, conn, 30)
    token = await client.officer_token("gz.supervisor")
    small = await statements(client, token, CASES, 5)
    large = await statements(client, token, CASES, 30)
    assert (small[1], large[1]) == (5, 30)
    assert small[0] == large[0]
