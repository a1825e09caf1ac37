"""Expected errors are typed and quiet; unexpected ones are masked and loud.

Anonymous callers can send invalid documents all day: that must not write a traceback per
request at ERROR. GraphQL's own errors carry a code like everything else, and no message shows
Python internals.
"""

import logging
from typing import Any

import pytest
from tests.cases.factories import SUBMIT
from tests.conftest import GraphQLClient

MATTERS = "{ matters(first: 1) { edges { node { code } } } }"


def errors_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = body["errors"]
    assert errors
    return errors


def assert_no_internals(message: str) -> None:
    for internal in ("datetime.", "Recursion", "recursion", "Traceback", "asyncpg", "uuid.UUID"):
        assert internal not in message, message


async def test_validation_errors_carry_a_code(client: GraphQLClient) -> None:
    for query in ("{ nope }", "{ matters(first: 1) { edges { node { nope } } } }", "{ matters"):
        [error] = errors_of((await client.post(query)).json())
        assert error["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED")


async def test_coercion_errors_carry_bad_user_input(client: GraphQLClient) -> None:
    body = (
        await client.post(
            "query ($n: Int!) { matters(first: $n) { edges { node { code } } } }", {"n": "many"}
        )
    ).json()
    [error] = errors_of(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_deeply_nested_document_is_typed_without_python_internals(
    client: GraphQLClient,
) -> None:
    query = "{ " + "a { " * 2000 + "b" + " }" * 2000 + " }"
    response = await client.http.post("/graphql", json={"query": query[:19_000]})
    for error in response.json()["errors"]:
        assert error["extensions"]["code"]
        assert_no_internals(error["message"])


async def test_nul_bytes_and_bad_ids_are_typed(client: GraphQLClient) -> None:
    token = await client.officer_token("gd.supervisor")
    window = await client.officer_token("th.window")
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("query ($c: String!) { matter(code: $c) { code } }", {"c": "GD\x00BL"}, token),
        (
            "query ($d: ID) { openWarnings(departmentId: $d) { edges { node { id } } } }",
            {"d": "not-a-uuid"},
            token,
        ),
        (
            "mutation ($t: ID!) { claimTask(number: $n, expectedVersion: 1, taskId: $t)"
            " { userErrors { code } } }".replace("$n", '"44010620260302000001X"'),
            {"t": "not-a-uuid"},
            window,
        ),
    ]
    for query, variables, who in attempts:
        body = (await client.post(query, variables, token=who)).json()
        for error in body.get("errors") or []:
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (query, body)
            assert error["extensions"]["code"], body
            assert_no_internals(error["message"])


async def test_a_nul_byte_in_form_data_is_a_user_error(client: GraphQLClient) -> None:
    token = await client.officer_token("th.window")
    variables = {
        "input": {
            "matterCode": "GD-BL-001",
            "regionCode": "440106005",
            "idempotencyKey": "nul-byte-key-0001",
            "formData": {"companyName": "广州\x00通办"},
            "materials": [],
            "applicant": {
                "kind": "PERSON",
                "name": "李四\x00",
                "idNumber": "11010519491231002X",
                "mobile": "13912345678",
            },
        }
    }
    body = (await client.post(SUBMIT, variables, token=token)).json()
    assert body.get("errors") is None or all(
        e["extensions"]["code"] != "INTERNAL_SERVER_ERROR" for e in body["errors"]
    ), body
    if body.get("errors") is None:
        assert body["data"]["submitCase"]["userErrors"]


async def test_calendar_messages_show_iso_dates(client: GraphQLClient) -> None:
    token = await client.officer_token("admin")
    body = (
        await client.post(
            "mutation ($h: [Date!]!) { publishCalendarYear(year: 2030, holidays: $h,"
            " makeupWorkdays: []) { userErrors { message } } }",
            {"h": ["2031-01-01"]},
            token=token,
        )
    ).json()
    text = str(body)
    assert "2031-01-01" in text
    assert_no_internals(text)


@pytest.mark.parametrize("query", ["{ nope }", MATTERS.replace("first: 1", 'first: "x"')])
async def test_expected_errors_are_logged_at_info_without_a_traceback(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    with caplog.at_level(logging.INFO):
        await client.post(query)
    graphql_records = [
        r for r in caplog.records if r.name.startswith(("strawberry", "tongban.graphql"))
    ]
    assert graphql_records, "the error is still logged"
    for record in graphql_records:
        assert record.levelno <= logging.INFO and record.exc_info is None, record


async def test_a_domain_error_is_logged_at_info(
    client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        body = (await client.post('{ case(number: "44010620260302000001X") { number } }')).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_bad_scalar_value_is_typed_and_not_masked(client: GraphQLClient) -> None:
    token = await client.officer_token("admin")
    mutation = (
        "mutation ($h: [Date!]!) { publishCalendarYear(year: 2030, holidays: $h,"
        " makeupWorkdays: []) { userErrors { message } } }"
    )
    for query, variables in (
        (mutation, {"h": ["2030-13-45"]}),
        (mutation.replace("$h,", '["2030-13-45"],').replace("($h: [Date!]!) ", ""), {}),
    ):
        [error] = (await client.post(query, variables, token=token)).json()["errors"]
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", error
        assert error["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED")
