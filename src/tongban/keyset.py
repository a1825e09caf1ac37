"""Keyset (seek) pagination in SQL, for every repository that pages a list.

A list is ordered by a few columns ending in a unique one (the id), all in one direction, so
a position is a tuple of values and the next page is one row comparison away — stable while
rows are added, and as fast on page 500 as on page 1 (no OFFSET). Reading backwards reverses
the order in SQL and the caller reverses the rows back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Window(Generic[K]):
    """Rows strictly after ``after`` and before ``before`` in the list's order; ``limit`` of
    them, read from the end when ``backward``."""

    after: K | None = None
    before: K | None = None
    backward: bool = False
    limit: int = 21


@dataclass(frozen=True)
class Order:
    """A list's order: its key columns (the last one unique) with their SQL types."""

    columns: Sequence[str]
    types: Sequence[str]
    descending: bool = False

    def sql(self, window: Window[Any], params: list[Any]) -> tuple[str, str]:
        """The window's ``AND …`` conditions and its ``ORDER BY`` list; values go to
        ``params``."""
        conditions = []
        for value, ahead in ((window.after, True), (window.before, False)):
            if value is None:
                continue
            values = list(value)
            assert len(values) == len(self.columns)
            placeholders = []
            for v, t in zip(values, self.types, strict=True):
                params.append(v)
                placeholders.append(f"${len(params)}::{t}")
            op = ">" if ahead != self.descending else "<"
            conditions.append(f"AND ({', '.join(self.columns)}) {op} ({', '.join(placeholders)})")
        reverse = window.backward != self.descending
        direction = "DESC" if reverse else "ASC"
        return " ".join(conditions), ", ".join(f"{c} {direction}" for c in self.columns)
