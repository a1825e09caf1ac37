"""GraphQL mutations of an applicant's own record."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tongban.api.cases import Applicant
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.enums import Channel
from tongban.api.errors import UserError, user_errors
from tongban.cases import applicants
from tongban.cases import types as domain
from tongban.errors import DomainError


@strawberry.input(description="How the signed-in applicant wants to be reached.")
class ContactInput:
    contact_name: str | None = strawberry.field(default=None, description="Contact person.")
    mobile: str | None = strawberry.field(default=None, description="Mobile number.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    channels: list[Channel] = strawberry.field(
        default_factory=lambda: [Channel.SMS], description="Preferred notice channels."
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
