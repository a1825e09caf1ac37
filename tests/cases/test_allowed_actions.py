"""allowedActions is computed for the viewer: the buttons a front end shows are exactly the
actions that person may take now — an applicant is never offered accept, a reviewer is offered
the task of their own department, and what is offered works."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import make_applicant, make_case, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act, ok

ACTIONS = "query ($n: String!) { case(number: $n) { version allowedActions } }"


async def actions(client: GraphQLClient, token: str, number: str) -> list[str]:
    data = await client.execute(ACTIONS, {"n": number}, token=token)
    found: list[str] = data["case"]["allowedActions"]
    return found


async def test_each_viewer_is_offered_what_they_may_do(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    number = case["number"]
    window = await client.officer_token("th.shipai.window")
    reviewer = await client.officer_token("th.scjg.reviewer")
    head = await client.officer_token("th.scjg.head")
    other_window = await client.officer_token("th.window")

    # Received: the receiving window decides on intake; the applicant may withdraw.
    assert await actions(client, applicant, number) == ["WITHDRAW"]
    assert await actions(client, window, number) == [
        "ACCEPT",
        "DECLARE_NOT_APPLICABLE",
        "REFUSE",
        "REQUEST_SUPPLEMENT",
    ]
    for token in (reviewer, head, other_window):
        listed = await client.post(ACTIONS, {"n": number}, token=token)
        visible = listed.json()["data"]["case"]
        assert visible is None or visible["allowedActions"] == []

    # What is offered works.
    case = ok(
        await act(
            client, window, "acceptCase", "", {"number": number, "expectedVersion": case["version"]}
        )
    )
    assert "ACCEPT" not in await actions(client, window, number)

    # In review: the task's department may take and complete its task; the head steers.
    assert await actions(client, reviewer, number) == [
        "CLAIM_TASK",
        "COMPLETE_TASK",
        "REQUEST_SUPPLEMENT",
    ]
    head_actions = await actions(client, head, number)
    assert {"SEND_BACK", "HAND_UP", "TRANSFER", "START_SPECIAL_PROCEDURE", "EXTEND"} <= set(
        head_actions
    )
    # Not before every review task is done.
    assert "DECIDE" not in head_actions
    assert await actions(client, applicant, number) == ["WITHDRAW"]

    task = next(t for t in case["tasks"] if t["department"]["code"] == "TH-SCJG")
    claimed = ok(
        await act(
            client,
            reviewer,
            "claimTask",
            "",
            {"number": number, "expectedVersion": case["version"], "taskId": task["id"]},
        )
    )
    assert "CLAIM_TASK" not in await actions(client, reviewer, number)
    assert "COMPLETE_TASK" in await actions(client, reviewer, number)
    assert claimed["state"] == "UNDER_REVIEW"


async def test_an_action_not_offered_is_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, applicant))
    refused: dict[str, Any] = await act(
        client,
        applicant,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"]},
    )
    assert refused["case"] is None
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"


async def test_history_speaks_the_apis_field_names(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    window = await client.officer_token("th.shipai.window")
    history = (
        await client.execute(
            "query ($n: String!) { case(number: $n) { history(last: 1) { action changes } } }",
            {"n": case["number"]},
            token=window,
        )
    )["case"]["history"]
    assert history[0]["action"] == "ACCEPTED"
    changes = history[0]["changes"]
    assert changes["state"] == ["RECEIVED", "ACCEPTED"]
    assert changes["acceptedOn"][1] == "2026-03-02"
    assert "accepted_on" not in changes and "current_stage" not in changes


# Every action allowedActions can offer, and the mutation that performs it.
PERFORMED_BY = {
    "ACCEPT": "acceptCase",
    "DECLARE_NOT_APPLICABLE": "declareNotApplicable",
    "REFUSE": "refuseCase",
    "REQUEST_SUPPLEMENT": "requestSupplement",
    "SUPPLEMENT": "supplementCase",
    "CLOSE": "closeCase",
    "CLAIM_TASK": "claimTask",
    "COMPLETE_TASK": "completeTask",
    "SEND_BACK": "sendBack",
    "HAND_UP": "handUp",
    "TRANSFER": "transferCase",
    "START_SPECIAL_PROCEDURE": "startSpecialProcedure",
    "END_SPECIAL_PROCEDURE": "endSpecialProcedure",
    "EXTEND": "extendDeadline",
    "DECIDE": "decideCase",
    "DELIVER": "deliverCase",
    "WITHDRAW": "withdrawCase",
    "REVOKE": "revokeCase",
    "RATE": "rateCase",
    "COMPLETE_FOLLOW_UP": "completeFollowUp",
    "RERATE": "rerateCase",
    "APPROVE_ON_COMMITMENT": "approveOnCommitment",
    "PASS_VERIFICATION": "passVerification",
    "FAIL_VERIFICATION": "failVerification",
}


def test_every_action_that_can_be_offered_is_a_mutation_that_exists() -> None:
    """allowedActions never lists what no mutation performs: every action of the state table
    has a permission rule (so it can be offered), maps to a CaseAction value, and that value's
    mutation is in the schema — and the CaseAction enum offers nothing else."""
    from graphql import GraphQLEnumType, GraphQLObjectType

    from tongban.api.cases import ACTION_ALIASES
    from tongban.api.schema import schema
    from tongban.cases import permissions, states

    assert set(states.TRANSITIONS) == set(permissions.RULES), (
        "an action of the state table without a rule is never offered nor performable"
    )
    offered = {ACTION_ALIASES.get(a, a).upper() for a in permissions.RULES}
    enum = schema._schema.type_map["CaseAction"]
    assert isinstance(enum, GraphQLEnumType)
    assert offered == set(enum.values) == set(PERFORMED_BY)
    mutation = schema._schema.type_map["Mutation"]
    assert isinstance(mutation, GraphQLObjectType)
    missing = {a: m for a, m in PERFORMED_BY.items() if m not in mutation.fields}
    assert missing == {}
    for action, name in PERFORMED_BY.items():
        described = enum.values[action].description or ""
        assert described.startswith(name), (action, described)
        field = mutation.fields[name]
        assert {"number", "expectedVersion"} <= set(field.args), name
