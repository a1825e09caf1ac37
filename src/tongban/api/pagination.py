"""Relay-style cursor connections."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import msgspec
import strawberry

from tongban.errors import ValidationError

T = TypeVar("T")


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a page with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def encode_cursor(key: object) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str, type_: type[T]) -> T:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return msgspec.json.decode(base64.urlsafe_b64decode(padded), type=type_)
    except (ValueError, msgspec.DecodeError):
        raise ValidationError(
            "the cursor is not valid", field="after", problem="INVALID_CURSOR"
        ) from None


def check_page_size(first: int, maximum: int) -> int:
    if not 1 <= first <= maximum:
        raise ValidationError(
            f"`first` must be between 1 and {maximum}",
            field="first",
            problem="PAGE_SIZE_OUT_OF_RANGE",
            params={"max": maximum},
        )
    return first
