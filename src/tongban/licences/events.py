"""Events of a case's electronic licence (their tag is the history's action)."""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

from tongban.events.types import Event


class LicenceIssued(Event, frozen=True, tag="licence_issued"):
    """电子证照: the approval issued the licence ``licence_number``."""

    licence_number: str
    type_code: str
    type_name: str
    valid_from: date
    valid_until: date | None
    """None: long-term."""


class LicenceRevoked(Event, frozen=True, tag="licence_revoked"):
    """Revoking the decision revoked its licence; the reason is the history's."""

    licence_number: str
    type_name: str


LicenceEvents: TypeAlias = LicenceIssued | LicenceRevoked
