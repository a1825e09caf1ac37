"""What every repository shares: a row read into its msgspec struct, and the SET list of an
update restricted to the columns a use case may change."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, Generic, TypeVar

import asyncpg
import msgspec

T = TypeVar("T")


def struct_of(kind: type[T], row: Mapping[str, Any]) -> T:
    """``row`` as a ``kind``: columns named as the fields (arrays become tuples), extra
    columns ignored, so no raw record leaves a repository."""
    return msgspec.convert(dict(row), kind)


def assignments(changes: Mapping[str, Any], allowed: Set[str]) -> list[str]:
    """``column = $n`` for each change, numbered from $2 (the row's id is $1). A column outside
    ``allowed`` is a programming error, not an input to report."""
    unknown = set(changes) - allowed
    assert not unknown, unknown
    return [f"{column} = ${i}" for i, column in enumerate(changes, start=2)]


async def fetch_all(conn: asyncpg.Connection, kind: type[T], sql: str, *args: Any) -> list[T]:
    """Every row of ``sql`` as a ``kind``."""
    return [struct_of(kind, r) for r in await conn.fetch(sql, *args)]


async def fetch_one(conn: asyncpg.Connection, kind: type[T], sql: str, *args: Any) -> T | None:
    """The first row of ``sql`` as a ``kind``; None when there is none."""
    row = await conn.fetchrow(sql, *args)
    return None if row is None else struct_of(kind, row)


class Select(Generic[T]):
    """``SELECT <columns> FROM <table>`` read into one struct: a repository names each read by
    the rest of its statement (``WHERE …``, ``ORDER BY …``, ``FOR UPDATE``)."""

    def __init__(self, kind: type[T], columns: str, source: str) -> None:
        self.kind = kind
        self.head = f"SELECT {columns} FROM {source}"

    async def all(self, conn: asyncpg.Connection, rest: str, *args: Any) -> list[T]:
        return await fetch_all(conn, self.kind, f"{self.head} {rest}", *args)

    async def first(self, conn: asyncpg.Connection, rest: str, *args: Any) -> T | None:
        return await fetch_one(conn, self.kind, f"{self.head} {rest}", *args)
