"""node(id:): every cached object can be fetched again by its id, with the same visibility as
everywhere else (Relay's Node interface)."""

from __future__ import annotations

import asyncpg
from tests.cases.factories import make_applicant, make_case
from tests.conftest import GraphQLClient

IDS = """query ($n: String!) { case(number: $n) {
  id tasks { id } materials { id } history(last: 5) { id } deadlines { id }
  receivingRegion { id } handlingDepartment { id }
  matter { id materials { id } reviewPlan { id } } } }"""
NODE = """query ($id: ID!) { node(id: $id) { __typename id
  ... on Case { number } ... on Region { code } ... on MatterVersion { code version }
  ... on Department { code } ... on Task { stageName } ... on Material { name }
  ... on CaseEvent { action } ... on Deadline { kind } ... on Matter { code }
  ... on RequiredMaterial { name } ... on ReviewStage { name } } }"""


async def test_every_cached_object_comes_back_by_its_id_for_those_who_may_see_it(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    window = await client.officer_token("th.shipai.window")
    found = (await client.execute(IDS, {"n": case["number"]}, token=window))["case"]
    expected = {
        found["id"]: ("Case", "number", case["number"]),
        found["tasks"][0]["id"]: ("Task", "stageName", None),
        found["materials"][0]["id"]: ("Material", "name", None),
        found["history"][0]["id"]: ("CaseEvent", "action", None),
        found["deadlines"][0]["id"]: ("Deadline", "kind", None),
        found["receivingRegion"]["id"]: ("Region", "code", "440106005"),
        found["handlingDepartment"]["id"]: ("Department", "code", "TH-SCJG"),
        found["matter"]["id"]: ("MatterVersion", "code", "GD-BL-001"),
        found["matter"]["materials"][0]["id"]: ("RequiredMaterial", "name", None),
        found["matter"]["reviewPlan"][1]["id"]: ("ReviewStage", "name", None),
    }
    for node_id, (typename, field, value) in expected.items():
        node = (await client.execute(NODE, {"id": node_id}, token=window))["node"]
        assert node["__typename"] == typename and node["id"] == node_id
        if value is not None:
            assert node[field] == value
        else:
            assert node[field]

    # A stranger, or nobody, gets nothing of the case — but the public catalogue and regions.
    stranger = client.applicant_token(
        await make_applicant(conn, id_number="11010519491231002X", name="李四")
    )
    for token in (stranger, None):
        for node_id, (typename, _, _) in expected.items():
            answer = (await client.post(NODE, {"id": node_id}, token=token)).json()
            if typename in (
                "Region",
                "Department",
                "MatterVersion",
                "RequiredMaterial",
                "ReviewStage",
            ):
                assert answer["data"]["node"]["id"] == node_id
            else:
                assert answer["data"]["node"] is None, (typename, answer)
    for unknown in ("00000000-0000-4000-8000-000000000000", "nonsense", "Region:999999"):
        assert (await client.execute(NODE, {"id": unknown}, token=window))["node"] is None
