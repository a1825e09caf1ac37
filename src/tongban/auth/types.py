"""The principal a request acts as."""

from __future__ import annotations

from typing import Literal

import msgspec

Role = Literal["intake", "reviewer", "head", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("intake", "reviewer", "head", "supervisor", "admin")
PrincipalKind = Literal["anonymous", "applicant", "officer"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """An applicant (person or organisation), an officer, or nobody."""

    kind: PrincipalKind
    subject: str = ""
    name: str = ""
    # Officers
    officer_id: str | None = None
    department_id: str | None = None
    region_code: str | None = None
    roles: frozenset[str] = frozenset()
    clearance: int = 0
    # When the token stops being valid (Unix time): a subscription ends then.
    expires_at: float | None = None
    # Applicants. ``applicant_id`` is ours; a token from the identity provider carries the
    # verified identity instead, and the API resolves it to the applicant's record.
    applicant_id: str | None = None
    applicant_type: Literal["person", "organisation"] | None = None
    id_number: str | None = None
    credit_code: str | None = None
    legal_representative: str | None = None
    mobile: str | None = None
    email: str | None = None

    @property
    def is_officer(self) -> bool:
        return self.kind == "officer"

    @property
    def is_applicant(self) -> bool:
        return self.kind == "applicant"

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_province_admin(self) -> bool:
        """An administrator of a province-level region (xx0000): the only one who may change
        what holds platform-wide — the working-day calendar, the notification templates."""
        code = self.region_code or ""
        return self.is_officer and self.has_role("admin") and len(code) == 6 and code[2:] == "0000"


ANONYMOUS = Principal(kind="anonymous")


class VerifiedApplicant(msgspec.Struct, frozen=True, kw_only=True):
    """Who an identity-provider token says the applicant is (verified by the provider)."""

    kind: Literal["person", "organisation"]
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    legal_representative: str | None = None
    mobile: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> VerifiedApplicant:
        assert principal.applicant_type is not None
        return cls(
            kind=principal.applicant_type,
            name=principal.name,
            id_number=principal.id_number,
            credit_code=principal.credit_code,
            legal_representative=principal.legal_representative,
            mobile=principal.mobile,
            email=principal.email,
        )
