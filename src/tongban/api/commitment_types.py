"""GraphQL types of 告知承诺制: the commitment on a case, its input, and credit records."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload

from tongban.api.context import Info
from tongban.cases import types as domain


@strawberry.enum(description="What the verification of a commitment (事中事后核查) found.")
class VerificationOutcome(Enum):
    PASSED = strawberry.enum_value("passed", description="The commitment was true.")
    FAILED = strawberry.enum_value(
        "failed", description="The commitment was false: the approval was revoked."
    )


@strawberry.type(description="The applicant's written commitment on a case (告知承诺书).")
class CaseCommitment:
    conditions_hash: str = strawberry.field(
        description="Hash of the conditions the applicant committed to (the matter version's)."
    )
    committed_at: datetime = strawberry.field(description="When the applicant committed.")
    verification_outcome: VerificationOutcome | None = strawberry.field(
        description="What the verification found; null while it is open or before approval."
    )
    verified_at: datetime | None = strawberry.field(description="When it was verified.")

    @classmethod
    def of(cls, c: domain.Case) -> CaseCommitment | None:
        if c.commitment_conditions_hash is None or c.committed_at is None:
            return None
        outcome = c.verification_outcome
        return cls(
            conditions_hash=c.commitment_conditions_hash,
            committed_at=c.committed_at,
            verification_outcome=None if outcome is None else VerificationOutcome(outcome),
            verified_at=c.verified_at,
        )


@strawberry.enum(description="Why a credit record (失信记录) was written.")
class CreditRecordKind(Enum):
    FALSE_COMMITMENT = strawberry.enum_value(
        "false_commitment", description="告知承诺不实: a verification found a commitment false."
    )


@strawberry.type(description="失信记录: a false commitment found by a verification.")
class CreditRecord:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: CreditRecordKind = strawberry.field(description="Why it was written.")
    case_number: str = strawberry.field(description="The case whose commitment was false.")
    findings: str = strawberry.field(description="What the verification found.")
    department_id: strawberry.ID = strawberry.field(description="The verifying department.")
    recorded_at: datetime = strawberry.field(description="When it was written.")
    recorded_on: date = strawberry.field(description="The day it was written (local).")

    @classmethod
    def from_domain(cls, r: domain.CreditRecord) -> CreditRecord:
        return cls(
            id=strawberry.ID(r.id),
            kind=CreditRecordKind(r.kind),
            case_number=r.case_number,
            findings=r.findings,
            department_id=strawberry.ID(r.department_id),
            recorded_at=r.recorded_at,
            recorded_on=r.recorded_on,
        )


async def credit_records_of(info: Info, applicant_id: str) -> list[CreditRecord] | None:
    """Officers see an applicant's credit records (on a case they may see), the applicant their
    own; anyone else gets null."""
    principal = info.context.principal
    own = principal.is_applicant and principal.applicant_id == applicant_id
    if not (principal.is_officer or own):
        return None
    found = await info.context.loaders.credit_records.load(applicant_id)
    return [CreditRecord.from_domain(r) for r in found]


@strawberry.input(
    description="告知承诺书: the applicant's written commitment to the matter's conditions, "
    "instead of the materials it replaces. Accept the conditions explicitly, upload the signed "
    "commitment (PDF, multipart), or both."
)
class CommitmentInput:
    accepted: bool = strawberry.field(
        description="The applicant read the conditions and commits to meeting them."
    )
    conditions_hash: str = strawberry.field(
        description="`Matter.current.commitment.conditionsHash` of the conditions shown."
    )
    document: Upload | None = strawberry.field(
        default=None, description="The signed commitment, a PDF (multipart request)."
    )
