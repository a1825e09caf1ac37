"""Identifier rules (GB/T 2260 region codes)."""

from __future__ import annotations

import re

from tongban.errors import ValidationError


def validate_region_code(value: str, *, field: str = "regionCode") -> str:
    value = value.strip()
    if not re.fullmatch(r"[0-9]{6}([0-9]{3})?", value) or value.startswith("00"):
        raise ValidationError(f"{value!r} is not a GB/T 2260 region code", field=field)
    return value
