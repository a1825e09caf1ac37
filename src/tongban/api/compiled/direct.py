"""Calling a resolver function as strawberry's wrapper would call it, without the wrapper.

strawberry 0.341 wraps every resolver (``GraphQLCoreConverter.from_resolver``): it builds a
strawberry ``Info``, converts the arguments, chains the field extensions and calls the
function with the source as ``self`` / ``root`` / ``parent``. For a synchronous resolver with
no arguments, no field extensions (permission classes are extensions) and no exception
handlers all of that reduces to the call itself, ~10 µs a field saved: a compiled plan makes
the call directly and builds the resolve info only for a resolver that asks for it.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLSchema
from graphql.execution.collect_fields import FieldDetailsList


class Direct:
    """What strawberry's ``_resolver`` would do for a field, decided once: which of source
    and info the resolver function takes, and how."""

    __slots__ = ("field", "func", "info_class", "info_name", "keyword_sources", "takes_self")

    def __init__(self, field: Any, info_class: type) -> None:
        resolver = field.base_resolver
        self.field = field
        self.func = resolver.wrapped_func
        self.info_class = info_class
        self.takes_self = resolver.self_parameter is not None
        self.keyword_sources = tuple(
            p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None
        )
        self.info_name = None if resolver.info_parameter is None else resolver.info_parameter.name


def direct_resolver(
    schema: GraphQLSchema, field_def: GraphQLField, details: FieldDetailsList
) -> Direct | None:
    """The field's resolver function when strawberry's wrapper adds nothing to calling it
    (strawberry 0.341 ``GraphQLCoreConverter.from_resolver``): a synchronous resolver with no
    arguments, no field extensions (permission classes are extensions) and no exception
    handlers; the wrapper would then convert no arguments and call the function with the
    source as ``self`` / ``root`` / ``parent`` and a strawberry ``Info`` if it asks for one."""
    field = (field_def.extensions or {}).get("strawberry-definition")
    resolve = field_def.resolve
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    if field is None or resolve is None or strawberry_schema is None:
        return None
    handlers = _closure_value(resolve, "field_exception_handlers")
    resolver = field.base_resolver
    if (
        getattr(resolve, "__name__", "") != "_resolver"
        or handlers is None
        or handlers
        or resolver is None
        or field.extensions
        or field.is_async
        or field.arguments
        or field_def.args
        or any(d.node.arguments for d in details)
        or not callable(resolver.wrapped_func)
    ):
        return None
    return Direct(field, strawberry_schema.config.info_class)


def _closure_value(function: Any, name: str) -> Any:
    code = getattr(function, "__code__", None)
    if code is None or name not in code.co_freevars:
        return None
    return function.__closure__[code.co_freevars.index(name)].cell_contents
