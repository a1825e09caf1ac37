"""告知承诺制 (approval on the applicant's written commitment): the commitment as filed, and the
approval on it at once (即办).

For a matter the catalogue marks, the agency tells the conditions and the applicant commits in
writing to meeting them (an explicit acceptance of the conditions they were shown, named by
their hash, and/or the signed commitment as a PDF). The proofs the commitment replaces are then
not required: the window or the handling department accepts and approves in one action, and a
verification task (事中事后核查) with its own clock opens for the handling department
(``verification``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import asyncpg

from tongban.bundles.links import results_supplied
from tongban.cases import events
from tongban.cases import material_repository as material_repo
from tongban.cases.conclusion import (
    DECISION_DOCUMENT_TYPE,
    approval_number,
    start_delivery,
    store_decision_document,
)
from tongban.cases.files import safe_filename
from tongban.cases.licensing import issue_licence
from tongban.cases.runner import ActionContext, case_action, pinned_matter
from tongban.cases.types import Case, Commitment, UploadedFile
from tongban.cases.validation import file_problems
from tongban.cases.verification import open_verification, verification_days
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_NAME_CHARS,
    ConflictError,
    InvalidInputError,
    Problem,
    check_length,
)

# The signed commitment is kept among the case's materials under this code (no matter lists it).
COMMITMENT_MATERIAL = "commitment"


def commitment_problems(
    commitment: Commitment | None, spec: MatterSpec, code: str, settings: Settings
) -> list[Problem]:
    """Why a submission's commitment is refused (none when there is no commitment)."""
    if commitment is None:
        return []
    terms = spec.commitment
    if terms is None:
        return [
            Problem(
                "commitment",
                "COMMITMENT_NOT_ALLOWED",
                f"matter {code} is not approved on a commitment: submit its materials",
                {"code": code},
            )
        ]
    problems: list[Problem] = []
    if not commitment.accepted and commitment.document is None:
        problems.append(
            Problem(
                "commitment.accepted",
                "COMMITMENT_NOT_SIGNED",
                "commit in writing: accept the conditions or upload the signed commitment",
            )
        )
    if commitment.conditions_hash != terms.conditions_hash:
        problems.append(
            Problem(
                "commitment.conditionsHash",
                "COMMITMENT_CONDITIONS_CHANGED",
                "the conditions you committed to are not the matter's current ones: read them "
                "again and commit to those",
            )
        )
    if commitment.document is not None:
        problems += file_problems(
            commitment.document, "commitment.document", (DECISION_DOCUMENT_TYPE,), settings
        )
    return problems


def commitment_columns(commitment: Commitment | None, at: datetime) -> dict[str, Any]:
    """What the case row records of a (checked) commitment."""
    if commitment is None:
        return {}
    return {"commitment_conditions_hash": commitment.conditions_hash, "committed_at": at}


def commitment_fingerprint(commitment: Commitment | None) -> Any:
    """What of the commitment a reused idempotency key must match."""
    if commitment is None:
        return None
    document = commitment.document
    return [
        commitment.accepted,
        commitment.conditions_hash,
        None if document is None else hashlib.sha256(document.data).hexdigest(),
    ]


async def store_commitment_document(
    conn: asyncpg.Connection, blobs: Any, case_id: str, commitment: Commitment | None, at: datetime
) -> None:
    document = None if commitment is None else commitment.document
    if document is None:
        return
    key = await blobs.put(document.data)
    await material_repo.insert_material(
        conn,
        case_id=case_id,
        material_code=COMMITMENT_MATERIAL,
        name=safe_filename(document.filename) or "告知承诺书.pdf",
        size=len(document.data),
        content_type=DECISION_DOCUMENT_TYPE,
        sha256=key,
        blob_key=key,
        phase="submission",
        at=at,
    )


def replaced(case: Case, spec: MatterSpec) -> set[str]:
    """Codes of the materials a committed case need not provide."""
    terms = spec.commitment
    if case.committed_at is None or terms is None:
        return set()
    return {m.code for m in spec.materials if terms.replaces_material(m.code)}


async def missing_required(conn: asyncpg.Connection, case: Case, spec: MatterSpec) -> list[str]:
    """Required materials the case lacks; what its applicant committed to is not asked for."""
    provided = await material_repo.material_codes_of(conn, case_id=case.id)
    skip = replaced(case, spec)
    if case.bundle_application_id is not None:
        # 一件事一次办: an earlier item's result (its licence) is not asked for again.
        skip = set(skip) | await results_supplied(conn, case)
    return [
        m.code
        for m in spec.materials
        if m.required and m.code not in provided and m.code not in skip
    ]


@case_action("approve_on_commitment")
async def approve_on_commitment(
    ctx: ActionContext, result_number: str, document: UploadedFile | None = None
) -> Case:
    """即办: accept and approve on the commitment in one action; the verification opens."""
    conn, case, settings, today = ctx.conn, ctx.case, ctx.settings, ctx.today
    matter = await pinned_matter(conn, case)
    terms = matter.spec.commitment
    if case.committed_at is None or terms is None:
        raise ConflictError(
            "this case was filed without a commitment: accept it and review it as usual",
            problem="NO_COMMITMENT",
        )
    number = approval_number(result_number)
    check_length(number, field="resultNumber", max_chars=MAX_NAME_CHARS)
    missing = await missing_required(conn, case, matter.spec)
    if missing:
        raise InvalidInputError.one(
            "caseNumber",
            "MISSING_MATERIALS",
            f"required materials are missing ({', '.join(missing)}); request a supplement",
            {"materials": missing},
        )
    if document is not None:
        await store_decision_document(ctx, document)
    await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=today, kinds=["one_notice"])
    delivery = await start_delivery(ctx)
    days = verification_days(terms, settings)
    task_id, clock = await open_verification(ctx, days)
    approved = await ctx.record(
        event=events.ApprovedOnCommitment(
            result_number=number,
            accepted_on=today,
            verification_task_id=task_id,
            verification_days=days,
            verification_due_on=clock.due_on,
            deadlines={
                k: None if c.due_on is None else c.due_on.isoformat()
                for k, c in (("delivery", delivery), ("verification", clock))
            },
        ),
        transition="approve_on_commitment",
        changes={
            "accepted_on": today,
            "decision": "approved",
            "result_number": number,
            "decided_at": ctx.now,
        },
    )
    return await issue_licence(ctx, approved)
