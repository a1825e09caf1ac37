"""Decision (决定), delivery (送达), withdrawal (撤回), revocation (撤销) and rating (好差评)."""

from __future__ import annotations

import asyncpg

from tongban.auth.types import Principal
from tongban.cases import permissions, states
from tongban.cases.types import Case, Decision
from tongban.cases.workflow import Clock, load_for_action, local_day, record, require_reason
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import MAX_TEXT_CHARS, ConflictError, ValidationError, check_length
from tongban.review import repository as review_repo

BAD_RATINGS = (4, 5)  # GB/T 39046 A.8: 1 very satisfied … 5 very dissatisfied


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
) -> Case:
    """The handling department's head approves (with the licence number) or denies (with reasons)."""
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
            problem="REVIEW_NOT_FINISHED",
        )
    if decision in ("approved", "approved_deferred") and not (result_number or "").strip():
        raise ValidationError(
            "an approval records its result document number",
            field="resultNumber",
            problem="RESULT_NUMBER_REQUIRED",
        )
    if decision != "approved" and not (reason or "").strip():
        raise ValidationError(
            "a denial or a deferred-materials approval states its reasons",
            field="reason",
            problem="DECISION_REASON_REQUIRED",
        )
    today = local_day(clock.now(), settings.timezone)
    await deadlines.stop(conn, case_id=case.id, on=today, kinds=["promised", "statutory", "stage"])
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
        conn, case_id=case.id, on=local_day(clock.now(), settings.timezone), kinds=["delivery"]
    )
    return await record(
        conn,
        case,
        principal,
        action="delivered",
        transition="deliver",
        changes={"delivered_at": clock.now()},
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
    await deadlines.stop(conn, case_id=case.id, on=local_day(clock.now(), settings.timezone))
    return await record(
        conn,
        case,
        principal,
        action="withdrawn",
        transition="withdraw",
        reason=(reason or "").strip() or None,
        changes={"terminal_reason": (reason or "").strip() or "withdrawn by the applicant"},
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
    await deadlines.stop(conn, case_id=case.id, on=local_day(clock.now(), settings.timezone))
    return await record(
        conn,
        case,
        principal,
        action="revoked",
        transition="revoke",
        reason=text,
        changes={"terminal_reason": text},
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
        raise ConflictError("this case was already rated", problem="ALREADY_RATED")
    check_length(comment, field="comment", max_chars=MAX_TEXT_CHARS)
    if not 1 <= rating <= 5:
        raise ValidationError(
            "ratings run from 1 (very satisfied) to 5 (very dissatisfied)",
            field="rating",
            problem="RATING_OUT_OF_RANGE",
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
    )
