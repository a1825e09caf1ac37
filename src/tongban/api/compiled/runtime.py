"""What a compiled plan does when a value is not there yet: the asynchronous half of
graphql-core's executor, repeated step for step so that errors are located, nulled and
collected exactly as graphql-core does (``handle_field_error`` is graphql-core's own).

Every function takes the executor of the request (``ex``): its collected errors, its
``is_awaitable`` and the helpers that settle abandoned awaitables are the request's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import invalid_return_type_error
from graphql.pyutils import Path, gather_with_cancel
from graphql.type import GraphQLObjectType, GraphQLOutputType

Completer = Callable[[Any, Any, Path | None, Any], Any]
"""``(executor, value, path, info or None) -> completed value or awaitable``."""

FieldRunner = Callable[[Any, Any, Path | None], Any]
"""``(executor, source, parent path) -> the field's completed value or awaitable``."""

SYNC_TYPES: Final = frozenset({type(None), str, int, float, bool, dict, list})
"""Types of completed values: never awaitable, so the check costs one set lookup."""


async def await_field(
    ex: Any,
    result: Awaitable[Any],
    complete: Completer,
    return_type: GraphQLOutputType,
    details: FieldDetailsList,
    path: Path,
    info: Any,
) -> Any:
    """graphql-core's ``complete_awaitable_value`` with a compiled completer."""
    try:
        completed = complete(ex, await result, path, info)
        if type(completed) not in SYNC_TYPES and ex.is_awaitable(completed):
            completed = await completed
    except Exception as raw_error:
        ex.handle_field_error(raw_error, return_type, details, path)
        completed = None
    return completed


async def await_completed(
    ex: Any,
    completed: Awaitable[Any],
    return_type: GraphQLOutputType,
    details: FieldDetailsList,
    path: Path,
) -> Any:
    """A completion that turned asynchronous below the field (graphql-core's
    ``await_completed``)."""
    try:
        return await completed
    except Exception as raw_error:
        ex.handle_field_error(raw_error, return_type, details, path)
        return None


async def gather_fields(out: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The object's awaitable fields, awaited together (graphql-core's ``get_results``)."""
    if len(keys) == 1:
        key = keys[0]
        out[key] = await out[key]
    else:
        values = await gather_with_cancel(*(out[key] for key in keys))
        out.update(zip(keys, values, strict=True))
    return out


async def gather_items(out: list[Any], indices: list[int]) -> list[Any]:
    """The list's awaitable items, awaited together."""
    if len(indices) == 1:
        index = indices[0]
        out[index] = await out[index]
    else:
        values = await gather_with_cancel(*(out[index] for index in indices))
        for index, value in zip(indices, values, strict=True):
            out[index] = value
    return out


async def object_after_check(
    ex: Any,
    check: Awaitable[Any],
    object_type: GraphQLObjectType,
    result: Any,
    details: FieldDetailsList,
    execute: FieldRunner,
    path: Path | None,
) -> Any:
    """An object whose ``is_type_of`` answered with an awaitable."""
    if not await check:
        raise invalid_return_type_error(object_type, result, details)
    value = execute(ex, result, path)
    if type(value) not in SYNC_TYPES and ex.is_awaitable(value):
        return await value
    return value


async def abstract_after_resolve(
    ex: Any,
    runtime_type: Awaitable[Any],
    finish: Callable[[Any, Any], Any],
    info: Any,
) -> Any:
    """An abstract value whose type resolver answered with an awaitable."""
    value = finish(await runtime_type, info)
    if type(value) not in SYNC_TYPES and ex.is_awaitable(value):
        return await value
    return value


def serially(
    ex: Any, fields: list[tuple[str, FieldRunner]], source: Any
) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """A mutation's root fields one after the other, each awaited before the next starts
    (graphql-core's ``execute_fields_serially``); synchronous as long as they are."""
    results: dict[str, Any] = {}
    for position, (key, run) in enumerate(fields):
        value = run(ex, source, None)
        if type(value) not in SYNC_TYPES and ex.is_awaitable(value):
            return _serially_rest(ex, fields, position, value, results, source)
        results[key] = value
    return results


async def _serially_rest(
    ex: Any,
    fields: list[tuple[str, FieldRunner]],
    position: int,
    value: Awaitable[Any],
    results: dict[str, Any],
    source: Any,
) -> dict[str, Any]:
    results[fields[position][0]] = await value
    for key, run in fields[position + 1 :]:
        result = run(ex, source, None)
        if type(result) not in SYNC_TYPES and ex.is_awaitable(result):
            result = await result
        results[key] = result
    return results
