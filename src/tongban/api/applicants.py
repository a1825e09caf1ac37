"""GraphQL: applicants — their (masked) record, the contact stated on a case, and the
applicant's own changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry

from tongban.api import pii
from tongban.api.commitment_types import CreditRecord, credit_records_of
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import ApplicantKind, Channel
from tongban.api.errors import UserError, user_errors
from tongban.cases import applicants
from tongban.cases import types as domain
from tongban.errors import DomainError
from tongban.identifiers import mask_email, mask_id_number, mask_phone


def shown(value: str | None, mask: Callable[[str], str], *, unmasked: bool) -> str | None:
    """Personal data as this viewer may see it: whole, or masked."""
    return value if value is None or unmasked else mask(value)


_ID_NUMBER = (
    "Resident ID number: whole if you are the applicant or work on the case (an "
    "officer's view is recorded in the personal-data access log), else masked."
)
_MOBILE = (
    "Mobile number: whole if you are the applicant or work on the case (recorded for "
    "officers), else masked."
)
_EMAIL = (
    "E-mail address: whole if you are the applicant or work on the case (recorded for "
    "officers), else masked."
)


class Shown:
    """Personal data of one case (or the applicant's own record), shown whole only to whom
    may see it — and then noted for the access audit as the field is resolved, so a record
    names exactly the fields the response carried. Subclasses declare ``unmasked`` and
    ``case_id`` (the case shown on; None for the applicant's own record)."""

    unmasked: bool
    case_id: str | None

    def _show(
        self, info: Info, field: str, value: str | None, mask: Callable[[str], str]
    ) -> str | None:
        if value is not None and self.unmasked:
            pii.note(info, self.case_id, field)
        return shown(value, mask, unmasked=self.unmasked)


@strawberry.type(
    description="A person or organisation who applies. Personal data is masked "
    "unless the viewer is the applicant or works on the case."
)
class Applicant(Shown):
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ApplicantKind = strawberry.field(description="Person or organisation.")
    name: str = strawberry.field(description="Name.")
    credit_code: str | None = strawberry.field(description="Unified social credit code.")
    legal_representative: str | None = strawberry.field(description="Legal representative.")
    channels: list[Channel] = strawberry.field(description="Preferred notice channels.")
    record: strawberry.Private[domain.Applicant]
    unmasked: strawberry.Private[bool]
    case_id: strawberry.Private[str | None]

    @strawberry.field(description=_ID_NUMBER)
    def id_number(self, info: Info) -> str | None:
        return self._show(info, "id_number", self.record.id_number, mask_id_number)

    @strawberry.field(description=_MOBILE)
    def mobile(self, info: Info) -> str | None:
        return self._show(info, "mobile", self.record.mobile, mask_phone)

    @strawberry.field(description=_EMAIL)
    def email(self, info: Info) -> str | None:
        return self._show(info, "email", self.record.email, mask_email)

    @classmethod
    def from_domain(
        cls, a: domain.Applicant, *, unmasked: bool, case_id: str | None = None
    ) -> Applicant:
        """``case_id``: the case it is shown on (None: the applicant's own record)."""
        return cls(
            id=strawberry.ID(a.id),
            kind=ApplicantKind(a.kind),
            name=a.name,
            credit_code=a.credit_code,
            legal_representative=a.legal_representative,
            channels=[Channel(c) for c in a.channels],
            record=a,
            unmasked=unmasked,
            case_id=case_id,
        )

    @strawberry.field(
        description="失信记录: false commitments found by verifications, newest first (officers, "
        "and the applicant themselves; null for anyone else)."
    )
    async def credit_records(self, info: Info) -> list[CreditRecord] | None:
        return await credit_records_of(info, str(self.id))


@strawberry.type(
    description="The applicant's name and contact as stated at the window that filed the case: "
    "this case's notices go here; the applicant's own record is unchanged. Masked like the "
    "applicant's data."
)
class StatedContact(Shown):
    name: str = strawberry.field(description="Name as stated.")
    contact_name: str | None = strawberry.field(description="Contact person as stated.")
    channels: list[Channel] = strawberry.field(description="Notice channels for this case.")
    case: strawberry.Private[domain.Case]
    unmasked: strawberry.Private[bool]
    case_id: strawberry.Private[str | None]

    @strawberry.field(description=_MOBILE)
    def mobile(self, info: Info) -> str | None:
        return self._show(info, "stated_mobile", self.case.stated_mobile, mask_phone)

    @strawberry.field(description=_EMAIL)
    def email(self, info: Info) -> str | None:
        return self._show(info, "stated_email", self.case.stated_email, mask_email)

    @classmethod
    def of(cls, c: domain.Case) -> StatedContact | None:
        if c.stated_channels is None or c.stated_name is None:
            return None
        return cls(
            name=c.stated_name,
            contact_name=c.stated_contact_name,
            channels=[Channel(x) for x in c.stated_channels],
            case=c,
            unmasked=c.viewer_involved,
            case_id=c.id,
        )


@strawberry.input(description="How the signed-in applicant wants to be reached.")
class ContactInput:
    contact_name: str | None = strawberry.field(default=None, description="Contact person.")
    mobile: str | None = strawberry.field(default=None, description="Mobile number.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    channels: list[Channel] = strawberry.field(
        default_factory=lambda: [Channel("sms")], description="Preferred notice channels."
    )

    def to_domain(self) -> domain.ContactInput:
        return domain.ContactInput(
            contact_name=self.contact_name,
            mobile=self.mobile,
            email=self.email,
            channels=tuple(raw(c) for c in self.channels),
        )


@strawberry.type(description="The applicant's record after a change, or why it failed.")
class ApplicantPayload:
    applicant: Applicant | None = strawberry.field(description="The updated record.")
    user_errors: list[UserError] = strawberry.field(description="Expected failures.")


@strawberry.type
class ApplicantMutation:
    @strawberry.mutation(
        description="Change the signed-in applicant's own contact details (audited). Details "
        "given at a window are kept on that case and never change the applicant's record."
    )
    async def update_my_contact(
        self,
        info: Info,
        input: Annotated[ContactInput, strawberry.argument(description="The new details.")],
    ) -> ApplicantPayload:
        principal = info.context.require_signed_in()
        try:
            async with info.context.transaction() as conn:
                updated = await applicants.update_my_contact(
                    conn, principal, contact=input.to_domain(), clock=info.context.clock
                )
        except DomainError as exc:
            return ApplicantPayload(applicant=None, user_errors=user_errors(exc, root="input"))
        return ApplicantPayload(
            applicant=Applicant.from_domain(updated, unmasked=True), user_errors=[]
        )
