"""Compiled plans of operations, kept per document, operation and @skip/@include decisions,
and the one entry point the executor calls (``execute``).

A document is compiled the first time it is executed (after strawberry parsed and validated
it, with its caches). The collected fields depend on the request only through @skip/@include
arguments that name variables: those are evaluated per request and key the plan, so a
compiled selection is always the one graphql-core would collect. An operation the compiler
does not support (introspection, fragment arguments, anything odd) gets no plan and is
executed by graphql-core, as is every operation when ``TONGBAN_GRAPHQL_COMPILED`` is off.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from graphql import (
    DirectiveNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    OperationType,
    VariableNode,
    visit,
)
from graphql.language import Visitor

from tongban.api.compiled.compiler import Compiler, Unsupported, execute_fields
from tongban.api.compiled.runtime import FieldRunner, serially

MAX_PLANS: Final = 512
"""Documents kept compiled; the front ends register far fewer (graphql/operations)."""

MAX_PLANS_PER_DOCUMENT: Final = 16
"""Sets of @skip/@include decisions compiled per document: a document with many variable
conditions could otherwise make every request compile (and keep) a plan of its own."""

_CONDITIONS = {
    GraphQLSkipDirective.name: GraphQLSkipDirective,
    GraphQLIncludeDirective.name: GraphQLIncludeDirective,
}


class Plan:
    """One operation compiled for one set of @skip/@include decisions."""

    __slots__ = ("execute", "mutation")

    def __init__(self, fields: list[tuple[str, FieldRunner]], mutation: bool) -> None:
        self.mutation = mutation
        self.execute: FieldRunner = execute_fields(fields)
        if mutation:
            self.execute = lambda ex, source, path: serially(ex, fields, source)

    def run(self, ex: Any) -> Any:
        """graphql-core's ``execute_operation`` with the compiled root."""
        try:
            data = self.execute(ex, ex.root_value, None)
            if type(data) is not dict and ex.is_awaitable(data):
                return _await_result(ex, data)
        except GraphQLError as error:
            ex.collected_errors.add(error, None)
            return ex.finish(ex.build_response(None))
        return ex.finish(ex.build_response(data))


async def _await_result(ex: Any, data: Any) -> Any:
    try:
        value = await data
    except GraphQLError as error:
        ex.collected_errors.add(error, None)
        return ex.build_response(None)
    except Exception:
        await ex.cancel_incremental_work()
        ex.run_async_work_finished_hook()
        raise
    return ex.build_response(value)


class _Conditions(Visitor):
    """The @skip/@include directives whose argument names a variable."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[DirectiveNode] = []
        self.fragment_variables = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
        if node.name.value in _CONDITIONS and any(
            isinstance(a.value, VariableNode) for a in node.arguments or ()
        ):
            self.found.append(node)

    def enter_fragment_definition(self, node: Any, *_: Any) -> None:
        if node.variable_definitions:
            self.fragment_variables = True


class _Entry:
    """A document's conditions and its plans, one per set of decisions."""

    __slots__ = ("conditions", "plans", "supported")

    def __init__(self, document: Any) -> None:
        visitor = _Conditions()
        visit(document, visitor)
        self.conditions = tuple(visitor.found)
        self.supported = not visitor.fragment_variables
        self.plans: dict[tuple[bool, ...], Plan | None] = {}


_entries: OrderedDict[tuple[str, str | None], _Entry] = OrderedDict()


def _decisions(ex: Any, conditions: tuple[DirectiveNode, ...]) -> tuple[bool, ...]:
    from graphql.execution.values import get_argument_values

    return tuple(
        bool(get_argument_values(_CONDITIONS[d.name.value], d, ex.variable_values).get("if"))
        for d in conditions
    )


def plan_for(ex: Any) -> Plan | None:
    """The request's plan, compiled now if this is the first time it is seen."""
    operation = ex.operation
    location = operation.loc
    if location is None:
        return None
    key = (location.source.body, operation.name.value if operation.name else None)
    entry = _entries.get(key)
    if entry is None:
        entry = _entries[key] = _Entry(_document_of(ex))
        if len(_entries) > MAX_PLANS:
            _entries.popitem(last=False)
    else:
        _entries.move_to_end(key)
    if not entry.supported:
        return None
    decisions = _decisions(ex, entry.conditions) if entry.conditions else ()
    if decisions in entry.plans:
        return entry.plans[decisions]
    if len(entry.plans) >= MAX_PLANS_PER_DOCUMENT:
        return None
    plan = entry.plans[decisions] = _compile(ex)
    return plan


def compiled_plans(body: str, operation_name: str | None) -> list[Plan | None]:
    """The plans kept for a document's operation (for tests and diagnostics)."""
    entry = _entries.get((body, operation_name))
    return [] if entry is None else list(entry.plans.values())


def _document_of(ex: Any) -> Any:
    from graphql import DocumentNode

    return DocumentNode(definitions=(ex.operation, *(f.definition for f in ex.fragments.values())))


def _compile(ex: Any) -> Plan | None:
    operation = ex.operation
    root_type = ex.schema.get_root_type(operation.operation)
    if root_type is None:
        return None
    compiler = Compiler(ex.schema, ex.fragments, ex.variable_values, operation)
    try:
        fields = compiler.root(root_type)
    except Unsupported:
        return None
    return Plan(fields, operation.operation == OperationType.MUTATION)


def compilable(ex: Any) -> bool:
    """Whether the request may run compiled at all: a query or mutation, no abort signal, no
    resolver middleware (strawberry adds one only for extensions that wrap resolvers)."""
    manager = ex.middleware_manager
    return (
        ex.operation.operation in (OperationType.QUERY, OperationType.MUTATION)
        and ex.abort_signal is None
        and (manager is None or not manager.middlewares)
        and ex.error_propagation
    )


def execute(ex: Any) -> Any:
    """The compiled execution of the request, or None when graphql-core must run it."""
    if not compilable(ex):
        return None
    plan = plan_for(ex)
    if plan is None:
        return None
    return plan.run(ex)


__all__ = ["Plan", "compiled_plans", "execute", "plan_for"]
