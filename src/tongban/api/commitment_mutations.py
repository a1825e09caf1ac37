"""GraphQL mutations of 告知承诺制: approval on the commitment at once (即办) and the outcome
of the verification that follows (事中事后核查). Each is one call to the case-action runner."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from tongban.api.arguments import CaseNumber
from tongban.api.case_inputs import CasePayload, read_file
from tongban.api.case_mutations import Version, act
from tongban.api.context import Info
from tongban.cases import commitment, verification

Findings = Annotated[
    str,
    strawberry.argument(description="What the verification found (核查情况), required."),
]


@strawberry.type
class CommitmentMutation:
    @strawberry.mutation(
        description="告知承诺制, 即办: the receiving window or the handling department's head "
        "accepts and approves a case filed with a commitment in one action, without the "
        "materials the commitment replaces; a verification task opens for the handling "
        "department and the applicant is told when it is due."
    )
    async def approve_on_commitment(
        self,
        info: Info,
        number: CaseNumber,
        expected_version: Version,
        result_number: Annotated[
            str, strawberry.argument(description="Licence / certificate number, required.")
        ],
        document: Annotated[
            Upload | None,
            strawberry.argument(
                description="The signed decision document (决定书), a PDF (multipart request)."
            ),
        ] = None,
    ) -> CasePayload:
        file = None if document is None else await read_file(info, document)
        return await act(
            info, commitment.approve_on_commitment, number, expected_version, result_number, file
        )

    @strawberry.mutation(
        description="事中事后核查 passed: the commitment was true; the verification task and its "
        "clock close and the approval stands (officers of the verifying department)."
    )
    async def pass_verification(
        self, info: Info, number: CaseNumber, expected_version: Version, findings: Findings
    ) -> CasePayload:
        return await act(info, verification.pass_verification, number, expected_version, findings)

    @strawberry.mutation(
        description="事中事后核查 failed: the commitment was false. The approval is revoked with a "
        "notice naming the commitment and the findings, and a credit record (失信记录) is "
        "written for the applicant (officers of the verifying department)."
    )
    async def fail_verification(
        self, info: Info, number: CaseNumber, expected_version: Version, findings: Findings
    ) -> CasePayload:
        return await act(info, verification.fail_verification, number, expected_version, findings)
