"""The compiled executor's rules, each against graphql-core on the same schema and values:
null propagation to the nearest nullable field, located errors in graphql-core's order, lists
with failing items, interfaces and unions, fragments, aliases, @skip/@include with variables,
__typename, async resolvers, serial mutations and the deadline cut.

The schema is a small strawberry schema built the way api/schema.py builds the real one (the
same execution context); the equality test runs the real one with the front ends' operations.
"""

from __future__ import annotations

import asyncio
import json
from enum import Enum
from typing import Annotated, Any

import pytest
import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from tongban.api.compiled.direct import direct_resolver
from tongban.api.compiled.plans import Plan, compiled_plans
from tongban.api.guards import DeadlineExecutionContext
from tongban.config import Settings


class Refused(BasePermission):
    message = "refused"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return source.size != 1


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    size: int
    colour: Colour
    note: str | None = None

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"broken {self.name}")

    @strawberry.field
    def required(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field
    def where(self, info: Info) -> str:
        path = "/".join(str(k) for k in info.path.as_list())
        return f"{self.name} at {path} as {info.field_name}/{info.python_name}"

    @strawberry.field
    def rooted(self, root: Leaf) -> str:
        return f"{root.name} {root is self}"

    @strawberry.field(permission_classes=[Refused])
    def guarded(self) -> str | None:
        return self.name

    @strawberry.field
    async def later(self, info: Info) -> str:
        await asyncio.sleep(0)
        return f"{self.name} at {info.path.key}"


@strawberry.type
class Branch(Named):
    leaves: list[Leaf]

    @strawberry.field
    def strict(self) -> Leaf:
        return Leaf(name="strict", size=-1, colour=None)  # type: ignore[arg-type]

    @strawberry.field
    def maybe_leaves(self) -> list[Leaf | None] | None:
        return [Leaf(name="a", size=1, colour=Colour.RED), None]


@strawberry.type
class Oops:
    reason: str


Outcome = Annotated[Branch | Oops, strawberry.union("Outcome")]


def _tree() -> Branch:
    return Branch(
        name="root",
        leaves=[Leaf(name=f"l{i}", size=i, colour=Colour.GREEN, note=None) for i in range(3)],
    )


@strawberry.type
class Query:
    @strawberry.field
    def tree(self) -> Branch:
        return _tree()

    @strawberry.field
    async def later_tree(self) -> Branch | None:
        await asyncio.sleep(0)
        return _tree()

    @strawberry.field
    def things(self) -> list[Named]:
        tree = _tree()
        return [tree, *tree.leaves]

    @strawberry.field
    def outcome(self, fail: bool = False) -> Outcome:
        return Oops(reason="no") if fail else _tree()

    @strawberry.field
    def big(self) -> int:
        return 2**40


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def grow(self, info: Info, by: int) -> int:
        info.context.grown.append(by)
        await asyncio.sleep(0)
        return len(info.context.grown)


SCHEMA = strawberry.Schema(
    query=Query, mutation=Mutation, execution_context_class=DeadlineExecutionContext
)


class Context:
    def __init__(self, compiled: bool, deadline: float = 10.0) -> None:
        self.settings = Settings(graphql_compiled=compiled, graphql_deadline_seconds=deadline)
        self.principal = None
        self.grown: list[int] = []


async def both(query: str, variables: dict[str, Any] | None = None) -> str:
    """The result as JSON from each executor; they must be the same text."""
    answers = []
    for compiled in (True, False):
        result = await SCHEMA.execute(
            query, variable_values=variables, context_value=Context(compiled)
        )
        answers.append(
            json.dumps(
                {
                    "data": result.data,
                    "errors": [e.formatted for e in result.errors or ()],
                },
                ensure_ascii=False,
            )
        )
    assert answers[0] == answers[1]
    assert [type(p) for p in compiled_plans(query, None)] != [], "not compiled"
    return answers[0]


async def test_leaves_aliases_enums_and_typename() -> None:
    out = await both("{ tree { __typename n: name leaves { name size colour note c: colour } } }")
    assert '"c": "GREEN"' in out


async def test_plain_resolvers_called_directly_get_their_source_and_info() -> None:
    fields = SCHEMA._schema.type_map["Leaf"].fields  # type: ignore[attr-defined]
    assert direct_resolver(SCHEMA._schema, fields["where"], []) is not None
    assert direct_resolver(SCHEMA._schema, fields["rooted"], []) is not None
    # Permission classes are field extensions: those still run through strawberry's wrapper.
    assert direct_resolver(SCHEMA._schema, fields["guarded"], []) is None
    out = await both("{ tree { leaves { where w: where rooted guarded } } }")
    assert "l2 at tree/leaves/2/w as where/where" in out
    assert "l0 True" in out
    assert '"message": "refused"' in out


async def test_an_error_in_a_nullable_field_nulls_that_field_only() -> None:
    out = await both("{ tree { leaves { name broken } } }")
    assert out.count("broken l") == 3


async def test_null_in_a_non_null_field_propagates_to_the_nearest_nullable_parent() -> None:
    # Leaf.required is String!, Branch.leaves [Leaf!]!, Query.tree Branch!: the whole data.
    out = await both("{ big tree { leaves { required } } }")
    assert '"data": null' in out
    out = await both("{ laterTree { leaves { name required } } }")
    assert '"laterTree": null' in out


async def test_a_non_null_object_with_a_bad_enum_and_a_list_with_nulls() -> None:
    await both("{ tree { strict { name colour } maybeLeaves { name } } }")


async def test_async_resolvers_see_their_path_and_siblings_are_gathered() -> None:
    out = await both("{ tree { leaves { later x: later } } laterTree { name } }")
    assert "l2 at x" in out


async def test_interfaces_unions_and_fragments() -> None:
    query = """
      fragment N on Named { name }
      fragment B on Branch { leaves { ...N size } }
      { things { __typename ...N ... on Leaf { size colour } ...B }
        a: outcome { ... on Oops { reason } ...B __typename }
        b: outcome(fail: true) { ... on Oops { reason } ...B __typename } }"""
    out = await both(query)
    assert '"reason": "no"' in out


async def test_skip_and_include_with_variables_key_their_own_plans() -> None:
    query = """query ($s: Boolean!, $i: Boolean!) {
      tree { name @skip(if: $s) leaves @include(if: $i) { name } size: name @include(if: true) } }"""
    seen = set()
    for s in (True, False):
        for i in (True, False):
            seen.add(await both(query, {"s": s, "i": i}))
    assert len(seen) == 4
    assert len(compiled_plans(query, None)) == 4


async def test_an_int_out_of_range_is_a_located_error() -> None:
    out = await both("{ big tree { name } }")
    assert "Int cannot represent" in out


async def test_mutation_fields_run_one_after_the_other() -> None:
    out = await both("mutation { a: grow(by: 1) b: grow(by: 2) c: grow(by: 3) }")
    assert '"a": 1, "b": 2, "c": 3' in out


async def test_introspection_is_left_to_graphql_core() -> None:
    query = "{ __schema { queryType { name } } tree { name } }"
    result = await SCHEMA.execute(query, context_value=Context(True))
    assert result.errors is None
    assert compiled_plans(query, None) == [None]


async def test_the_deadline_cuts_a_compiled_query() -> None:
    query = "{ tree { leaves { name } } }"
    results = [
        await SCHEMA.execute(query, context_value=Context(compiled, deadline=1e-9))
        for compiled in (True, False)
    ]
    assert [r.data for r in results] == [None, None]
    assert [[e.extensions["code"] for e in r.errors or ()] for r in results] == [
        ["QUERY_TIMEOUT"],
        ["QUERY_TIMEOUT"],
    ]
    assert [type(p) for p in compiled_plans(query, None)] == [Plan]


@pytest.mark.parametrize("compiled", [True, False])
async def test_the_switch_is_read_per_request(compiled: bool) -> None:
    query = f"{{ tree {{ name }} }}  # switch {compiled}"
    context = Context(compiled)
    result = await SCHEMA.execute(query, context_value=context)
    assert result.data == {"tree": {"name": "root"}}
    assert bool(compiled_plans(query, None)) is compiled


async def test_a_document_keeps_a_bounded_number_of_condition_plans() -> None:
    query = """query ($a: Boolean!, $b: Boolean!, $c: Boolean!, $d: Boolean!, $e: Boolean!) {
      tree { a: name @include(if: $a) b: name @include(if: $b) c: name @include(if: $c)
             d: name @include(if: $d) e: name @include(if: $e) } }"""
    for n in range(32):
        flags = {k: bool(n >> i & 1) for i, k in enumerate("abcde")}
        await both(query, flags)
    assert len(compiled_plans(query, None)) == 16
