"""Completers: what graphql-core's ``complete_value`` does for one type at one place of an
operation, decided once when the operation is compiled instead of for every value.

A completer is ``(executor, value, path, info) -> completed``; ``info`` may be None, and is
then built only if the type needs it (an abstract type's resolver, a custom ``is_type_of``).
The checks, their order and their messages are graphql-core 3.3's (``executor.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import EnumMeta
from typing import Any

from graphql import GraphQLError
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import Executor, invalid_return_type_error
from graphql.pyutils import Path, Undefined, is_iterable
from graphql.type import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    is_abstract_type,
)
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string

from tongban.api.compiled.runtime import (
    SYNC_TYPES,
    Completer,
    FieldRunner,
    abstract_after_resolve,
    await_completed,
    gather_items,
    object_after_check,
)

InfoMaker = Callable[[Any, Path | None], Any]
"""Builds the field's resolve info for a path (only when a completer needs one)."""

_IDENTITY_SERIALIZERS = {serialize_string: str, serialize_id: str, serialize_boolean: bool}


def same_when(leaf: GraphQLLeafType) -> type | None:
    """The Python type whose values the leaf's serializer returns unchanged (String and ID:
    ``str``, Boolean: ``bool``), so that the call can be skipped for them."""
    serializer: Any = getattr(leaf, "coerce_output_value", None)
    try:
        return _IDENTITY_SERIALIZERS.get(serializer)
    except TypeError:  # an unhashable bound method
        return None


def enum_names(leaf: GraphQLLeafType) -> tuple[type | None, dict[Any, str]]:
    """A strawberry enum's members and the names its serializer gives them, computed once:
    strawberry's serializer scans every value of the enum for each member it serializes."""
    wrapped = getattr(leaf, "wrapped_cls", None)
    if not isinstance(leaf, GraphQLEnumType) or not isinstance(wrapped, EnumMeta):
        return None, {}
    names: dict[Any, str] = {}
    members: list[Any] = list(wrapped)
    for member in members:
        try:
            names[member] = leaf.coerce_output_value(member)
        except Exception:  # left to the serializer, which raises it per request
            continue
    return wrapped, names


def leaf_completer(leaf: GraphQLLeafType) -> Completer:
    coerce = leaf.coerce_output_value
    same = same_when(leaf)
    enum, names = enum_names(leaf)

    def complete_leaf(ex: Any, result: Any, path: Path | None, info: Any) -> Any:
        kind = type(result)
        if kind is same:
            return result
        if kind is enum and result in names:
            return names[result]
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        coerced = coerce(result)
        if coerced is None or coerced is Undefined:
            Executor.complete_leaf_value(leaf, result)  # raises graphql-core's TypeError
        return coerced

    return complete_leaf


def non_null(inner: Completer, message: str) -> Completer:
    def complete_non_null(ex: Any, result: Any, path: Path | None, info: Any) -> Any:
        completed = inner(ex, result, path, info)
        if completed is None:
            raise TypeError(message)
        return completed

    return complete_non_null


def list_completer(
    list_type: GraphQLList[Any],
    item: Completer,
    details: FieldDetailsList,
    where: str,
    make_info: InfoMaker,
    items_need_info: bool,
) -> Completer:
    """``items_need_info``: the items' completer reads the field's info (graphql-core gives
    every item the list field's own, path included), so it is built once for the list."""
    item_type: GraphQLOutputType = list_type.of_type
    not_iterable = f"Expected Iterable, but did not find one for field '{where}'."

    def complete_list(ex: Any, result: Any, path: Path | None, info: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if ex.is_async_iterable(result):
            # Streams of items: left to graphql-core, which handles them with its own care.
            info = info or make_info(ex, path)
            return ex.complete_list_value(list_type, details, info, path, result, None)
        if not is_iterable(result):
            raise GraphQLError(not_iterable)
        if info is None and items_need_info:
            info = make_info(ex, path)
        return _items(ex, result, path, info, item, item_type, details)

    return complete_list


def _items(
    ex: Any,
    result: Any,
    path: Any,
    info: Any,
    item: Completer,
    item_type: GraphQLOutputType,
    details: FieldDetailsList,
) -> Any:
    out: list[Any] = []
    waits: list[int] = []
    is_awaitable = ex.is_awaitable
    index = 0
    try:
        for value in result:
            item_path = Path(path, index, None)
            if type(value) not in SYNC_TYPES and is_awaitable(value):
                out.append(_await_item(ex, value, item, item_type, details, item_path, info))
                waits.append(index)
            else:
                try:
                    completed = item(ex, value, item_path, info)
                    if type(completed) not in SYNC_TYPES and is_awaitable(completed):
                        completed = await_completed(ex, completed, item_type, details, item_path)
                        waits.append(index)
                except Exception as raw_error:
                    ex.handle_field_error(raw_error, item_type, details, item_path)
                    completed = None
                out.append(completed)
            index += 1
    except Exception:
        if waits:
            ex.settle_in_background([out[i] for i in waits])
        raise
    return gather_items(out, waits) if waits else out


async def _await_item(
    ex: Any,
    value: Any,
    item: Completer,
    item_type: GraphQLOutputType,
    details: FieldDetailsList,
    item_path: Path,
    info: Any,
) -> Any:
    try:
        completed = item(ex, await value, item_path, info)
        if type(completed) not in SYNC_TYPES and ex.is_awaitable(completed):
            completed = await completed
    except Exception as raw_error:
        ex.handle_field_error(raw_error, item_type, details, item_path)
        return None
    return completed


def needs_info(type_: Any) -> bool:
    """Whether completing a value of this (named) type reads the resolve info."""
    if isinstance(type_, GraphQLObjectType):
        return type_.is_type_of is not None and not _ignores_info(type_.is_type_of)
    return is_abstract_type(type_)


def _ignores_info(check: Any) -> bool:
    """strawberry's generated ``is_type_of`` is an ``isinstance`` that never reads its info
    argument: it is called without building one."""
    return str(getattr(check, "__qualname__", "")).endswith("_get_is_type_of.<locals>.is_type_of")


def object_completer(
    object_type: GraphQLObjectType,
    execute: FieldRunner,
    details: FieldDetailsList,
    make_info: InfoMaker,
) -> Completer:
    check = object_type.is_type_of
    without_info = _ignores_info(check)

    def complete_object(ex: Any, result: Any, path: Path | None, info: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if check is not None:
            if info is None and not without_info:
                info = make_info(ex, path)
            matches = check(result, info)
            if type(matches) is not bool and ex.is_awaitable(matches):
                return object_after_check(ex, matches, object_type, result, details, execute, path)
            if not matches:
                raise invalid_return_type_error(object_type, result, details)
        return execute(ex, result, path)

    return complete_object


def abstract_completer(
    abstract_type: GraphQLAbstractType,
    for_type: Callable[[GraphQLObjectType], Completer],
    details: FieldDetailsList,
    make_info: InfoMaker,
) -> Completer:
    """``for_type`` compiles (once) the selection for each concrete type met."""
    resolve_type = abstract_type.resolve_type
    compiled: dict[str, Completer] = {}

    def complete_abstract(ex: Any, result: Any, path: Path | None, info: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            return None
        if info is None:
            info = make_info(ex, path)

        def finish(runtime_type: Any, info: Any) -> Any:
            object_type = ex.ensure_valid_runtime_type(
                runtime_type, abstract_type, details, info, result
            )
            complete = compiled.get(object_type.name)
            if complete is None:
                complete = compiled[object_type.name] = for_type(object_type)
            return complete(ex, result, path, info)

        runtime_type: Any = (resolve_type or ex.type_resolver)(result, info, abstract_type)
        if type(runtime_type) is not str and ex.is_awaitable(runtime_type):
            return abstract_after_resolve(ex, runtime_type, finish, info)
        return finish(runtime_type, info)

    return complete_abstract
