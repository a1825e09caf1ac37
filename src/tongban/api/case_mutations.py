"""GraphQL mutations of the case lifecycle. Each carries the case version the caller saw;
expected failures come back as userErrors and write nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import asyncpg
import strawberry
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from tongban.api.cases import Case, Opinion
from tongban.api.context import Info
from tongban.api.convert import as_json, raw
from tongban.api.enums import ApplicantKind, Channel, DecisionKind
from tongban.api.errors import UserError, user_errors
from tongban.auth.types import Principal
from tongban.cases import conclusion, service
from tongban.cases import repository as repo
from tongban.cases import types as domain
from tongban.cases.files import safe_filename
from tongban.errors import DomainError
from tongban.review import service as review

Number = Annotated[str, strawberry.argument(description="Case number.")]
Version = Annotated[
    int, strawberry.argument(description="The case version you saw; a newer one is a CONFLICT.")
]
Reason = Annotated[str | None, strawberry.argument(description="Why (shown in the history).")]


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


@strawberry.enum(description="Special procedures of Art. 45, whose time is not counted.")
class SpecialProcedureKind(Enum):
    HEARING = strawberry.enum_value("hearing", description="听证.")
    TENDERING = strawberry.enum_value("tendering", description="招标.")
    AUCTION = strawberry.enum_value("auction", description="拍卖.")
    TESTING = strawberry.enum_value("testing", description="检验/检测.")
    INSPECTION = strawberry.enum_value("inspection", description="检验.")
    QUARANTINE = strawberry.enum_value("quarantine", description="检疫.")
    APPRAISAL = strawberry.enum_value("appraisal", description="鉴定.")
    EXPERT_REVIEW = strawberry.enum_value("expert_review", description="专家评审.")


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
        default_factory=lambda: [Channel.SMS], description="Preferred notice channels."
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


async def _files(info: Info, uploads: list[MaterialUpload]) -> list[domain.UploadedFile]:
    limit = info.context.settings.max_upload_bytes
    files = []
    for u in uploads:
        # Read one byte past the limit: enough to know it is too large, never the whole file.
        upload: Any = u.file
        data = await upload.read(limit + 1)
        files.append(
            domain.UploadedFile(
                material_code=u.material_code,
                filename=safe_filename(getattr(u.file, "filename", "") or ""),
                content_type=getattr(u.file, "content_type", "") or "application/octet-stream",
                data=data,
            )
        )
    return files


async def _run(
    info: Info, action: Callable[[asyncpg.Connection, Principal], Awaitable[domain.Case]]
) -> CasePayload:
    principal = info.context.require_signed_in()
    try:
        async with info.context.transaction() as conn:
            updated = await action(conn, principal)
            visible = await repo.visible_cases_by_id(conn, principal=principal, ids=[updated.id])
    except DomainError as exc:
        return CasePayload(case=None, user_errors=user_errors(exc))
    await info.context.after_commit([updated.id])
    return CasePayload(case=Case.from_domain(visible[0]) if visible else None, user_errors=[])


def _common(info: Info) -> dict[str, Any]:
    return {"settings": info.context.settings, "clock": info.context.clock}


@strawberry.type
class CaseMutation:
    @strawberry.mutation(
        description="Submit a case (applicants, or intake officers at the window)."
    )
    async def submit_case(
        self,
        info: Info,
        input: Annotated[SubmitCaseInput, strawberry.argument(description="The application.")],
    ) -> SubmitCasePayload:
        principal = info.context.require_signed_in()
        await info.context.limit_submissions()
        files = await _files(info, input.materials)
        try:
            async with info.context.transaction() as conn:
                case, created = await service.submit_case(
                    conn,
                    principal,
                    settings=info.context.settings,
                    blobs=info.context.blobs,
                    clock=info.context.clock,
                    matter_code=input.matter_code,
                    region_code=input.region_code,
                    applicant=None if input.applicant is None else input.applicant.to_domain(),
                    form_data=dict(as_json(input.form_data) or {}),
                    files=files,
                    idempotency_key=input.idempotency_key,
                )
                visible = await repo.visible_cases_by_id(conn, principal=principal, ids=[case.id])
        except DomainError as exc:
            return SubmitCasePayload(
                case=None, created=False, user_errors=user_errors(exc, root="input")
            )
        await info.context.after_commit([case.id])
        return SubmitCasePayload(
            case=Case.from_domain(visible[0]) if visible else None, created=created, user_errors=[]
        )

    @strawberry.mutation(description="受理: accept the case (intake of the receiving region).")
    async def accept_case(
        self, info: Info, number: Number, expected_version: Version
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: service.accept(
                c, p, number=number, expected_version=expected_version, **_common(info)
            ),
        )

    @strawberry.mutation(description="不受理: the matter needs no licence (Art. 32 (1)).")
    async def declare_not_applicable(
        self, info: Info, number: Number, expected_version: Version, reason: Reason = None
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: service.declare_not_applicable(
                c,
                p,
                number=number,
                expected_version=expected_version,
                reason=reason,
                clock=info.context.clock,
            ),
        )

    @strawberry.mutation(description="不予受理: outside our powers; name the competent agency.")
    async def refuse_case(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        reason: Reason = None,
        competent_agency: Annotated[
            str | None, strawberry.argument(description="The agency to apply to.")
        ] = None,
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: service.refuse(
                c,
                p,
                number=number,
                expected_version=expected_version,
                reason=reason,
                competent_agency=competent_agency,
                clock=info.context.clock,
            ),
        )

    @strawberry.mutation(
        description="Ask for materials in one notice: at intake it must list every missing required "
        "material; during review it pauses the clock."
    )
    async def request_supplement(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        material_codes: Annotated[
            list[str], strawberry.argument(description="Every material needed.")
        ],
        note: Annotated[str, strawberry.argument(description="What is wrong or missing.")] = "",
    ) -> CasePayload:
        async def act(conn: asyncpg.Connection, p: Principal) -> domain.Case:
            found = await repo.visible_cases_by_number(conn, principal=p, numbers=[number])
            if found and found[0].state == "received":
                return await service.request_intake_supplement(
                    conn,
                    p,
                    number=number,
                    expected_version=expected_version,
                    material_codes=material_codes,
                    note=note,
                    **_common(info),
                )
            return await review.request_review_supplement(
                conn,
                p,
                number=number,
                expected_version=expected_version,
                material_codes=material_codes,
                note=note,
                **_common(info),
            )

        return await _run(info, act)

    @strawberry.mutation(description="Bring the materials a supplement notice asked for.")
    async def supplement_case(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        materials: Annotated[list[MaterialUpload], strawberry.argument(description="The files.")],
    ) -> CasePayload:
        files = await _files(info, materials)
        return await _run(
            info,
            lambda c, p: service.supplement(
                c,
                p,
                number=number,
                expected_version=expected_version,
                files=files,
                blobs=info.context.blobs,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="Claim an open task of your department.")
    async def claim_task(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        task_id: Annotated[strawberry.ID, strawberry.argument(description="The task.")],
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.claim_task(
                c,
                p,
                number=number,
                expected_version=expected_version,
                task_id=str(task_id),
                clock=info.context.clock,
            ),
        )

    @strawberry.mutation(description="Give your department's opinion on a task.")
    async def complete_task(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        task_id: Annotated[strawberry.ID, strawberry.argument(description="The task.")],
        opinion: Annotated[Opinion, strawberry.argument(description="The opinion.")],
        comment: Annotated[
            str, strawberry.argument(description="Reasons (required unless agreeing).")
        ] = "",
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.complete_task(
                c,
                p,
                number=number,
                expected_version=expected_version,
                task_id=str(task_id),
                opinion=raw(opinion),
                comment=comment,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="Send the case back to an earlier review stage (heads).")
    async def send_back(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        to_stage: Annotated[int, strawberry.argument(description="Stage index, from 0.")],
        reason: Reason = None,
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.send_back(
                c,
                p,
                number=number,
                expected_version=expected_version,
                to_stage=to_stage,
                reason=reason,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="上报: hand the case up to a department of a higher level.")
    async def hand_up(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        department_id: Annotated[
            strawberry.ID, strawberry.argument(description="Target department.")
        ],
        reason: Reason = None,
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.hand_up(
                c,
                p,
                number=number,
                expected_version=expected_version,
                department_id=str(department_id),
                reason=reason,
                clock=info.context.clock,
            ),
        )

    @strawberry.mutation(description="转办: transfer the case to a department of another region.")
    async def transfer_case(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        department_id: Annotated[
            strawberry.ID, strawberry.argument(description="Target department.")
        ],
        reason: Reason = None,
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.transfer(
                c,
                p,
                number=number,
                expected_version=expected_version,
                department_id=str(department_id),
                reason=reason,
                clock=info.context.clock,
            ),
        )

    @strawberry.mutation(description="Start a special procedure (Art. 45); the clock pauses.")
    async def start_special_procedure(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        kind: Annotated[SpecialProcedureKind, strawberry.argument(description="Which procedure.")],
        expected_days: Annotated[
            int, strawberry.argument(description="Expected duration in days.")
        ],
        reason: Reason = None,
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.start_special_procedure(
                c,
                p,
                number=number,
                expected_version=expected_version,
                kind=raw(kind),
                expected_days=expected_days,
                reason=reason,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="End the special procedure; the clock resumes.")
    async def end_special_procedure(
        self, info: Info, number: Number, expected_version: Version
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.end_special_procedure(
                c, p, number=number, expected_version=expected_version, **_common(info)
            ),
        )

    @strawberry.mutation(description="延期: extend the limit once (10 working days, 15 if joint).")
    async def extend_deadline(
        self, info: Info, number: Number, expected_version: Version, reason: Reason = None
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: review.extend(
                c,
                p,
                number=number,
                expected_version=expected_version,
                reason=reason,
                **_common(info),
            ),
        )

    @strawberry.mutation(
        description="Decide: approve (with the result number), approve with deferred materials, or deny."
    )
    async def decide_case(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        decision: Annotated[DecisionKind, strawberry.argument(description="The decision.")],
        reason: Reason = None,
        result_number: Annotated[
            str | None, strawberry.argument(description="Licence / certificate number.")
        ] = None,
        document: Annotated[
            Upload | None,
            strawberry.argument(
                description="The signed decision document (决定书), a PDF (multipart request)."
            ),
        ] = None,
    ) -> CasePayload:
        upload: Any = document
        file = (
            None
            if upload is None
            else domain.UploadedFile(
                material_code=None,
                filename=safe_filename(getattr(upload, "filename", "") or ""),
                content_type=getattr(upload, "content_type", "") or "application/octet-stream",
                # One byte past the limit: enough to refuse it, never the whole file.
                data=await upload.read(info.context.settings.max_upload_bytes + 1),
            )
        )
        return await _run(
            info,
            lambda c, p: conclusion.decide(
                c,
                p,
                number=number,
                expected_version=expected_version,
                decision=raw(decision),
                reason=reason,
                result_number=result_number,
                document=file,
                blobs=info.context.blobs,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="送达: record that the result reached the applicant.")
    async def deliver_case(
        self, info: Info, number: Number, expected_version: Version
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: conclusion.deliver(
                c, p, number=number, expected_version=expected_version, **_common(info)
            ),
        )

    @strawberry.mutation(description="撤回: the applicant withdraws before a decision.")
    async def withdraw_case(
        self, info: Info, number: Number, expected_version: Version, reason: Reason = None
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: conclusion.withdraw(
                c,
                p,
                number=number,
                expected_version=expected_version,
                reason=reason,
                **_common(info),
            ),
        )

    @strawberry.mutation(description="撤销: an administrator revokes a decision.")
    async def revoke_case(
        self, info: Info, number: Number, expected_version: Version, reason: Reason = None
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: conclusion.revoke(
                c,
                p,
                number=number,
                expected_version=expected_version,
                reason=reason,
                **_common(info),
            ),
        )

    @strawberry.mutation(
        description="好差评: rate the service (1 very satisfied … 5 very dissatisfied)."
    )
    async def rate_case(
        self,
        info: Info,
        number: Number,
        expected_version: Version,
        rating: Annotated[int, strawberry.argument(description="1 … 5 (GB/T 39046 A.8).")],
        comment: Annotated[str, strawberry.argument(description="Comment.")] = "",
    ) -> CasePayload:
        return await _run(
            info,
            lambda c, p: conclusion.rate(
                c,
                p,
                number=number,
                expected_version=expected_version,
                rating=rating,
                comment=comment,
                **_common(info),
            ),
        )
