"""Query limits enforced around strawberry: refused before validation, cut during execution.

``QueryLimits`` runs the linear measurement of ``limits.py`` before graphql-core's own
validation (and its cache), so a hostile document is refused for the price of reading it once.
``DeadlineExecutionContext`` stops a query that is still running after the deadline: the check
sits where graphql-core starts an object's fields, because CPU-bound completion of a long list
never yields to the event loop and no timer could interrupt it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.types import ExecutionResult

from tongban.api.compiled import plans as compiled
from tongban.api.document_cache import per_document
from tongban.api.errors import (
    PERSISTED_QUERY_NOT_ALLOWED,
    QUERY_TIMEOUT,
    QUERY_TOO_COMPLEX,
    QUERY_TOO_COSTLY,
    limit_error,
)
from tongban.api.limits import Analysis, analyse
from tongban.api.persisted import registered
from tongban.auth.types import Principal
from tongban.config import Settings

_DEFAULTS = Settings()


def _settings_and_principal(context: object) -> tuple[Settings, Principal | None]:
    settings = getattr(context, "settings", None)
    principal = getattr(context, "principal", None)
    return (
        settings if isinstance(settings, Settings) else _DEFAULTS,
        principal if isinstance(principal, Principal) else None,
    )


def budget(settings: Settings, principal: Principal | None) -> int:
    """The cost one operation of this caller may have; anonymous callers get the least."""
    if principal is None or principal.is_anonymous:
        return settings.graphql_cost_anonymous
    if principal.is_officer:
        return settings.graphql_cost_officer
    return settings.graphql_cost_applicant


@per_document(maxsize=512)
def _measure(
    document: DocumentNode,
    schema: GraphQLSchema,
    operation_name: str | None,
    sizes: tuple[tuple[str, int | None], ...],
    max_page_size: int,
) -> Analysis:
    """The document's measures, kept per document and page sizes: ParserCache hands out the
    same document object for the same text, so a front end's operations are measured once
    (measuring a case view took about as long as validating it)."""
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return analyse(
        schema, operations, fragments, variables=dict(sizes), max_page_size=max_page_size
    )


def check_document(
    execution: Any, settings: Settings, principal: Principal | None
) -> GraphQLError | None:
    """The first limit the operation breaks, as a typed error, or None."""
    document = execution.graphql_document
    if document is None:
        return None
    # Whatever the client sent: graphql-core refuses malformed variables later. Only integers
    # size pages, so they alone (with the names given) key the cached measurement.
    variables = execution.variables if isinstance(execution.variables, dict) else {}
    sizes = tuple(
        sorted(
            (k, v if isinstance(v, int) and not isinstance(v, bool) else None)
            for k, v in variables.items()
        )
    )
    found = _measure(
        document,
        execution.schema._schema,
        execution.operation_name,
        sizes,
        settings.graphql_max_page_size,
    )
    if found.fragment_cycle is not None:
        return limit_error(
            QUERY_TOO_COMPLEX,
            f"fragment {found.fragment_cycle} spreads itself",
            problem="FRAGMENT_CYCLE",
            fragment=found.fragment_cycle,
        )
    for limit, value, maximum in (
        ("depth", found.depth, settings.graphql_max_depth),
        ("aliases", found.aliases, settings.graphql_max_aliases),
        ("fields", found.fields, settings.graphql_max_fields),
    ):
        if value > maximum:
            return limit_error(
                QUERY_TOO_COMPLEX,
                f"the operation exceeds the maximum {limit} of {maximum}",
                limit=limit,
                maximum=maximum,
            )
    allowed = budget(settings, principal)
    if found.cost > allowed:
        return limit_error(
            QUERY_TOO_COSTLY,
            f"the operation's estimated cost {found.cost} exceeds the budget of {allowed}",
            cost=found.cost,
            budget=allowed,
        )
    return None


@per_document(maxsize=512)
def _validate(
    document: DocumentNode, schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """strawberry's validation (its rules added), as ValidationCache keeps it, but found by the
    document's identity (``document_cache.py``)."""
    return validate_document(schema, document, rules)


class QueryLimits(SchemaExtension):
    """Measure the document first; only a document within the limits is validated (cached)."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        settings, principal = _settings_and_principal(execution.context)
        error = check_document(execution, settings, principal)
        document = execution.graphql_document
        if (
            error is None
            and settings.graphql_persisted_only
            and document is not None
            and not registered(document, settings.graphql_operations_dir)
        ):
            error = limit_error(
                PERSISTED_QUERY_NOT_ALLOWED,
                "only the front ends' registered operations are accepted here",
            )
        if error is not None:
            execution.pre_execution_errors = [error]
            yield
            return
        if document is not None:
            execution.pre_execution_errors = _validate(
                document, execution.schema._schema, execution.validation_rules
            )
        yield


class DeadlineExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Cuts a query that runs past TONGBAN_GRAPHQL_DEADLINE_SECONDS.

    Only queries: a mutation cut after its transaction committed would tell the caller it
    failed when it did not, and a subscription's per-event executions are copies of this one
    (the deadline would be counted from when it subscribed).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings, _ = _settings_and_principal(self.context_value)
        self.deadline: float | None = (
            time.monotonic() + settings.graphql_deadline_seconds
            if self.operation.operation == OperationType.QUERY
            else None
        )
        self.compiled = settings.graphql_compiled

    def cut(self) -> None:
        """Stop the query: raised where an object's fields start, like ``execute_fields``."""
        raise limit_error(QUERY_TIMEOUT, "the query ran past its deadline and was cut")

    def execute_operation(self, serially: bool | None = None) -> Any:
        # Queries and mutations run from their compiled plan (api/compiled/) unless switched
        # off; whatever has no plan — subscriptions, introspection — runs in graphql-core.
        if serially is None and self.compiled:
            result = compiled.execute(self)
            if result is not None:
                return result
        return super().execute_operation(serially)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.cut()
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )


def cut_if_timed_out(result: ExecutionResult) -> ExecutionResult:
    """One typed error instead of a partial answer with one error per object left unfinished."""
    for error in result.errors or ():
        if (error.extensions or {}).get("code") == QUERY_TIMEOUT:
            return ExecutionResult(
                data=None,
                errors=[limit_error(QUERY_TIMEOUT, "the query ran past its deadline and was cut")],
                extensions=result.extensions,
            )
    return result
