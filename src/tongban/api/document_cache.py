"""Results kept per parsed document object, looked up by the object's identity.

ParserCache hands out one ``DocumentNode`` per query text, so what is computed from a document
(its measures, its validation, whether it is registered) can be kept per document object.
``functools.lru_cache`` would key it by the document's hash, and graphql-core's AST nodes are
frozen dataclasses whose hash walks the whole tree: 0.15 ms for a case view's document, 1.3 ms
for the officer front end's file, paid on every request, by every cache. Here the key is the
object's ``id``; each entry holds its document, so that id is not reused while the entry lives,
and a hit is only taken when the entry's document is that very object.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Concatenate, ParamSpec, TypeVar

from graphql import DocumentNode

P = ParamSpec("P")
R = TypeVar("R")


def per_document(
    maxsize: int,
) -> Callable[
    [Callable[Concatenate[DocumentNode, P], R]], Callable[Concatenate[DocumentNode, P], R]
]:
    """Cache ``function(document, *rest)`` by the document's identity and ``rest`` (hashable),
    least recently used first out past ``maxsize`` entries."""

    def decorate(
        function: Callable[Concatenate[DocumentNode, P], R],
    ) -> Callable[Concatenate[DocumentNode, P], R]:
        entries: OrderedDict[tuple[Hashable, ...], tuple[DocumentNode, R]] = OrderedDict()

        def cached(document: DocumentNode, /, *rest: P.args, **named: P.kwargs) -> R:
            key: tuple[Any, ...] = (id(document), *rest, *sorted(named.items()))
            entry = entries.get(key)
            if entry is not None and entry[0] is document:
                entries.move_to_end(key)
                return entry[1]
            value = function(document, *rest, **named)
            entries[key] = (document, value)
            if len(entries) > maxsize:
                entries.popitem(last=False)
            return value

        cached.cache_clear = entries.clear  # type: ignore[attr-defined]
        cached.__wrapped__ = function  # type: ignore[attr-defined]
        cached.__doc__ = function.__doc__
        return cached

    return decorate
