"""Compiling a validated operation into closures: per selection set the fields graphql-core
would collect (its own ``collect_fields``, with the request's @skip/@include decisions), per
field a runner that reads the attribute or calls the resolver, and the completer of its type.

A field strawberry resolves by ``getattr`` (no resolver, no permission classes, no field
extensions, no exception handlers: its "basic" fields) becomes that ``getattr`` and the
leaf's serializer; only the fields that compute run their resolver, with the same
``GraphQLResolveInfo`` and arguments graphql-core would give them.
"""

from __future__ import annotations

import time
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.executor import Executor, to_nodes
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Path, Undefined
from graphql.type import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.type.introspection import TypeNameMetaFieldDef

from tongban.api.compiled.direct import Direct, direct_resolver
from tongban.api.compiled.runtime import (
    SYNC_TYPES,
    Completer,
    FieldRunner,
    await_completed,
    await_field,
    gather_fields,
)
from tongban.api.compiled.values import (
    InfoMaker,
    abstract_completer,
    enum_names,
    leaf_completer,
    list_completer,
    needs_info,
    non_null,
    object_completer,
    same_when,
)


class Unsupported(Exception):
    """The operation uses something the compiled path leaves to graphql-core."""


def _basic_attribute(field_def: GraphQLField) -> str | None:
    """The attribute strawberry's resolver would read, when the field only reads one."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if (
        definition is None
        or resolve is None
        or getattr(resolve, "__name__", "") != "_get_basic_result"
        or definition.default_resolver is not getattr
    ):
        return None
    name: str = definition.python_name
    return name


class Compiler:
    """Compiles one operation for one set of @skip/@include decisions."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variable_values: VariableValues,
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variable_values = variable_values
        self.operation = operation

    def root(self, root_type: GraphQLObjectType) -> list[tuple[str, FieldRunner]]:
        grouped, defers, _ = collect_fields(
            self.schema, self.fragments, self.variable_values, root_type, self.operation
        )
        if defers:
            raise Unsupported("@defer")
        for details in grouped.values():
            if details[0].node.name.value in ("__schema", "__type"):
                raise Unsupported("introspection")
        return self._fields(root_type, grouped)

    def selection(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> FieldRunner:
        grouped, defers, _ = collect_subfields(
            self.schema, self.fragments, self.variable_values, self.operation, object_type, details
        )
        if defers:
            raise Unsupported("@defer")
        return execute_fields(self._fields(object_type, grouped))

    def _fields(
        self, parent_type: GraphQLObjectType, grouped: dict[str, FieldDetailsList]
    ) -> list[tuple[str, FieldRunner]]:
        runners = []
        for key, details in grouped.items():
            if any(d.fragment_variable_values is not None or d.defer_usage for d in details):
                raise Unsupported("fragment arguments or @defer")
            runners.append((key, self.field(parent_type, key, details)))
        return runners

    def field(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> FieldRunner:
        name = details[0].node.name.value
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None:
            raise Unsupported(f"no field {parent_type.name}.{name}")
        if field_def is TypeNameMetaFieldDef:
            return _typename(parent_type.name)
        nodes = to_nodes(details)

        def make_info(ex: Any, path: Path | None) -> Any:
            return ex.build_resolve_info(field_def, nodes, parent_type, path)

        where = f"{parent_type.name}.{name}"
        complete = self.completer(field_def.type, details, where, make_info)
        attribute = _basic_attribute(field_def)
        context = _Field(key, parent_type.name, field_def, details, complete)
        if attribute is None:
            direct = direct_resolver(self.schema, field_def, details)
            if direct is not None:
                return _direct_field(context, make_info, direct)
            return _resolver_field(context, make_info)
        named = field_def.type.of_type if is_non_null_type(field_def.type) else field_def.type
        if is_leaf_type(named):
            return _leaf_attribute_field(context, attribute, named, where)
        return _attribute_field(context, attribute)

    def completer(
        self, type_: GraphQLOutputType, details: FieldDetailsList, where: str, make_info: InfoMaker
    ) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            inner = self.completer(type_.of_type, details, where, make_info)
            return non_null(inner, f"Cannot return null for non-nullable field {where}.")
        if isinstance(type_, GraphQLList):
            item = self.completer(type_.of_type, details, where, make_info)
            named = get_named_type(type_)
            return list_completer(type_, item, details, where, make_info, needs_info(named))
        if is_leaf_type(type_):
            return leaf_completer(type_)
        if is_abstract_type(type_):

            def for_type(object_type: GraphQLObjectType) -> Completer:
                return object_completer(
                    object_type, self.selection(object_type, details), details, make_info
                )

            return abstract_completer(type_, for_type, details, make_info)
        if is_object_type(type_):
            execute = self.selection(type_, details)
            return object_completer(type_, execute, details, make_info)
        raise Unsupported(f"output type {type_}")


class _Field:
    """What every runner of one field needs to know, bound once."""

    __slots__ = ("complete", "details", "field_def", "key", "parent", "return_type")

    def __init__(
        self,
        key: str,
        parent: str,
        field_def: GraphQLField,
        details: FieldDetailsList,
        complete: Completer,
    ) -> None:
        self.key = key
        self.parent = parent
        self.field_def = field_def
        self.return_type: GraphQLOutputType = field_def.type
        self.details = details
        self.complete = complete


def execute_fields(fields: list[tuple[str, FieldRunner]]) -> FieldRunner:
    """graphql-core's ``execute_fields`` (with the deadline check of ``guards.py``)."""
    monotonic = time.monotonic

    def run_fields(ex: Any, source: Any, path: Path | None) -> Any:
        deadline = ex.deadline
        if deadline is not None and monotonic() > deadline:
            ex.cut()
        out: dict[str, Any] = {}
        waits: list[str] | None = None
        try:
            for key, run in fields:
                value = run(ex, source, path)
                out[key] = value
                if type(value) not in SYNC_TYPES and ex.is_awaitable(value):
                    if waits is None:
                        waits = []
                    waits.append(key)
        except Exception:
            if waits:
                ex.settle_in_background([out[key] for key in waits])
            raise
        if waits:
            return gather_fields(out, waits)
        return out

    return run_fields


def _typename(name: str) -> FieldRunner:
    def typename(ex: Any, source: Any, path: Path | None) -> Any:
        return name

    return typename


def _finish(ex: Any, f: _Field, result: Any, path: Path, info: Any) -> Any:
    if type(result) not in SYNC_TYPES and ex.is_awaitable(result):
        return await_field(ex, result, f.complete, f.return_type, f.details, path, info)
    completed = f.complete(ex, result, path, info)
    if type(completed) not in SYNC_TYPES and ex.is_awaitable(completed):
        return await_completed(ex, completed, f.return_type, f.details, path)
    return completed


def _resolver_field(f: _Field, make_info: InfoMaker) -> FieldRunner:
    field_def = f.field_def
    resolve = field_def.resolve
    node = f.details[0].node
    with_arguments = bool(field_def.args or node.arguments)
    key, parent = f.key, f.parent

    def resolver_field(ex: Any, source: Any, parent_path: Path | None) -> Any:
        path = Path(parent_path, key, parent)
        info = make_info(ex, path)
        try:
            args = (
                get_argument_values(field_def, node, ex.variable_values, None, ex.hide_suggestions)
                if with_arguments
                else {}
            )
            result = (resolve or ex.field_resolver)(source, info, **args)
            return _finish(ex, f, result, path, info)
        except Exception as raw_error:
            ex.handle_field_error(raw_error, f.return_type, f.details, path)
            return None

    return resolver_field


def _direct_field(f: _Field, make_info: InfoMaker, direct: Direct) -> FieldRunner:
    """A resolver called as strawberry's wrapper would call it, without the wrapper; the
    resolve info is built only when the resolver asks for it."""
    key, parent = f.key, f.parent
    func, field, info_class = direct.func, direct.field, direct.info_class
    takes_self, sources, info_name = direct.takes_self, direct.keyword_sources, direct.info_name

    def direct_field(ex: Any, source: Any, parent_path: Path | None) -> Any:
        path = Path(parent_path, key, parent)
        info = None
        try:
            kwargs: dict[str, Any] = {}
            for name in sources:
                kwargs[name] = source
            if info_name is not None:
                info = make_info(ex, path)
                kwargs[info_name] = info_class(_raw_info=info, _field=field)
            result = func(source, **kwargs) if takes_self else func(**kwargs)
            return _finish(ex, f, result, path, info)
        except Exception as raw_error:
            ex.handle_field_error(raw_error, f.return_type, f.details, path)
            return None

    return direct_field


def _attribute_field(f: _Field, attribute: str) -> FieldRunner:
    key, parent = f.key, f.parent

    def attribute_field(ex: Any, source: Any, parent_path: Path | None) -> Any:
        path = Path(parent_path, key, parent)
        try:
            return _finish(ex, f, getattr(source, attribute), path, None)
        except Exception as raw_error:
            ex.handle_field_error(raw_error, f.return_type, f.details, path)
            return None

    return attribute_field


def _leaf_attribute_field(f: _Field, attribute: str, leaf: Any, where: str) -> FieldRunner:
    """The most common field of all: an attribute and a serializer, no path unless it fails."""
    key, parent = f.key, f.parent
    same = same_when(leaf)
    enum, names = enum_names(leaf)
    coerce = leaf.coerce_output_value
    required = is_non_null_type(f.return_type)
    null_message = f"Cannot return null for non-nullable field {where}."

    def leaf_field(ex: Any, source: Any, parent_path: Path | None) -> Any:
        try:
            result = getattr(source, attribute)
            kind = type(result)
            if kind is same:
                return result
            if kind is enum and result in names:
                return names[result]
            if result is None or result is Undefined:
                if required:
                    raise TypeError(null_message)
                return None
            if kind not in SYNC_TYPES and ex.is_awaitable(result):
                return _finish(ex, f, result, Path(parent_path, key, parent), None)
            if isinstance(result, Exception):
                raise result
            coerced = coerce(result)
            if coerced is None or coerced is Undefined:
                Executor.complete_leaf_value(leaf, result)
            return coerced
        except Exception as raw_error:
            ex.handle_field_error(
                raw_error, f.return_type, f.details, Path(parent_path, key, parent)
            )
            return None

    return leaf_field
