"""A filter as SQL conditions, for every repository that searches a list.

A filter's criteria are a table: its field, the condition with ``{}`` where the value goes, and
how the value becomes the parameter. A field that is None (or an empty list) adds nothing; each
value is a numbered parameter appended to the statement's, never text in the SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Criterion = tuple[str, str, Callable[[Any], Any]]


def bind(params: list[Any], value: Any) -> str:
    """``value`` as the statement's next parameter; its placeholder."""
    params.append(value)
    return f"${len(params)}"


def like(text: str, *, prefix: bool = False) -> str:
    """An ILIKE/LIKE pattern matching ``text`` literally (its ``%``, ``_`` and ``\\`` too)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def contains(text: str) -> str:
    return like(text)


def starts(text: str) -> str:
    return like(text, prefix=True)


def as_is(value: Any) -> Any:
    return value


def conditions(f: object, table: Sequence[Criterion], params: list[Any]) -> list[str]:
    """The conditions of the criteria ``f`` sets, in the table's order."""
    parts = []
    for field, condition, parameter in table:
        value = getattr(f, field)
        if value is None or (isinstance(value, tuple | list) and not value):
            continue
        parts.append(condition.format(bind(params, parameter(value))))
    return parts
