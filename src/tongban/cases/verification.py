"""事中事后核查: the handling department verifies a case approved on the applicant's commitment —
at once (``commitment.approve_on_commitment``) or, where the window chose the usual review, by
``decideCase``: either way the approval rested on the commitment, not on the replaced proofs.

The verification is a task of the handling department with its own clock (the matter's period,
else ``TONGBAN_COMMITMENT_VERIFICATION_DAYS`` working days), warned on like any other clock.
Passed: the task and its clock close. Failed — the commitment was false: the approval is
revoked (state 15) with a notice naming the commitment and what was found, and a credit record
(失信记录) is written for the applicant.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from tongban.cases import credit_repository as credit_repo
from tongban.cases import events
from tongban.cases.runner import ActionContext, case_action, complete_open_task, pinned_matter
from tongban.cases.types import Case
from tongban.catalogue.types import CommitmentTerms
from tongban.clock import local_day
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.deadlines.types import DeadlineClock
from tongban.errors import MAX_TEXT_CHARS, ConflictError, ValidationError, check_length
from tongban.licences import service as licences
from tongban.review import repository as review_repo
from tongban.review.types import Task

VERIFICATION_STAGE = "事中事后核查"


def verification_days(terms: CommitmentTerms, settings: Settings) -> int:
    days = terms.verification_days
    return settings.commitment_verification_days if days is None else days


async def open_verification(ctx: ActionContext, days: int) -> tuple[str, DeadlineClock]:
    """事中事后核查: a task of the handling department, with its own clock from today."""
    case = ctx.case
    task_id = await review_repo.insert_task(
        ctx.conn,
        case_id=case.id,
        kind="verification",
        stage_index=None,
        stage_name=VERIFICATION_STAGE,
        position=0,
        round=case.review_round,
        department_id=case.handling_department_id,
        open_now=True,
        at=ctx.now,
    )
    clock = await deadlines.start(
        ctx.conn,
        settings=ctx.settings,
        case_id=case.id,
        kind="verification",
        start_on=ctx.today,
        limit_days=days,
        task_id=task_id,
    )
    return task_id, clock


async def verify_after_review(ctx: ActionContext, decision: str) -> None:
    """A committed case approved after the usual review was still approved without the proofs
    the commitment replaced: it is verified all the same."""
    if ctx.case.committed_at is None or decision == "denied":
        return
    terms = (await pinned_matter(ctx.conn, ctx.case)).spec.commitment
    if terms is not None:
        await open_verification(ctx, verification_days(terms, ctx.settings))


async def verification_tasks(
    conn: asyncpg.Connection, case: Case, *_: object, **__: object
) -> Sequence[Task]:
    return [
        t for t in await review_repo.tasks_of(conn, case_ids=[case.id]) if t.kind == "verification"
    ]


async def _close_task(ctx: ActionContext, findings: str) -> tuple[Task, str]:
    """The open verification task completed with the findings; its clock stopped."""
    text = findings.strip()
    if not text:
        raise ValidationError(
            "record what the verification found", field="findings", problem="FINDINGS_REQUIRED"
        )
    check_length(text, field="findings", max_chars=MAX_TEXT_CHARS)
    task = await complete_open_task(
        ctx,
        text,
        ConflictError(
            "this case has no open verification: it was completed, or the case was not "
            "approved on a commitment",
            problem="NO_OPEN_VERIFICATION",
        ),
    )
    return task, text


@case_action("pass_verification", tasks=verification_tasks)
async def pass_verification(ctx: ActionContext, findings: str) -> Case:
    """The commitment proved true: the verification closes, the approval stands."""
    task, text = await _close_task(ctx, findings)
    return await ctx.record(
        event=events.VerificationPassed(task_id=task.id, verified_on=ctx.today),
        transition="pass_verification",
        reason=text,
        changes={"verification_outcome": "passed", "verified_at": ctx.now},
    )


@case_action("fail_verification", tasks=verification_tasks)
async def fail_verification(ctx: ActionContext, findings: str) -> Case:
    """A false commitment: the approval is revoked and a credit record written."""
    conn, case = ctx.conn, ctx.case
    task, text = await _close_task(ctx, findings)
    # Revoking the decision ends what it started: the delivery clock stops with the rest.
    await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=ctx.today)
    record_id = await credit_repo.insert_credit_record(
        conn,
        applicant_id=case.applicant_id,
        case_id=case.id,
        findings=text,
        department_id=task.department_id,
        recorded_by=ctx.principal.officer_id,
        at=ctx.now,
        on=ctx.today,
    )
    terms = (await pinned_matter(conn, case)).spec.commitment
    assert case.committed_at is not None and terms is not None
    revoked = await ctx.record(
        event=events.CommitmentRevoked(
            task_id=task.id,
            verified_on=ctx.today,
            committed_on=local_day(case.committed_at, ctx.settings.timezone),
            conditions=terms.conditions,
            result_number=case.result_number,
            credit_record_id=record_id,
        ),
        transition="fail_verification",
        reason=text,
        changes={
            "verification_outcome": "failed",
            "verified_at": ctx.now,
            "terminal_reason": f"告知承诺不实：{text}",
        },
    )
    return await licences.revoke(
        conn, ctx.principal, revoked, reason=f"告知承诺不实：{text}", now=ctx.now
    )
