"""GraphQL mutations of the case lifecycle. Each carries the case version the caller saw;
expected failures come back as userErrors and write nothing. Every resolver hands its action to
the one case-action runner (``cases.runner``)."""

from __future__ import annotations

from typing import Annotated, Any, ParamSpec

import strawberry
from strawberry.file_uploads import Upload

from tongban.api.arguments import CaseNumber
from tongban.api.case_inputs import (
    CasePayload,
    MaterialUpload,
    SubmitCaseInput,
    SubmitCasePayload,
    read_file,
    read_files,
)
from tongban.api.cases import Case
from tongban.api.context import Info
from tongban.api.convert import raw
from tongban.api.deliveries import DeliveryInput
from tongban.api.enums import DecisionKind, Opinion, SpecialProcedureKind
from tongban.api.errors import user_errors
from tongban.cases import closing, conclusion, follow_up, intake, service, supplements
from tongban.cases import delivery as deliveries
from tongban.cases import repository as repo
from tongban.cases.runner import CaseAction, Env, perform
from tongban.errors import DomainError
from tongban.review import moves
from tongban.review import service as review

P = ParamSpec("P")

Version = Annotated[
    int, strawberry.argument(description="The case version you saw; a newer one is a CONFLICT.")
]
Reason = Annotated[str | None, strawberry.argument(description="Why (shown in the history).")]
TaskId = Annotated[strawberry.ID, strawberry.argument(description="The task.")]
DepartmentId = Annotated[strawberry.ID, strawberry.argument(description="Target department.")]


async def act(
    info: Info,
    action: CaseAction[P],
    number: str,
    expected_version: int,
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> CasePayload:
    principal = info.context.require_signed_in()
    env = Env(settings=info.context.settings, clock=info.context.clock, blobs=info.context.blobs)
    try:
        async with info.context.transaction() as conn:
            updated = await perform(
                conn, principal, env, action, number, expected_version, *args, **kwargs
            )
            visible = await repo.visible_cases_by_id(conn, principal=principal, ids=[updated.id])
    except DomainError as exc:
        return CasePayload(case=None, user_errors=user_errors(exc))
    await info.context.after_commit([updated.id])
    return CasePayload(case=Case.from_domain(visible[0]) if visible else None, user_errors=[])


def _plain(action: CaseAction[[]], description: str) -> Any:
    """A mutation of the case alone (number and version)."""

    async def resolver(info: Info, number: CaseNumber, expected_version: Version) -> CasePayload:
        return await act(info, action, number, expected_version)

    return strawberry.mutation(resolver=resolver, description=description)


def _with_reason(action: CaseAction[[str | None]], description: str) -> Any:
    """A mutation that states why."""

    async def resolver(
        info: Info, number: CaseNumber, expected_version: Version, reason: Reason = None
    ) -> CasePayload:
        return await act(info, action, number, expected_version, reason)

    return strawberry.mutation(resolver=resolver, description=description)


def _to_department(action: CaseAction[[str, str | None]], description: str) -> Any:
    """A mutation that moves the case to another department, stating why."""

    async def resolver(
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        department_id: DepartmentId,
        reason: Reason = None,
    ) -> CasePayload:
        return await act(info, action, number, expected_version, str(department_id), reason)

    return strawberry.mutation(resolver=resolver, description=description)


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
        submission = await input.to_domain(info)
        try:
            async with info.context.transaction() as conn:
                case, created = await service.submit_case(
                    conn,
                    principal,
                    submission,
                    settings=info.context.settings,
                    blobs=info.context.blobs,
                    clock=info.context.clock,
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

    @strawberry.mutation(
        description="受理: accept the case (intake of the receiving region). 容缺受理: name the "
        "deferrable materials still missing in `deferredMaterialCodes` and confirm the "
        "applicant's signed undertaking to bring them (`undertakingSigned`); the case then owes "
        "them by a due date (`Case.owedMaterials`)."
    )
    async def accept_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        deferred_material_codes: Annotated[
            list[str] | None,
            strawberry.argument(
                description="容缺: the missing materials accepted as owed (each deferrable)."
            ),
        ] = None,
        undertaking_signed: Annotated[
            bool,
            strawberry.argument(
                description="The applicant signed the undertaking (承诺书) to bring them."
            ),
        ] = False,
    ) -> CasePayload:
        return await act(
            info,
            intake.accept,
            number,
            expected_version,
            deferred_material_codes,
            undertaking_signed,
        )

    declare_not_applicable = _with_reason(
        intake.declare_not_applicable, "不受理: the matter needs no licence (Art. 32 (1))."
    )

    @strawberry.mutation(description="不予受理: outside our powers; name the competent agency.")
    async def refuse_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        reason: Reason = None,
        competent_agency: Annotated[
            str | None, strawberry.argument(description="The agency to apply to.")
        ] = None,
    ) -> CasePayload:
        return await act(info, intake.refuse, number, expected_version, reason, competent_agency)

    @strawberry.mutation(
        description="Ask for materials in one notice: at intake it must list every missing required "
        "material; during review it pauses the clock."
    )
    async def request_supplement(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        material_codes: Annotated[
            list[str], strawberry.argument(description="Every material needed.")
        ],
        note: Annotated[str, strawberry.argument(description="What is wrong or missing.")] = "",
    ) -> CasePayload:
        return await act(
            info, intake.request_supplement, number, expected_version, material_codes, note
        )

    @strawberry.mutation(
        description="Bring materials a supplement notice asked for — all at once or in parts; "
        "the case moves on when the last one arrives."
    )
    async def supplement_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        materials: Annotated[list[MaterialUpload], strawberry.argument(description="The files.")],
    ) -> CasePayload:
        files = await read_files(info, materials)
        return await act(info, supplements.supplement, number, expected_version, files)

    close_case = _with_reason(
        closing.close,
        "终止办理: close a case whose supplement period passed without every requested material "
        "(window at intake, handling head in review), or whose applicant did not attend the "
        "hearing (handling head; the reason is required).",
    )

    @strawberry.mutation(description="Claim an open task of your department.")
    async def claim_task(
        self, info: Info, number: CaseNumber, expected_version: Version, task_id: TaskId
    ) -> CasePayload:
        return await act(info, review.claim_task, number, expected_version, str(task_id))

    @strawberry.mutation(description="Give your department's opinion on a task.")
    async def complete_task(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        task_id: TaskId,
        opinion: Annotated[Opinion, strawberry.argument(description="The opinion.")],
        comment: Annotated[
            str, strawberry.argument(description="Reasons (required unless agreeing).")
        ] = "",
    ) -> CasePayload:
        return await act(
            info,
            review.complete_task,
            number,
            expected_version,
            str(task_id),
            raw(opinion),
            comment,
        )

    @strawberry.mutation(description="Send the case back to an earlier review stage (heads).")
    async def send_back(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        to_stage: Annotated[int, strawberry.argument(description="Stage index, from 0.")],
        reason: Reason = None,
    ) -> CasePayload:
        return await act(info, review.send_back, number, expected_version, to_stage, reason)

    hand_up = _to_department(
        moves.hand_up, "上报: hand the case up to a department of a higher level."
    )
    transfer_case = _to_department(
        moves.transfer,
        "转办: transfer the case to another department (of another region or the same one).",
    )

    @strawberry.mutation(description="Start a special procedure (Art. 45); the clock pauses.")
    async def start_special_procedure(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        kind: Annotated[SpecialProcedureKind, strawberry.argument(description="Which procedure.")],
        expected_days: Annotated[
            int, strawberry.argument(description="Expected duration in days.")
        ],
        reason: Reason = None,
    ) -> CasePayload:
        return await act(
            info,
            review.start_special_procedure,
            number,
            expected_version,
            raw(kind),
            expected_days,
            reason,
        )

    end_special_procedure = _plain(
        review.end_special_procedure, "End the special procedure; the clock resumes."
    )
    extend_deadline = _with_reason(
        review.extend, "延期: extend the limit once (10 working days, 15 if joint)."
    )

    @strawberry.mutation(
        description="Decide: approve (with the result number), approve with deferred materials, or deny."
    )
    async def decide_case(
        self,
        info: Info,
        number: CaseNumber,
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
        file = None if document is None else await read_file(info, document)
        return await act(
            info,
            conclusion.decide,
            number,
            expected_version,
            raw(decision),
            reason,
            result_number,
            file,
        )

    @strawberry.mutation(
        description="送达 (Art. 44): record how the result reached the applicant — collected at "
        "the window, posted (carrier and tracking number), or sent electronically (the applicant "
        "gets a link to the decision document). The handling department or the receiving window."
    )
    async def deliver_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        delivery: Annotated[DeliveryInput, strawberry.argument(description="How, to whom, when.")],
    ) -> CasePayload:
        proof = None if delivery.proof is None else await read_file(info, delivery.proof)
        return await act(
            info, deliveries.deliver, number, expected_version, delivery.to_domain(proof)
        )

    withdraw_case = _with_reason(
        conclusion.withdraw, "撤回: the applicant withdraws before a decision."
    )
    revoke_case = _with_reason(conclusion.revoke, "撤销: an administrator revokes a decision.")

    @strawberry.mutation(
        description="好差评: rate the service (1 very satisfied … 5 very dissatisfied)."
    )
    async def rate_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        rating: Annotated[int, strawberry.argument(description="1 … 5 (GB/T 39046 A.8).")],
        comment: Annotated[str, strawberry.argument(description="Comment.")] = "",
    ) -> CasePayload:
        return await act(info, conclusion.rate, number, expected_version, rating, comment)

    @strawberry.mutation(
        description="差评整改回访: the department handling a bad rating's follow-up records what "
        "was done; its clock stops and the applicant is told they may rate again."
    )
    async def complete_follow_up(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        actions: Annotated[
            str, strawberry.argument(description="What was done to rectify (整改情况), required.")
        ],
    ) -> CasePayload:
        return await act(info, follow_up.complete_follow_up, number, expected_version, actions)

    @strawberry.mutation(
        description="Rate once more after the follow-up of a bad rating is completed "
        "(1 very satisfied … 5 very dissatisfied); the first rating is kept."
    )
    async def rerate_case(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        rating: Annotated[int, strawberry.argument(description="1 … 5 (GB/T 39046 A.8).")],
        comment: Annotated[str, strawberry.argument(description="Comment.")] = "",
    ) -> CasePayload:
        return await act(info, follow_up.rerate, number, expected_version, rating, comment)
