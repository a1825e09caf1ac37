"""GraphQL: electronic licences (电子证照) — the holder's own, a case's, and those an applicant
could link instead of uploading a material (免提交)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from tongban.api.context import Info
from tongban.api.materials import download_url
from tongban.api.pagination import After, Before, Connection, First, Last, connection, encode_cursor
from tongban.auth.errors import NotAllowedError
from tongban.clock import local_day
from tongban.identifiers import mask_id_number
from tongban.licences import repository as repo
from tongban.licences import service
from tongban.licences.types import Licence as DomainLicence


@strawberry.enum(description="Where an electronic licence stands on the platform's clock today.")
class LicenceStatus(Enum):
    VALID = strawberry.enum_value("valid", description="In force.")
    REVOKED = strawberry.enum_value(
        "revoked", description="Revoked with the decision that issued it (撤销)."
    )
    EXPIRED = strawberry.enum_value("expired", description="Past its last valid day.")


@strawberry.type(
    description="An electronic licence (电子证照): issued by an approval, signed with the "
    "platform's Ed25519 key over the SHA-256 of its PDF; anyone can check it at "
    "/licences/verify?number=…&sha256=… or offline against /licences/signing-keys."
)
class Licence:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    number: str = strawberry.field(description="证照编号: <type code>-<case number>.")
    type_code: str = strawberry.field(description="Licence type code (the catalogue's).")
    type_name: str = strawberry.field(description="Licence type, e.g. 营业执照.")
    holder_name: str = strawberry.field(description="持证主体.")
    holder_identifier: str = strawberry.field(
        description="The holder's credit code, or ID number (masked unless you are the holder)."
    )
    issuer: str = strawberry.field(description="发证机关: the issuing department.")
    result_number: str | None = strawberry.field(description="The decision's document number.")
    issued_on: date = strawberry.field(description="发证日期.")
    valid_from: date = strawberry.field(description="First valid day.")
    valid_until: date | None = strawberry.field(description="Last valid day; null: long-term.")
    status: LicenceStatus = strawberry.field(description="Valid, revoked or expired today.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked.")
    sha256: str = strawberry.field(description="SHA-256 (hex) of the PDF: what is signed.")
    signature: str = strawberry.field(
        description="Detached Ed25519 signature (base64) over the 32 bytes of `sha256`."
    )
    key_id: str = strawberry.field(description="The signing key (see /licences/signing-keys).")
    downloadable: strawberry.Private[bool]

    @strawberry.field(
        description="A short-lived signed link that downloads the PDF without a token; null "
        "unless you hold it or work on its case."
    )
    def download_url(self, info: Info) -> str | None:
        return download_url(info, self.id, downloadable=self.downloadable, kind="licence")

    @classmethod
    def from_domain(
        cls, found: DomainLicence, *, today: date, holder: bool, downloadable: bool
    ) -> Licence:
        identifier = found.holder_identifier
        if found.holder_kind == "person" and not holder:
            identifier = mask_id_number(identifier)
        return cls(
            id=strawberry.ID(found.id),
            number=found.number,
            type_code=found.type_code,
            type_name=found.type_name,
            holder_name=found.holder_name,
            holder_identifier=identifier,
            issuer=found.issuer_name,
            result_number=found.result_number,
            issued_on=found.issued_on,
            valid_from=found.valid_from,
            valid_until=found.valid_until,
            status=LicenceStatus(found.status_on(today)),
            revoked_at=found.revoked_at,
            sha256=found.sha256,
            signature=found.signature,
            key_id=found.key_id,
            downloadable=downloadable,
        )


def today_of(info: Info) -> date:
    return local_day(info.context.clock.now(), info.context.settings.timezone)


def own_licences(info: Info, found: list[DomainLicence]) -> list[Licence]:
    today = today_of(info)
    return [Licence.from_domain(lic, today=today, holder=True, downloadable=True) for lic in found]


async def reusable_for(info: Info, licence_type: str | None) -> list[Licence]:
    """The signed-in applicant's licences valid today of the type a material accepts."""
    principal = info.context.principal
    if licence_type is None or not principal.is_applicant or not principal.applicant_id:
        return []
    applicant_id = principal.applicant_id
    today = today_of(info)
    found = await info.context.read(
        lambda conn: service.held_by(
            conn, applicant_id, on=today, type_codes=[licence_type], usable_only=True
        )
    )
    return own_licences(info, found)


async def licence_by_id(info: Info, licence_id: str) -> DomainLicence | None:
    return await info.context.loaders.licence_by_id.load(licence_id)


async def licence_of_case(info: Info, case_id: str) -> DomainLicence | None:
    return await info.context.loaders.licence.load(case_id)


_ISSUED = "licences:number"


@strawberry.type
class LicenceQuery:
    @strawberry.field(
        description="电子证照: the licences you hold (applicants), newest first, revoked and "
        "expired ones included with their status."
    )
    async def my_licences(self, info: Info) -> list[Licence]:
        principal = info.context.require_signed_in()
        if not principal.is_applicant or not principal.applicant_id:
            return []
        applicant_id = principal.applicant_id
        today = today_of(info)
        found = await info.context.read(lambda conn: service.held_by(conn, applicant_id, on=today))
        return own_licences(info, found)

    @strawberry.field(
        description="电子证照 your department issued (officers), in number order; the PDF links "
        "name you, and each download is recorded in the personal-data access audit."
    )
    async def issued_licences(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Licence]:
        principal = info.context.require_signed_in()
        department_id = principal.department_id
        if not principal.is_officer or not department_id:
            raise NotAllowedError(
                "only officers list the licences their department issued",
                problem="LICENCES_OFFICERS_ONLY",
            )
        page = info.context.page(first=first, after=after, last=last, before=before)
        window = page.window(tuple[str], _ISSUED)
        found = await info.context.read(
            lambda c: repo.licences_issued_by(c, department_id=department_id, window=window)
        )
        today = today_of(info)
        return connection(
            found,
            page,
            node=lambda lic: Licence.from_domain(lic, today=today, holder=False, downloadable=True),
            cursor=lambda lic: encode_cursor([lic.number], _ISSUED),
            counter=info.context.counter(
                lambda c: repo.count_issued_by(c, department_id=department_id)
            ),
        )
