"""Conversions between strawberry values and domain values."""

from __future__ import annotations

from enum import Enum
from typing import Any


def raw(member: Enum) -> Any:
    """The domain value behind a GraphQL enum member (typed loosely: strawberry's
    ``enum_value`` descriptions hide the real value type from mypy)."""
    return member.value


def raw_or_none(member: Enum | None) -> Any:
    return None if member is None else member.value


def as_json(value: Any) -> Any:
    """A plain value for a strawberry ``JSON`` field (typed loosely for the same reason)."""
    return value
