"""GraphQL inputs and payloads of the case mutations, and reading uploads into domain files."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from tongban.api.cases import Case
from tongban.api.commitment_types import CommitmentInput
from tongban.api.context import Info
from tongban.api.convert import as_json, raw
from tongban.api.enums import ApplicantKind, Channel
from tongban.api.errors import UserError
from tongban.cases import types as domain
from tongban.cases.files import safe_filename


@strawberry.type(description="Result of a case mutation.")
class CasePayload:
    case: Case | None = strawberry.field(description="The case after the change.")
    user_errors: list[UserError] = strawberry.field(
        description="Why it failed; empty on success. Nothing was written on failure."
    )


@strawberry.type(description="Result of submitting a case.")
class SubmitCasePayload:
    case: Case | None = strawberry.field(description="The case.")
    created: bool = strawberry.field(
        description="False when the idempotency key returned an earlier identical submission."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="Who applies (filed at a window on the applicant's behalf).")
class ApplicantInput:
    kind: ApplicantKind = strawberry.field(description="Person or organisation.")
    name: str = strawberry.field(description="Name.")
    id_number: str | None = strawberry.field(default=None, description="Resident ID number.")
    credit_code: str | None = strawberry.field(default=None, description="Credit code.")
    legal_representative: str | None = strawberry.field(default=None, description="法定代表人.")
    contact_name: str | None = strawberry.field(default=None, description="Contact person.")
    mobile: str | None = strawberry.field(default=None, description="Mobile number.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    channels: list[Channel] = strawberry.field(
        default_factory=lambda: [Channel("sms")], description="Preferred notice channels."
    )

    def to_domain(self) -> domain.ApplicantInput:
        return domain.ApplicantInput(
            kind=raw(self.kind),
            name=self.name,
            id_number=self.id_number,
            credit_code=self.credit_code,
            legal_representative=self.legal_representative,
            contact_name=self.contact_name,
            mobile=self.mobile,
            email=self.email,
            channels=tuple(raw(c) for c in self.channels),
        )


@strawberry.input(description="An uploaded file for a required material (multipart request).")
class MaterialUpload:
    material_code: str = strawberry.field(description="The required material it satisfies.")
    file: Upload = strawberry.field(description="The file.")


@strawberry.input(
    description="免提交: a required material filled by an electronic licence you hold, instead "
    "of an upload (the material must name the licence's type: `RequiredMaterial.licenceType`)."
)
class LicenceMaterialInput:
    material_code: str = strawberry.field(description="The required material it satisfies.")
    licence_number: str = strawberry.field(description="The licence's number (证照编号).")


@strawberry.input(description="A new case.")
class SubmitCaseInput:
    matter_code: str = strawberry.field(description="Matter code; its published version is pinned.")
    region_code: str = strawberry.field(description="Receiving region.")
    idempotency_key: str = strawberry.field(
        description="Client-chosen key: a retry with the same key and content returns the same case."
    )
    # Nullable with a null default: graphql-core cannot print an object default ({}) in
    # introspection, and a full introspection (GraphiQL, codegen) must never fail.
    form_data: JSON | None = strawberry.field(
        default=None, description="The application form (an object); omitted or null: empty."
    )
    materials: list[MaterialUpload] = strawberry.field(default_factory=list, description="Files.")
    applicant: ApplicantInput | None = strawberry.field(
        default=None, description="The applicant, when an intake officer files at the window."
    )
    commitment: CommitmentInput | None = strawberry.field(
        default=None,
        description="告知承诺制: the applicant's written commitment, for a matter that allows "
        "it (`commitmentAllowed`); the materials it replaces are then not required.",
    )
    licences: list[LicenceMaterialInput] = strawberry.field(
        default_factory=list,
        description="免提交: materials filled by electronic licences the applicant holds "
        "(valid, not revoked or expired; see `RequiredMaterial.reusableLicences`).",
    )

    async def to_domain(self, info: Info) -> domain.Submission:
        """The submission with its files read."""
        files = await read_files(info, self.materials)
        commitment = None
        if self.commitment is not None:
            document = self.commitment.document
            commitment = domain.Commitment(
                accepted=self.commitment.accepted,
                conditions_hash=self.commitment.conditions_hash.strip().lower(),
                document=None if document is None else await read_file(info, document),
            )
        return domain.Submission(
            matter_code=self.matter_code,
            region_code=self.region_code,
            applicant=None if self.applicant is None else self.applicant.to_domain(),
            form_data=dict(as_json(self.form_data) or {}),
            files=files,
            idempotency_key=self.idempotency_key,
            commitment=commitment,
            licences=[
                domain.LicenceLink(material_code=k.material_code, licence_number=k.licence_number)
                for k in self.licences
            ],
        )


async def read_file(
    info: Info, file: Upload, material_code: str | None = None
) -> domain.UploadedFile:
    upload: Any = file
    return domain.UploadedFile(
        material_code=material_code,
        filename=safe_filename(getattr(upload, "filename", "") or ""),
        content_type=getattr(upload, "content_type", "") or "application/octet-stream",
        # Read one byte past the limit: enough to know it is too large, never the whole file.
        data=await upload.read(info.context.settings.max_upload_bytes + 1),
    )


async def read_files(info: Info, uploads: list[MaterialUpload]) -> list[domain.UploadedFile]:
    return [await read_file(info, u.file, u.material_code) for u in uploads]
