"""Messages are in Chinese unless the request's Accept-Language prefers English; codes never
change with the language, and every refusal has the same JSON shape."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from tests.cases.factories import SUBMIT, files_for, make_applicant
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.identifiers import make_case_number

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en-US,en;q=0.9,zh;q=0.5"}

PROGRESS = """query ($n: String!, $id: String!) {
  caseProgress(number: $n, applicantIdentifier: $id) { number } }"""
WORKLIST = "{ worklist { edges { node { id } } } }"


async def submit_badly(client: GraphQLClient, language: dict[str, str]) -> list[dict[str, Any]]:
    """A window submission with several problems at once."""
    token = await client.officer_token("th.shipai.window")
    codes = ["application", "articles", "id", "premises"]
    variables = {
        "input": {
            "matterCode": "GD-BL-001",
            "regionCode": "440199",
            "idempotencyKey": "x",
            "formData": {},
            "materials": [{"materialCode": c, "file": None} for c in codes],
            "applicant": {
                "kind": "PERSON",
                "name": "李" * 101,
                "idNumber": "110105194912310021",
                "mobile": "13912345678",
            },
        }
    }
    files = files_for(codes)
    names = {str(i): path for i, path in enumerate(files)}
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": SUBMIT, "variables": variables}),
            "map": json.dumps({k: [f"variables.{p}"] for k, p in names.items()}),
        },
        files={k: files[p] for k, p in names.items()},
        headers={"authorization": f"Bearer {token}", **language},
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    errors: list[dict[str, Any]] = body["data"]["submitCase"]["userErrors"]
    return errors


def by_field(errors: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {e["field"]: (e["problem"], e["message"]) for e in errors}


async def test_user_errors_of_a_submission_are_in_chinese_by_default(
    client: GraphQLClient,
) -> None:
    errors = by_field(await submit_badly(client, {}))
    assert errors == {
        "input.applicant.name": ("TOO_LONG", "不能超过 100 个字"),
        "input.applicant.idNumber": ("INVALID_IDENTIFIER", "居民身份证号码不正确"),
        "input.idempotencyKey": ("INVALID_KEY", "幂等键应为 8–128 位字母、数字或 . _ : -"),
        "input.regionCode": ("UNKNOWN_REGION", "行政区划 440199 不存在"),
    }
    assert by_field(await submit_badly(client, ZH)) == errors


async def test_user_errors_of_a_submission_are_in_english_when_asked(
    client: GraphQLClient,
) -> None:
    errors = by_field(await submit_badly(client, EN))
    assert errors["input.applicant.name"] == ("TOO_LONG", "at most 100 characters")
    assert errors["input.idempotencyKey"] == (
        "INVALID_KEY",
        "the idempotency key is 8–128 letters, digits or . _ : -",
    )
    assert errors["input.regionCode"] == ("UNKNOWN_REGION", "unknown region 440199")
    problem, message = errors["input.applicant.idNumber"]
    assert problem == "INVALID_IDENTIFIER" and "check character" in message


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (ZH, "未查询到与该办件编号和申请人证件号码相符的办件"),
        (EN, "no case with this number and applicant identifier"),
    ],
)
async def test_a_query_that_finds_nothing_answers_in_the_request_language(
    client: GraphQLClient, language: dict[str, str], message: str
) -> None:
    number = make_case_number("440106", date(2026, 3, 2), 999)
    response = await client.http.post(
        "/graphql",
        json={"query": PROGRESS, "variables": {"n": number, "id": "015368"}},
        headers=language,
    )
    (error,) = response.json()["errors"]
    assert error["message"] == message
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["problem"] == "PROGRESS_NOT_FOUND"
    assert error["extensions"]["field"] == "number"


@pytest.mark.parametrize(
    ("language", "message"),
    [({}, "待办事项仅供工作人员查看"), (EN, "worklists belong to officers")],
)
async def test_a_forbidden_query_answers_in_the_request_language(
    client: GraphQLClient, conn: asyncpg.Connection, language: dict[str, str], message: str
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    response = await client.http.post(
        "/graphql",
        json={"query": WORKLIST},
        headers={"authorization": f"Bearer {token}", **language},
    )
    (error,) = response.json()["errors"]
    assert (error["message"], error["extensions"]["code"], error["extensions"]["problem"]) == (
        message,
        "FORBIDDEN",
        "WORKLIST_OFFICERS_ONLY",
    )


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ({}, "请求的查询语句与接口定义不符：Cannot query field 'zzzzzz' on type 'Query'."),
        (EN, "Cannot query field 'zzzzzz' on type 'Query'."),
    ],
)
async def test_an_invalid_document_is_worded_once_with_graphql_s_own_detail(
    client: GraphQLClient, language: dict[str, str], message: str
) -> None:
    response = await client.http.post("/graphql", json={"query": "{ zzzzzz }"}, headers=language)
    (error,) = response.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == (
        message,
        "GRAPHQL_VALIDATION_FAILED",
    )


def the_one_error(response: httpx.Response) -> dict[str, Any]:
    """Every refusal has the shape of a GraphQL error response."""
    body = response.json()
    assert set(body) == {"data", "errors"} and body["data"] is None, body
    (error,) = body["errors"]
    assert set(error) == {"message", "extensions"}, error
    assert isinstance(error["message"], str) and error["extensions"]["code"]
    return dict(error)


@pytest.mark.parametrize(
    ("language", "message"),
    [({}, "登录凭证格式不正确，请重新登录"), (EN, "the access token cannot be decoded")],
)
async def test_a_bad_token_is_refused_in_the_request_language(
    client: GraphQLClient, language: dict[str, str], message: str
) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={"authorization": "Bearer not-a-token", **language},
    )
    assert response.status_code == 401
    error = the_one_error(response)
    assert error["message"] == message
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "malformed"}


@pytest.mark.parametrize(
    ("language", "bad_json", "too_large"),
    [
        ({}, "请求体不是有效的 JSON 对象", "请求体超过 {limit} 字节的上限"),
        (
            EN,
            "Unable to parse request body as JSON",
            "the request body is larger than {limit} bytes",
        ),
    ],
)
async def test_http_refusals_have_one_shape_in_the_request_language(
    client: GraphQLClient, language: dict[str, str], bad_json: str, too_large: str
) -> None:
    headers = {"content-type": "application/json", **language}
    response = await client.http.post("/graphql", content=b"{", headers=headers)
    assert response.status_code == 400
    error = the_one_error(response)
    assert (error["message"], error["extensions"]["code"]) == (bad_json, "BAD_REQUEST")

    limit = client.settings.max_json_body_bytes
    response = await client.http.post("/graphql", content=b" " * (limit + 1), headers=headers)
    assert response.status_code == 413
    error = the_one_error(response)
    assert error["message"] == too_large.format(limit=limit)
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("language", "message"),
    [({}, "请求过于频繁，请 {retry} 秒后再试"), (EN, "too many requests; try again later")],
)
async def test_rate_limited_requests_are_refused_in_the_request_language(
    settings: Settings, clock: MovableClock, language: dict[str, str], message: str
) -> None:
    limited = msgspec.structs.replace(settings, rate_limit_anonymous=1)
    async with running(create_app(limited, clock=clock)) as http:
        query = {"query": '{ region(code: "440000") { name } }'}
        assert (await http.post("/graphql", json=query, headers=language)).status_code == 200
        response = await http.post("/graphql", json=query, headers=language)
    assert response.status_code == 429
    error = the_one_error(response)
    retry = error["extensions"]["details"]["retryAfter"]
    assert error["message"] == message.format(retry=retry)
    assert error["extensions"]["code"] == "RATE_LIMITED"
