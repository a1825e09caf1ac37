"""Structs of the personal-data access audit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Channel = Literal["case_view", "worklist", "search", "subscription", "download", "export"]
CHANNELS: tuple[Channel, ...] = (
    "case_view",
    "worklist",
    "search",
    "subscription",
    "download",
    "export",
)


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """What one case showed unmasked through one channel: ``fields`` are ``id_number``,
    ``mobile``, ``email``, ``stated_mobile``, ``stated_email``, ``material:<id>`` or
    ``decision_document:<id>``."""

    case_id: str
    channel: Channel
    fields: tuple[str, ...]


class Accessor(msgspec.Struct, frozen=True, kw_only=True):
    """Who looked, from where: copied into each record as it was at that moment."""

    officer_id: str | None
    name: str
    roles: tuple[str, ...]
    department_id: str | None
    request_id: str | None
    client_address: str | None


class AccessRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    seq: int
    at: datetime
    officer_id: str | None
    officer_name: str
    officer_roles: tuple[str, ...]
    department_id: str | None
    case_id: str
    case_number: str
    applicant_id: str
    fields: tuple[str, ...]
    channel: Channel
    request_id: str | None
    client_address: str | None


class AccessFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Search of the access log; all optional, combined with AND. ``before`` is exclusive."""

    case_number: str | None = None
    officer_id: str | None = None
    department_id: str | None = None
    since: datetime | None = None
    before: datetime | None = None
