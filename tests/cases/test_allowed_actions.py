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
