"""Which operation of a document runs, and over which transport."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension


class OneOperationOrName(SchemaExtension):
    """A document with several operations must name the one to run (GraphQL spec,
    GetOperation): strawberry would silently run the first, so a client — or a proxy that
    allows only some operations by name — cannot tell what ran."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # strawberry keeps the name the request gave apart from the one it guesses; there is
        # no public accessor for it.
        provided = getattr(context, "_provided_operation_name", None)
        if document is not None and provided is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [
                    GraphQLError(
                        "the document has several operations: name the one to run in operationName",
                        extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                    )
                ]
        yield
