"""Relay cursor connections (https://relay.dev/graphql/connections.htm), shared by every list.

A page is asked for with ``first``/``after`` (forwards) or ``last``/``before`` (backwards; the
items still come in the list's order). Cursors are opaque: a keyed checksum over the list's
name, its order and the position, so a cursor that was cut, edited or taken from another list
or another order is a typed VALIDATION error (problem BAD_CURSOR) instead of a wrong page or
a 500. The checksum is no authorisation — every page is filtered by what the viewer may see in
SQL, so a forged position could only skip within the viewer's own list.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import msgspec
import strawberry

from tongban.errors import ValidationError
from tongban.keyset import Window

T = TypeVar("T")
K = TypeVar("K")

DEFAULT_PAGE_SIZE = 20
_DIGEST = 8

# The Relay arguments, the same on every connection field.
First = Annotated[
    int | None,
    strawberry.argument(description="Page size, reading forwards (default 20; not with `last`)."),
]
After = Annotated[
    str | None, strawberry.argument(description="Start after this cursor (an `endCursor`).")
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page size, reading backwards from the end or from `before`; the items "
        "still come in the list's order (not with `first`)."
    ),
]
Before = Annotated[
    str | None, strawberry.argument(description="End before this cursor (a `startCursor`).")
]


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page (when paging backwards with `before`: true)."
    )
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Items precede this page (when paging forwards with `after`: true).",
    )
    start_cursor: str | None = strawberry.field(
        default=None,
        description="Cursor of the first item; pass it as `before` for the previous page.",
    )
    end_cursor: str | None = strawberry.field(
        default=None,
        description="Cursor of the last item; pass it as `after` for the next page.",
    )


@strawberry.type(description="One item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


async def _no_count() -> int:
    return 0


@strawberry.type(description="A page of items.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    counter: strawberry.Private[Callable[[], Awaitable[int]]] = _no_count

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]

    # One statement of its own, run only when asked for: a page without it costs nothing more.
    @strawberry.field(
        description="How many items the whole list has with these filters (all pages), "
        "counting only what you may see."
    )
    async def total_count(self) -> int:
        return await self.counter()


class PageRequest(msgspec.Struct, frozen=True):
    """A checked page request: ``size`` items after ``after`` and/or before ``before``,
    read from the end when ``backward``."""

    size: int
    backward: bool
    after: str | None
    before: str | None

    def window(self, key_type: Any, scope: str) -> Window[Any]:
        """The SQL window with the cursors decoded for ``scope`` (a list and its order)."""
        return Window(
            after=None if self.after is None else decode_cursor(self.after, key_type, scope),
            before=None
            if self.before is None
            else decode_cursor(self.before, key_type, scope, field="before"),
            backward=self.backward,
            limit=self.size + 1,
        )


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    maximum: int,
    default: int = DEFAULT_PAGE_SIZE,
) -> PageRequest:
    """Checks the Relay arguments: ``first`` and ``last`` exclude each other; a size is 1 to
    ``maximum``; neither means the first ``default``."""
    if first is not None and last is not None:
        raise ValidationError(
            "pass `first` or `last`, not both", field="last", problem="FIRST_AND_LAST"
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 1 <= value <= maximum:
            raise ValidationError(
                f"`{name}` must be between 1 and {maximum}",
                field=name,
                details={"maximum": maximum},
                problem="PAGE_SIZE_OUT_OF_RANGE",
                params={"max": maximum, "name": name},
            )
    if last is not None:
        return PageRequest(size=last, backward=True, after=after, before=before)
    return PageRequest(
        size=min(default, maximum) if first is None else first,
        backward=False,
        after=after,
        before=before,
    )


def check_page_size(first: int, maximum: int) -> int:
    if not 1 <= first <= maximum:
        raise ValidationError(
            f"`first` must be between 1 and {maximum}",
            field="first",
            problem="PAGE_SIZE_OUT_OF_RANGE",
            params={"max": maximum},
        )
    return first


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=_DIGEST, person=b"tongban-cursor").digest()


def encode_cursor(key: object, scope: str = "") -> str:
    body = msgspec.json.encode([scope, key])
    return base64.urlsafe_b64encode(_digest(body) + body).decode().rstrip("=")


def decode_cursor(cursor: str, type_: type[K], scope: str = "", *, field: str = "after") -> K:
    def bad() -> ValidationError:
        return ValidationError(
            "the cursor is not valid for this list and order; start again from the first page",
            field=field,
            problem="BAD_CURSOR",
        )

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raise bad() from None
    body = raw[_DIGEST:]
    if len(raw) <= _DIGEST or raw[:_DIGEST] != _digest(body):
        raise bad()
    try:
        found_scope, key = msgspec.json.decode(body, type=tuple[str, type_])  # type: ignore[valid-type]
    except (ValueError, msgspec.DecodeError):
        raise bad() from None
    if found_scope != scope:
        raise bad()
    return key


def connection(
    found: Sequence[Any],
    page: PageRequest,
    *,
    node: Callable[[Any], T],
    cursor: Callable[[Any], str],
    counter: Callable[[], Awaitable[int]] = _no_count,
) -> Connection[T]:
    """A connection from rows read with ``page.window(...)`` (``size + 1`` rows, in reading
    order: reversed when paging backwards). The extra row tells whether more lie beyond; the
    side we came from is known from the cursor we were given (as the Relay spec allows)."""
    more = len(found) > page.size
    rows = list(found[: page.size])
    if page.backward:
        rows.reverse()
    edges = [Edge(cursor=cursor(r), node=node(r)) for r in rows]
    if page.backward:
        has_previous, has_next = more or page.after is not None, page.before is not None
    else:
        has_previous, has_next = page.after is not None, more or page.before is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        counter=counter,
    )
