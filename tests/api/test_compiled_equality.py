"""The compiled executor answers every front-end operation byte for byte as graphql-core does.

Two apps serve one database, one with ``TONGBAN_GRAPHQL_COMPILED`` on (the default) and one
with it off. Every query of graphql/operations/ is sent to both for each role of the
authorization matrix — the applicant, another applicant, officers of the handling department
and of another, a supervisor, the administrator, anonymous — and the response bodies must be
the same bytes: data, errors, masking. Mutations change what they act on, so each is sent to
two identical copies of the seeded database, one per executor, in the same order; ids the
database draws at random for new rows are renamed in order of appearance before comparing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from graphql.utilities import type_from_ast
from tests.cases.factories import make_case
from tests.conftest import GraphQLClient, create_database, drop_database, dsn_for, running
from tests.scenarios import act, ok

from tongban.api.compiled.plans import Plan, compiled_plans
from tongban.api.schema import schema
from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings

OPERATIONS_DIR = Path(__file__).resolve().parents[2] / "graphql" / "operations"
# A signed download link expires a while after the wall-clock second it was made in.
SIGNED = re.compile(rb"expires=[0-9]+(&by=[0-9a-f-]+)?&signature=[0-9a-f]+")
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def operations(kind: OperationType) -> list[tuple[str, str]]:
    """(document text, operation name) of every operation of that kind, files in order."""
    found = []
    for path in sorted(OPERATIONS_DIR.glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        for definition in parse(text).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.operation == kind:
                assert definition.name is not None
                found.append((text, definition.name.value))
    return found


OWN_VALUES: dict[str, dict[str, Any]] = {
    "RatingFigures": {"filter": {"from": "2026-01-01", "to": "2026-12-31"}},
}


def _value(name: str, type_: Any, known: dict[str, Any]) -> Any:
    """A value for a variable: the seeded case's where the name says so, else a plain one
    of its type (an invalid one makes both executors refuse it the same way)."""
    if name in known:
        return known[name]
    if not isinstance(type_, GraphQLNonNull):
        return None
    inner = type_.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {}
    return {"Int": 1, "Boolean": True, "Float": 1.0, "Date": "2026-03-02"}.get(inner.name, "x")


def variables_for(text: str, name: str, known: dict[str, Any]) -> dict[str, Any]:
    for definition in parse(text).definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and definition.name is not None
            and definition.name.value == name
        ):
            return {
                v.variable.name.value: _value(
                    v.variable.name.value, type_from_ast(schema._schema, v.type), known
                )
                for v in definition.variable_definitions or ()
                if v.default_value is None or v.variable.name.value in known
            }
    raise AssertionError(name)


class Seeded(msgspec.Struct):
    tokens: dict[str, str | None]
    known: dict[str, Any]


async def seed(client: GraphQLClient, conn: asyncpg.Connection) -> Seeded:
    """Cases in several states, through the API: filed, accepted, and one sent back for
    supplements; the roles' tokens; and the variable values that reach them."""
    accepted, applicant = await make_case(client, conn, accepted=True)
    filed, other = await make_case(client, conn, key="submit-key-0002")
    head = await client.officer_token("th.scjg.head")
    window = await client.officer_token("th.shipai.window")
    returned, _ = await make_case(
        client, conn, key="submit-key-0003", codes=["application", "articles"]
    )
    ok(
        await act(
            client,
            window,
            "requestSupplement",
            "",
            {
                "number": returned["number"],
                "expectedVersion": returned["version"],
                "materialCodes": ["id", "premises"],
                "note": "请补正场所证明",
            },
        )
    )
    department = await conn.fetchval("SELECT id::text FROM department WHERE code = 'TH-SCJG'")
    tokens: dict[str, str | None] = {
        "applicant": applicant,
        "other applicant": other,
        "handling officer": head,
        "window": window,
        "other department": await client.officer_token("th.swj.reviewer"),
        "supervisor": await client.officer_token("gz.supervisor"),
        "admin": await client.officer_token("admin"),
        "anonymous": None,
    }
    known = {
        "number": accepted["number"],
        "version": accepted["version"],
        "expectedVersion": accepted["version"],
        "last": 5,
        "first": 10,
        "code": "GD-BL-001",
        "keyword": "营业",
        "departmentId": department,
        "regionCode": "440106",
        "from": "2026-01-01",
        "to": "2026-12-31",
        "after": None,
        "filter": None,
    }
    del filed
    return Seeded(tokens=tokens, known=known)


async def send(http: httpx.AsyncClient, text: str, name: str, variables: Any, token: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"query": text, "operationName": name, "variables": variables}
    response = await http.post("/graphql", json=body, headers=headers)
    return response.status_code, SIGNED.sub(b"<signed>", response.content)


@pytest.fixture
async def graphql_core(settings: Settings, clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    """The same app and database with the compiled executor switched off."""
    off = msgspec.structs.replace(settings, graphql_compiled=False)
    async with running(create_app(off, clock=clock)) as http:
        yield http


SHAPES = """
query Shapes($number: String!, $last: Int!, $tasks: Boolean!, $quiet: Boolean!) {
  first: case(number: $number) {
    __typename ...Bits
    tasks @include(if: $tasks) { id kind department { code } }
    history(last: $last) @skip(if: $quiet) { action }
  }
  missing: case(number: "440106209901010000001") { number }
  again: case(number: $number) { ... on Case { number state } ... on Node { id } }
  byId: node(id: "00000000-0000-0000-0000-000000000000") { __typename id }
  broken: case(number: $number) { history(last: -1) { action } }
}
fragment Bits on Case { number state version n: number applicant { name mobile idNumber } }
"""


async def test_aliases_fragments_conditions_and_errors_answer_the_same_bytes(
    client: GraphQLClient, conn: asyncpg.Connection, graphql_core: httpx.AsyncClient
) -> None:
    seeded = await seed(client, conn)
    for tasks in (True, False):
        for quiet in (True, False):
            variables = {"number": seeded.known["number"], "last": 3}
            variables |= {"tasks": tasks, "quiet": quiet}
            for role, token in seeded.tokens.items():
                compiled = await send(client.http, SHAPES, "Shapes", variables, token)
                core = await send(graphql_core, SHAPES, "Shapes", variables, token)
                assert compiled == core, (role, compiled, core)
    assert len(compiled_plans(SHAPES, "Shapes")) == 4


async def test_every_query_answers_the_same_bytes_for_every_role(
    client: GraphQLClient, conn: asyncpg.Connection, graphql_core: httpx.AsyncClient
) -> None:
    seeded = await seed(client, conn)
    compared = 0
    answers = []
    for text, name in operations(OperationType.QUERY):
        variables = variables_for(text, name, seeded.known | OWN_VALUES.get(name, {}))
        for role, token in seeded.tokens.items():
            compiled = await send(client.http, text, name, variables, token)
            core = await send(graphql_core, text, name, variables, token)
            assert compiled == core, (name, role)
            compared += 1
            answers.append((name, role, compiled))
        # The compiled app ran it from a plan, not by falling back to graphql-core.
        assert [type(p) for p in compiled_plans(text, name)] == [Plan], name
    assert compared >= 8 * 30
    with_data = [a for a in answers if b'"data":{' in a[2][1]]
    assert len(with_data) >= len(answers) // 2


def _renamed(body: bytes, seen: frozenset[bytes]) -> bytes:
    """Ids drawn at random for rows the mutation created, numbered in order of appearance."""
    names: dict[bytes, bytes] = {}

    def rename(match: re.Match[bytes]) -> bytes:
        found = match.group(0)
        if found in seen:
            return found
        return names.setdefault(found, b"<new id %d>" % len(names))

    return UUID.sub(rename, body)


async def _ids(dsn: str) -> frozenset[bytes]:
    """Every uuid the seeded database holds: those must come back as they are."""
    conn = await asyncpg.connect(dsn)
    try:
        columns = await conn.fetch(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type = 'uuid'"""
        )
        found: set[bytes] = set()
        for table, column in columns:
            rows = await conn.fetch(f'SELECT DISTINCT "{column}"::text FROM "{table}"')
            found.update(r[0].encode() for r in rows if r[0] is not None)
    finally:
        await conn.close()
    return frozenset(found)


async def test_every_mutation_answers_the_same_bytes_for_every_role(
    database: str, settings: Settings, clock: MovableClock
) -> None:
    conn = await asyncpg.connect(database)
    try:
        async with running(create_app(settings, clock=clock)) as http:
            seeded = await seed(GraphQLClient(http, settings, conn, clock), conn)
    finally:
        await conn.close()
    # The app and the connection are closed: the seeded database can be a template.
    source = database.rsplit("/", 1)[1]
    copies = [f"{source}_compiled", f"{source}_core"]
    for copy in copies:
        await create_database(copy, template=source)
    try:
        seen = await _ids(dsn_for(copies[0]))
        bodies: list[list[Any]] = [[], []]
        executed: list[str] = []
        for index, (copy, compiled) in enumerate(zip(copies, (True, False), strict=True)):
            own = msgspec.structs.replace(
                settings, database_url=dsn_for(copy), graphql_compiled=compiled
            )
            async with running(create_app(own, clock=clock)) as http:
                for text, name in operations(OperationType.MUTATION):
                    variables = variables_for(text, name, seeded.known | OWN_VALUES.get(name, {}))
                    for role, token in seeded.tokens.items():
                        status, body = await send(http, text, name, variables, token)
                        bodies[index].append((name, role, status, _renamed(body, seen)))
                    if compiled and compiled_plans(text, name):
                        executed.append(name)
        assert len(bodies[0]) >= 8 * 20
        # Those whose placeholder variables were refused before execution ran in neither.
        assert len(executed) >= len(operations(OperationType.MUTATION)) // 2, executed
        for compiled_answer, core_answer in zip(*bodies, strict=True):
            assert compiled_answer == core_answer
    finally:
        for copy in copies:
            await drop_database(copy)
