"""Who sees what: role × (own department / other department / other region / ancestor region)
× confidentiality, for reads, lists and mutations."""

from typing import Any

import asyncpg
import pytest
from tests.cases.factories import make_applicant, make_case
from tests.conftest import GraphQLClient
from tests.scenarios import act

READ = "query ($n: String!) { case(number: $n) { number applicant { idNumber mobile } } }"
LIST = "{ cases(first: 100) { edges { node { number } } } }"

# viewer → (sees a public case, sees it unmasked)
MATRIX: dict[str, tuple[bool, bool]] = {
    "th.scjg.reviewer": (True, True),  # own department has a task
    "th.scjg.head": (True, True),  # handling department's head
    "th.shipai.window": (True, True),  # intake of the receiving region
    "th.swj.reviewer": (True, True),  # another department with a task
    "th.mzj.registrar": (False, False),  # other department, same district, no task
    "th.window": (False, False),  # intake of the district, case received at a street
    "th.supervisor": (True, False),  # supervisor of the region above the street
    "gz.supervisor": (True, False),  # ancestor region supervisor
    "gz.scjg.reviewer": (False, False),  # ancestor region, but only a reviewer
    "gd.supervisor": (True, False),  # province supervisor
    "yx.window": (False, False),  # other district
    "sz.supervisor": (False, False),  # other city
    "admin": (True, False),  # administrators see everything
}


async def filed_case(
    client: GraphQLClient, conn: asyncpg.Connection, confidentiality: int = 0
) -> tuple[dict[str, Any], str]:
    case, token = await make_case(client, conn, accepted=True)
    await conn.execute("UPDATE case_record SET confidentiality = $1", confidentiality)
    return case, token


@pytest.mark.parametrize("viewer", list(MATRIX))
async def test_reads_and_lists_follow_the_matrix(
    client: GraphQLClient, conn: asyncpg.Connection, viewer: str
) -> None:
    case, _ = await filed_case(client, conn)
    sees, unmasked = MATRIX[viewer]
    token = await client.officer_token(viewer)
    read = (await client.execute(READ, {"n": case["number"]}, token=token))["case"]
    listed = [
        e["node"]["number"] for e in (await client.execute(LIST, token=token))["cases"]["edges"]
    ]
    assert (read is not None) == sees
    assert listed == ([case["number"]] if sees else [])
    if sees:
        expected = (
            ("440524188001015368", "13800138000")
            if unmasked
            else ("4405**********5368", "138****8000")
        )
        assert (read["applicant"]["idNumber"], read["applicant"]["mobile"]) == expected


async def test_confidentiality_needs_clearance(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await filed_case(client, conn, confidentiality=2)
    for viewer, sees in (
        ("th.scjg.reviewer", False),
        ("th.gafj.reviewer", True),
        ("gz.supervisor", True),
        ("th.shipai.window", False),
    ):
        token = await client.officer_token(viewer)
        read = (await client.execute(READ, {"n": case["number"]}, token=token))["case"]
        assert (read is not None) == sees, viewer
        listed = (await client.execute(LIST, token=token))["cases"]["edges"]
        assert len(listed) == (1 if sees else 0), viewer


async def test_applicants_see_only_their_own_cases(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, own = await filed_case(client, conn)
    other = client.applicant_token(
        await make_applicant(conn, id_number="11010519491231002X", name="李四")
    )
    assert (await client.execute(READ, {"n": case["number"]}, token=own))["case"]["applicant"][
        "idNumber"
    ] == "440524188001015368"
    assert (await client.execute(READ, {"n": case["number"]}, token=other))["case"] is None
    assert (await client.execute(LIST, token=other))["cases"]["edges"] == []
    anonymous = await client.post(READ, {"n": case["number"]})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_mutations_follow_the_matrix(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    case, own = await filed_case(client, conn)
    task = next(t for t in case["tasks"] if t["department"]["code"] == "TH-SCJG")
    complete = {
        "number": case["number"],
        "expectedVersion": case["version"],
        "taskId": task["id"],
        "opinion": "AGREE",
        "comment": "",
    }
    expectations = [
        ("th.swj.reviewer", "completeTask", complete, "FORBIDDEN"),  # other department's task
        ("th.mzj.registrar", "completeTask", complete, "NOT_FOUND"),  # cannot even see the case
        ("yx.window", "completeTask", complete, "NOT_FOUND"),
        ("gz.supervisor", "completeTask", complete, "FORBIDDEN"),  # sees, but does not review
        (
            "th.scjg.reviewer",
            "decideCase",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": "X",
                "reason": None,
            },
            "FORBIDDEN",
        ),
        (
            "th.swj.head",
            "extendDeadline",
            {"number": case["number"], "expectedVersion": case["version"], "reason": "复杂"},
            "FORBIDDEN",
        ),
        (
            "th.scjg.head",
            "revokeCase",
            {"number": case["number"], "expectedVersion": case["version"], "reason": "x"},
            "FORBIDDEN",
        ),
    ]
    before = await conn.fetchval("SELECT count(*) FROM case_event")
    for viewer, mutation, variables, code in expectations:
        token = await client.officer_token(viewer)
        result = await act(client, token, mutation, "", variables)
        assert result["userErrors"][0]["code"] == code, (viewer, mutation, result["userErrors"])
    other = client.applicant_token(
        await make_applicant(conn, id_number="11010519491231002X", name="李四")
    )
    result = await act(
        client,
        other,
        "withdrawCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "reason": None},
    )
    assert result["userErrors"][0]["code"] == "NOT_FOUND"
    assert await conn.fetchval("SELECT count(*) FROM case_event") == before
    # The owner may withdraw; the record says who.
    result = await act(
        client,
        own,
        "withdrawCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"], "reason": "不办了"},
    )
    assert result["case"]["state"] == "WITHDRAWN"


async def test_worklists_hold_only_the_departments_tasks(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await filed_case(client, conn)
    query = "{ worklist(first: 50) { edges { node { stageName department { code } case { number } } } } }"
    for viewer, expected in (
        ("th.scjg.reviewer", ["TH-SCJG"]),
        ("th.gafj.reviewer", ["TH-GAFJ"]),
        ("th.mzj.registrar", []),
    ):
        token = await client.officer_token(viewer)
        edges = (await client.execute(query, token=token))["worklist"]["edges"]
        assert [e["node"]["department"]["code"] for e in edges] == expected
