from __future__ import annotations

from typing import Literal

import msgspec

RegionLevel = Literal["province", "city", "county", "township"]
LEVELS: tuple[RegionLevel, ...] = ("province", "city", "county", "township")


class Region(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    lineage: tuple[str, ...]
    """Codes from the province down to this region itself."""


class Department(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    code: str
    name: str
    region_code: str


class Officer(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    username: str
    name: str
    department_id: str
    roles: tuple[str, ...]
    clearance: int
    mobile: str | None
    email: str | None
    active: bool
