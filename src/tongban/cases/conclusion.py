"""Decision (决定), withdrawal (撤回), revocation (撤销) and rating (好差评)."""

from __future__ import annotations

import hashlib

from tongban.cases import deferral, events, states
from tongban.cases import material_repository as material_repo
from tongban.cases.files import safe_filename
from tongban.cases.licensing import issue_licence
from tongban.cases.runner import ActionContext, case_action
from tongban.cases.types import Case, Decision, UploadedFile
from tongban.cases.validation import file_problems
from tongban.cases.verification import verify_after_review
from tongban.cases.workflow import require_reason
from tongban.deadlines import service as deadlines
from tongban.deadlines.types import DeadlineClock
from tongban.errors import (
    MAX_TEXT_CHARS,
    ConflictError,
    InvalidInputError,
    ValidationError,
    check_length,
)
from tongban.licences import service as licences
from tongban.review import repository as review_repo

BAD_RATINGS = (4, 5)  # GB/T 39046 A.8: 1 very satisfied … 5 very dissatisfied
# The decision document is what the applicant keeps and prints: PDF only, whatever else
# materials may be.
DECISION_DOCUMENT_TYPE = "application/pdf"


async def store_decision_document(ctx: ActionContext, document: UploadedFile) -> None:
    problems = file_problems(document, "document", (DECISION_DOCUMENT_TYPE,), ctx.settings)
    if problems:
        raise InvalidInputError(problems)
    key = await ctx.blobs.put(document.data)
    await material_repo.insert_decision_document(
        ctx.conn,
        case_id=ctx.case.id,
        file_name=safe_filename(document.filename) or f"{ctx.case.number}-决定书.pdf",
        size=len(document.data),
        content_type=DECISION_DOCUMENT_TYPE,
        sha256=hashlib.sha256(document.data).hexdigest(),
        blob_key=key,
    )


def approval_number(result_number: str | None) -> str:
    """The result document number an approval records, trimmed."""
    number = (result_number or "").strip()
    if not number:
        raise ValidationError(
            "an approval records its result document number",
            field="resultNumber",
            problem="RESULT_NUMBER_REQUIRED",
        )
    return number


async def start_delivery(ctx: ActionContext) -> DeadlineClock:
    """Art. 44: the licence is issued and delivered within 10 working days of the approval."""
    return await deadlines.start(
        ctx.conn,
        settings=ctx.settings,
        case_id=ctx.case.id,
        kind="delivery",
        start_on=ctx.today,
        limit_days=ctx.settings.delivery_days,
    )


@case_action("decide")
async def decide(
    ctx: ActionContext,
    decision: Decision,
    reason: str | None,
    result_number: str | None,
    document: UploadedFile | None = None,
) -> Case:
    """The handling department's head approves (with the licence number) or denies (with reasons),
    optionally with the signed decision document."""
    conn, case = ctx.conn, ctx.case
    await _check_decision(ctx, decision, reason, result_number)
    owed = await _check_owed(ctx, decision)
    if document is not None:
        await store_decision_document(ctx, document)
    today = ctx.today
    # A denial ends what the case owed too: there is no approval left to supply materials for.
    stopping = [
        "promised",
        "statutory",
        "stage",
        *(["owed_materials"] if decision == "denied" else []),
    ]
    await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=today, kinds=stopping)
    await verify_after_review(ctx, decision)
    if decision != "denied":
        await start_delivery(ctx)
    decided = await ctx.record(
        event=events.Decided(
            decision=decision,
            result_number=result_number,
            owed=owed if decision == "approved_deferred" else [],
            owed_due_on=case.owed_due_on if decision == "approved_deferred" else None,
        ),
        reason=(reason or "").strip() or None,
        changes={
            **({"owed_due_on": None} if decision == "denied" else {}),
            "state": decision,
            "decision": decision,
            "decision_reason": (reason or "").strip() or None,
            "result_number": (result_number or "").strip() or None,
            "decided_at": ctx.now,
        },
    )
    return await issue_licence(ctx, decided)


async def _check_decision(
    ctx: ActionContext, decision: Decision, reason: str | None, result_number: str | None
) -> None:
    """Every review stage gave its opinion; an approval has its document number, a denial or a
    deferred-materials approval its reasons."""
    unfinished = [
        t
        for t in await review_repo.tasks_of(ctx.conn, case_ids=[ctx.case.id])
        if t.kind == "review" and t.state in ("waiting", "open", "claimed")
    ]
    if unfinished or ctx.case.current_stage is not None:
        raise states.InvalidStateError(
            "the review is not finished: every stage must give its opinions first",
            details={"state": ctx.case.state, "openTasks": len(unfinished)},
            problem="REVIEW_NOT_FINISHED",
        )
    if decision in ("approved", "approved_deferred"):
        approval_number(result_number)
    if decision != "approved" and not (reason or "").strip():
        raise ValidationError(
            "a denial or a deferred-materials approval states its reasons",
            field="reason",
            problem="DECISION_REASON_REQUIRED",
        )


async def _check_owed(ctx: ActionContext, decision: Decision) -> list[events.OwedItem]:
    """容缺: while materials are owed an approval is one with deferred materials (state 12);
    once all arrived (or none were owed) it is a plain approval. Returns what is owed."""
    owed = await deferral.outstanding(ctx.conn, ctx.case) if ctx.case.owed_due_on else []
    if decision == "approved" and owed:
        names = [o.code for o in owed]
        raise ValidationError(
            f"materials are still owed ({', '.join(names)}): approve with deferred materials",
            field="decision",
            problem="MATERIALS_OWED",
            params={"materials": names},
        )
    if decision == "approved_deferred" and not owed:
        raise ValidationError(
            "nothing is owed: an approval with deferred materials needs owed materials",
            field="decision",
            problem="NOTHING_OWED",
        )
    return owed


@case_action("withdraw")
async def withdraw(ctx: ActionContext, reason: str | None) -> Case:
    """撤回: the applicant's own choice, before a decision."""
    await review_repo.cancel_unfinished(ctx.conn, case_id=ctx.case.id)
    await deadlines.stop(ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.today)
    return await ctx.record(
        event=events.Withdrawn(),
        transition="withdraw",
        reason=(reason or "").strip() or None,
        changes={
            "terminal_reason": (reason or "").strip() or "withdrawn by the applicant",
            "owed_due_on": None,
        },
    )


@case_action("revoke")
async def revoke(ctx: ActionContext, reason: str | None) -> Case:
    """撤销: an administrator revokes a granted decision, with a reason; the handling head may
    revoke an approval with deferred materials (容缺) once the owed materials are overdue."""
    text = require_reason(reason)
    owed_due_on = ctx.case.owed_due_on
    if not ctx.principal.has_role("admin") and owed_due_on is not None and ctx.today <= owed_due_on:
        raise states.InvalidStateError(
            f"the deferred materials are due on {owed_due_on.isoformat()}: the approval may be "
            "revoked for them only after that day",
            details={"owedDueOn": owed_due_on.isoformat()},
            params={"dueOn": owed_due_on.isoformat()},
            problem="OWED_MATERIALS_NOT_OVERDUE",
        )
    await deadlines.stop(ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.today)
    # Nothing is left to verify of a revoked approval on a commitment.
    await review_repo.cancel_unfinished(ctx.conn, case_id=ctx.case.id, kind="verification")
    revoked = await ctx.record(
        event=events.Revoked(),
        transition="revoke",
        reason=text,
        changes={"terminal_reason": text, "owed_due_on": None},
    )
    return await licences.revoke(ctx.conn, ctx.principal, revoked, reason=text, now=ctx.now)


def check_rating(rating: int, comment: str) -> None:
    check_length(comment, field="comment", max_chars=MAX_TEXT_CHARS)
    if not 1 <= rating <= 5:
        raise ValidationError(
            "ratings run from 1 (very satisfied) to 5 (very dissatisfied)",
            field="rating",
            problem="RATING_OUT_OF_RANGE",
        )


@case_action("rate")
async def rate(ctx: ActionContext, rating: int, comment: str) -> Case:
    """好差评: once per case; a bad rating opens a follow-up task for the handling department."""
    conn, case, settings = ctx.conn, ctx.case, ctx.settings
    if case.rating is not None:
        raise ConflictError("this case was already rated", problem="ALREADY_RATED")
    check_rating(rating, comment)
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
            at=ctx.now,
        )
        # The follow-up of a bad rating has its own limit (a setting, 5 working days).
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind="follow_up",
            start_on=ctx.today,
            limit_days=settings.follow_up_days,
            task_id=task_id,
        )
    return await ctx.record(
        event=events.Rated(rating=rating, follow_up=bad),
        transition="rate",
        reason=comment or None,
        changes={"rating": rating, "rating_comment": comment or None, "rated_at": ctx.now},
    )
