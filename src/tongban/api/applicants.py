"""GraphQL: applicants — their (masked) record, the contact stated on a case, and the
applicant's own changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import strawberry

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


@strawberry.type(
    description="A person or organisation who applies. Personal data is masked "
    "unless the viewer is the applicant or works on the case."
)
class Applicant:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: ApplicantKind = strawberry.field(description="Person or organisation.")
    name: str = strawberry.field(description="Name.")
    id_number: str | None = strawberry.field(description="Resident ID number (masked).")
    credit_code: str | None = strawberry.field(description="Unified social credit code.")
    legal_representative: str | None = strawberry.field(description="Legal representative.")
    mobile: str | None = strawberry.field(description="Mobile number (masked).")
    email: str | None = strawberry.field(description="E-mail address (masked).")
    channels: list[Channel] = strawberry.field(description="Preferred notice channels.")

    @classmethod
    def from_domain(cls, a: domain.Applicant, *, unmasked: bool) -> Applicant:
        def show(value: str | None, mask: Callable[[str], str]) -> str | None:
            return shown(value, mask, unmasked=unmasked)

        return cls(
            id=strawberry.ID(a.id),
            kind=ApplicantKind(a.kind),
            name=a.name,
            id_number=show(a.id_number, mask_id_number),
            credit_code=a.credit_code,
            legal_representative=a.legal_representative,
            mobile=show(a.mobile, mask_phone),
            email=show(a.email, mask_email),
            channels=[Channel(c) for c in a.channels],
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
class StatedContact:
    name: str = strawberry.field(description="Name as stated.")
    contact_name: str | None = strawberry.field(description="Contact person as stated.")
    mobile: str | None = strawberry.field(description="Mobile number (masked).")
    email: str | None = strawberry.field(description="E-mail address (masked).")
    channels: list[Channel] = strawberry.field(description="Notice channels for this case.")

    @classmethod
    def of(cls, c: domain.Case) -> StatedContact | None:
        if c.stated_channels is None or c.stated_name is None:
            return None
        unmasked = c.viewer_involved
        return cls(
            name=c.stated_name,
            contact_name=c.stated_contact_name,
            mobile=shown(c.stated_mobile, mask_phone, unmasked=unmasked),
            email=shown(c.stated_email, mask_email, unmasked=unmasked),
            channels=[Channel(x) for x in c.stated_channels],
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
