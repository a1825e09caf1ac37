"""Electronic licences (电子证照) as the platform keeps them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

from tongban.cases.types import ApplicantKind, LicenceLink

__all__ = ["Licence", "LicenceLink", "LicenceStatus"]

StoredStatus = Literal["valid", "revoked"]
LicenceStatus = Literal["valid", "revoked", "expired"]


class Licence(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    number: str
    type_code: str
    type_name: str
    holder_applicant_id: str
    holder_kind: ApplicantKind
    holder_id_number: str | None
    holder_credit_code: str | None
    holder_name: str
    department_id: str
    issuer_name: str
    case_id: str
    result_number: str | None
    issued_on: date
    valid_from: date
    valid_until: date | None
    """None: long-term."""
    status: StoredStatus
    revoked_at: datetime | None
    revoked_reason: str | None
    blob_key: str
    sha256: str
    size: int
    signature: str
    key_id: str
    issued_at: datetime

    def status_on(self, day: date) -> LicenceStatus:
        """Revoked stays revoked; otherwise expired once the day is past ``valid_until``."""
        if self.status == "revoked":
            return "revoked"
        if self.valid_until is not None and day > self.valid_until:
            return "expired"
        return "valid"

    @property
    def holder_identifier(self) -> str:
        return self.holder_id_number or self.holder_credit_code or ""
