"""Decision (决定), delivery (送达), withdrawal (撤回), revocation (撤销) and rating (好差评)."""

from __future__ import annotations

import hashlib

import asyncpg

from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.cases import permissions, states
from tongban.cases import repository as repo
from tongban.cases.files import safe_filename, sniff_content_type
from tongban.cases.types import Case, Decision, UploadedFile
from tongban.cases.workflow import load_for_action, record, require_reason
from tongban.clock import Clock, local_day
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_TEXT_CHARS,
    ConflictError,
    InvalidInputError,
    Problem,
    ValidationError,
    check_length,
)
from tongban.review import repository as review_repo

BAD_RATINGS = (4, 5)  # GB/T 39046 A.8: 1 very satisfied … 5 very dissatisfied
# The decision document is what the applicant keeps and prints: PDF only, whatever else
# materials may be.
DECISION_DOCUMENT_TYPE = "application/pdf"


def check_decision_document(document: UploadedFile, settings: Settings) -> list[Problem]:
    """Why an uploaded decision document is refused (empty: accepted)."""
    field = "document"
    if len(document.data) > settings.max_upload_bytes:
        return [
            Problem(
                field,
                "FILE_TOO_LARGE",
                f"{document.filename} is {len(document.data)} bytes; "
                f"the limit is {settings.max_upload_bytes}",
            )
        ]
    if document.content_type != DECISION_DOCUMENT_TYPE:
        return [
            Problem(
                field,
                "CONTENT_TYPE_NOT_ALLOWED",
                f"{document.filename}: a decision document is a PDF, not {document.content_type}",
            )
        ]
    if (sniffed := sniff_content_type(document.data)) != DECISION_DOCUMENT_TYPE:
        seen = f"they look like {sniffed}" if sniffed else "they match no accepted type"
        return [
            Problem(
                field,
                "CONTENT_MISMATCH",
                f"{document.filename}: declared {document.content_type}, but {seen}",
            )
        ]
    return []


async def decide(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
    decision: Decision,
    reason: str | None,
    result_number: str | None,
    document: UploadedFile | None = None,
    blobs: BlobStore | None = None,
) -> Case:
    """The handling department's head approves (with the licence number) or denies (with reasons),
    optionally with the signed decision document."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("decide", principal, case)
    states.check("decide", case.state)
    unfinished = [
        t
        for t in await review_repo.tasks_of(conn, case_ids=[case.id])
        if t.kind == "review" and t.state in ("waiting", "open", "claimed")
    ]
    if unfinished or case.current_stage is not None:
        raise states.InvalidStateError(
            "the review is not finished: every stage must give its opinions first",
            details={"state": case.state, "openTasks": len(unfinished)},
        )
    if decision in ("approved", "approved_deferred") and not (result_number or "").strip():
        raise ValidationError(
            "an approval records its result document number", field="resultNumber"
        )
    if decision != "approved" and not (reason or "").strip():
        raise ValidationError(
            "a denial or a deferred-materials approval states its reasons", field="reason"
        )
    if document is not None:
        problems = check_decision_document(document, settings)
        if problems:
            raise InvalidInputError(problems)
        assert blobs is not None, "a decision document needs the blob store"
        key = await blobs.put(document.data)
        await repo.insert_decision_document(
            conn,
            case_id=case.id,
            file_name=safe_filename(document.filename) or f"{case.number}-决定书.pdf",
            size=len(document.data),
            content_type=DECISION_DOCUMENT_TYPE,
            sha256=hashlib.sha256(document.data).hexdigest(),
            blob_key=key,
        )
    today = local_day(clock.now(), settings.timezone)
    await deadlines.stop(
        conn, case_id=case.id, at=clock.now(), on=today, kinds=["promised", "statutory", "stage"]
    )
    if decision != "denied":
        # Art. 44: the licence is issued and delivered within 10 working days.
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind="delivery",
            start_on=today,
            limit_days=settings.delivery_days,
        )
    return await record(
        conn,
        case,
        principal,
        action="decided",
        reason=(reason or "").strip() or None,
        changes={
            "state": decision,
            "decision": decision,
            "decision_reason": (reason or "").strip() or None,
            "result_number": (result_number or "").strip() or None,
            "decided_at": clock.now(),
        },
        payload={"decision": decision, "resultNumber": result_number},
        at=clock.now(),
    )


async def deliver(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
) -> Case:
    """送达: the result (licence, certificate, decision notice) reached the applicant."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("deliver", principal, case)
    states.check("deliver", case.state)
    await deadlines.stop(
        conn,
        case_id=case.id,
        at=clock.now(),
        on=local_day(clock.now(), settings.timezone),
        kinds=["delivery"],
    )
    return await record(
        conn,
        case,
        principal,
        action="delivered",
        transition="deliver",
        changes={"delivered_at": clock.now()},
        at=clock.now(),
    )


async def withdraw(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    reason: str | None,
    settings: Settings,
    clock: Clock,
) -> Case:
    """撤回: the applicant's own choice, before a decision."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("withdraw", principal, case)
    states.check("withdraw", case.state)
    await review_repo.cancel_unfinished(conn, case_id=case.id)
    await deadlines.stop(
        conn, case_id=case.id, at=clock.now(), on=local_day(clock.now(), settings.timezone)
    )
    return await record(
        conn,
        case,
        principal,
        action="withdrawn",
        transition="withdraw",
        reason=(reason or "").strip() or None,
        changes={"terminal_reason": (reason or "").strip() or "withdrawn by the applicant"},
        at=clock.now(),
    )


async def revoke(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    reason: str | None,
    settings: Settings,
    clock: Clock,
) -> Case:
    """撤销: an administrator revokes a granted decision, with a reason."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("revoke", principal, case)
    text = require_reason(reason)
    states.check("revoke", case.state)
    await deadlines.stop(
        conn, case_id=case.id, at=clock.now(), on=local_day(clock.now(), settings.timezone)
    )
    return await record(
        conn,
        case,
        principal,
        action="revoked",
        transition="revoke",
        reason=text,
        changes={"terminal_reason": text},
        at=clock.now(),
    )


async def rate(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    rating: int,
    comment: str,
    settings: Settings,
    clock: Clock,
) -> Case:
    """好差评: once per case; a bad rating opens a follow-up task for the handling department."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("rate", principal, case)
    states.check("rate", case.state)
    if case.rating is not None:
        raise ConflictError("this case was already rated", details={"problem": "ALREADY_RATED"})
    check_length(comment, field="comment", max_chars=MAX_TEXT_CHARS)
    if not 1 <= rating <= 5:
        raise ValidationError(
            "ratings run from 1 (very satisfied) to 5 (very dissatisfied)", field="rating"
        )
    bad = rating in BAD_RATINGS
    if bad:
        task_id = await review_repo.insert_task(
            conn,
            case_id=case.id,
            kind="follow_up",
            stage_index=None,
            stage_name="差评整改回访",
            position=0,
            round=case.review_round,
            department_id=case.handling_department_id,
            open_now=True,
            at=clock.now(),
        )
        # The follow-up of a bad rating has its own limit (a setting, 5 working days).
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind="follow_up",
            start_on=local_day(clock.now(), settings.timezone),
            limit_days=settings.follow_up_days,
            task_id=task_id,
        )
    return await record(
        conn,
        case,
        principal,
        action="rated",
        transition="rate",
        reason=comment or None,
        changes={"rating": rating, "rating_comment": comment or None},
        payload={"rating": rating, "followUp": bad},
        at=clock.now(),
    )
