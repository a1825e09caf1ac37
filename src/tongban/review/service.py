"""Review use cases: tasks per stage of the pinned plan, opinions, send-back, special procedures
(Art. 45), supplements during review, extension. Hand-up and transfer are in ``moves``."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from tongban.auth.types import Principal
from tongban.cases.runner import ActionContext, case_action, pinned_matter
from tongban.cases.types import Case
from tongban.cases.workflow import checked_material_list, file_supplement_notice, require_reason
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_TEXT_CHARS,
    ConflictError,
    NotFoundError,
    ValidationError,
    check_length,
)
from tongban.review import events
from tongban.review import repository as repo
from tongban.review.placement import stage_departments
from tongban.review.types import Opinion, SpecialProcedureKind, Task

EXTENSION_DAYS = 10  # Art. 42
JOINT_EXTENSION_DAYS = 15  # Art. 26 joint handling: 45 + 15


async def _spec(conn: asyncpg.Connection, case: Case) -> MatterSpec:
    return (await pinned_matter(conn, case)).spec


async def _the_task(
    conn: asyncpg.Connection, case: Case, task_id: str, *_: object, **__: object
) -> list[Task]:
    """The task acted on; its department is who may act."""
    task = await repo.task_by_id(conn, task_id=task_id)
    if task is None or task.case_id != case.id:
        raise NotFoundError("no such task on this case", field="taskId", problem="TASK_NOT_FOUND")
    return [task]


async def _all_tasks(conn: asyncpg.Connection, case: Case, *_: object, **__: object) -> list[Task]:
    return await repo.tasks_of(conn, case_ids=[case.id])


async def open_stage(
    conn: asyncpg.Connection,
    case: Case,
    spec: MatterSpec,
    *,
    stage_index: int,
    settings: Settings,
    today: date,
    at: datetime,
) -> None:
    """Create the stage's tasks: all open when parallel, one after another when sequential."""
    stage = spec.review_plan[stage_index]
    departments = await stage_departments(conn, case, spec, stage)
    for position, department_id in enumerate(departments):
        open_now = stage.mode == "parallel" or position == 0
        task_id = await repo.insert_task(
            conn,
            case_id=case.id,
            kind="review",
            stage_index=stage_index,
            stage_name=stage.name,
            position=position,
            round=case.review_round,
            department_id=department_id,
            open_now=open_now,
            at=at,
        )
        if open_now:
            await _start_stage_clock(conn, case, stage.limit_days, task_id, settings, today)


async def _start_stage_clock(
    conn: asyncpg.Connection,
    case: Case,
    limit_days: int | None,
    task_id: str,
    settings: Settings,
    today: date,
) -> None:
    if limit_days is not None:
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind="stage",
            start_on=today,
            limit_days=limit_days,
            task_id=task_id,
        )


@case_action("claim_task", tasks=_the_task)
async def claim_task(ctx: ActionContext, task_id: str) -> Case:
    task = ctx.tasks[0]
    if task.state != "open":
        raise ConflictError(
            f"the task is {task.state}, not open",
            field="taskId",
            problem="TASK_NOT_OPEN",
            params={"state": task.state},
        )
    await repo.update_task(
        ctx.conn,
        task_id=task.id,
        changes={"state": "claimed", "claimed_by": ctx.principal.officer_id},
    )
    return await ctx.record(
        event=events.TaskClaimed(task_id=task.id, stage=task.stage_name),
        transition="claim_task",
    )


def _check_opinion(task: Task, principal: Principal, opinion: Opinion, comment: str) -> None:
    """Only an open task, or one this officer claimed, takes an opinion; anything short of
    agreement says why."""
    if task.state not in ("open", "claimed"):
        raise ConflictError(
            f"the task is {task.state}",
            field="taskId",
            problem="TASK_NOT_OPEN",
            params={"state": task.state},
        )
    if task.state == "claimed" and task.claimed_by != principal.officer_id:
        raise ConflictError(
            "another officer has claimed this task", field="taskId", problem="TASK_CLAIMED_BY_OTHER"
        )
    check_length(comment, field="comment", max_chars=MAX_TEXT_CHARS)
    if opinion != "agree" and not comment.strip():
        raise ValidationError(
            "explain a conditional or negative opinion",
            field="comment",
            problem="OPINION_NEEDS_COMMENT",
        )


@case_action("complete_task", tasks=_the_task)
async def complete_task(ctx: ActionContext, task_id: str, opinion: Opinion, comment: str) -> Case:
    """Give the department's opinion; the stage's join policy decides when it is done."""
    conn, principal, case, today = ctx.conn, ctx.principal, ctx.case, ctx.today
    task = ctx.tasks[0]
    _check_opinion(task, principal, opinion, comment)
    await repo.update_task(
        conn,
        task_id=task.id,
        changes={
            "state": "completed",
            "opinion": opinion,
            "comment": comment,
            "completed_by": principal.officer_id,
            "completed_at": ctx.now,
        },
    )
    await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=today, task_ids=[task.id])
    spec = await _spec(conn, case)
    changes: dict[str, object] = {}
    stage_done = task.stage_index is not None and await _stage_done(ctx, task, spec)
    if stage_done and task.stage_index is not None:
        next_index = task.stage_index + 1
        changes["current_stage"] = next_index if next_index < len(spec.review_plan) else None
    case = await ctx.record(
        event=events.OpinionGiven(
            task_id=task.id,
            stage=task.stage_name,
            department_id=task.department_id,
            opinion=opinion,
            stage_done=stage_done,
        ),
        transition="complete_task",
        reason=comment or None,
        changes=changes,
    )
    if stage_done and case.current_stage is not None:
        await open_stage(
            conn,
            case,
            spec,
            stage_index=case.current_stage,
            settings=ctx.settings,
            today=today,
            at=ctx.now,
        )
    return case


async def _stage_done(ctx: ActionContext, task: Task, spec: MatterSpec) -> bool:
    """Whether the opinion on ``task`` finishes its stage, by the stage's join policy; the
    next department of a sequential stage gets its turn."""
    if task.kind != "review" or task.stage_index is None:
        return False
    conn, case = ctx.conn, ctx.case
    stage = spec.review_plan[task.stage_index]
    tasks = [
        t
        for t in await repo.tasks_of(conn, case_ids=[case.id])
        if t.stage_index == task.stage_index and t.round == task.round and t.kind == "review"
    ]
    if stage.mode == "sequential" and stage.join == "all":
        opened = await repo.open_next_waiting(
            conn, case_id=case.id, stage_index=task.stage_index, round=task.round, at=ctx.now
        )
        if opened is not None:
            await _start_stage_clock(conn, case, stage.limit_days, opened, ctx.settings, ctx.today)
        return opened is None
    if stage.join == "any":
        await repo.cancel_unfinished(conn, case_id=case.id)
        await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=ctx.today, kinds=["stage"])
        return True
    return all(t.state == "completed" for t in tasks)


@case_action("send_back")
async def send_back(ctx: ActionContext, to_stage: int, reason: str | None) -> Case:
    """A head returns the case to an earlier stage: its departments review again."""
    conn, case, settings, today = ctx.conn, ctx.case, ctx.settings, ctx.today
    spec = await _spec(conn, case)
    furthest = len(spec.review_plan) - 1 if case.current_stage is None else case.current_stage
    if not 0 <= to_stage <= furthest:
        raise ValidationError(
            f"send back to a stage between 1 and {furthest + 1}",
            field="toStage",
            problem="STAGE_OUT_OF_RANGE",
            params={"max": furthest + 1},
        )
    text = require_reason(reason)
    await repo.cancel_unfinished(conn, case_id=case.id)
    await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=today, kinds=["stage"])
    case = await ctx.record(
        event=events.SentBack(to_stage=to_stage, stage_name=spec.review_plan[to_stage].name),
        transition="send_back",
        reason=text,
        changes={"current_stage": to_stage, "review_round": case.review_round + 1},
    )
    await open_stage(
        conn, case, spec, stage_index=to_stage, settings=settings, today=today, at=ctx.now
    )
    return case


@case_action("start_special_procedure")
async def start_special_procedure(
    ctx: ActionContext, kind: SpecialProcedureKind, expected_days: int, reason: str | None
) -> Case:
    """Art. 45: hearings, testing, appraisal … pause the clock; the applicant is told how long."""
    conn, case, today = ctx.conn, ctx.case, ctx.today
    if not 0 < expected_days <= 365:
        raise ValidationError(
            "expected duration is 1–365 days", field="expectedDays", problem="DURATION_OUT_OF_RANGE"
        )
    text = require_reason(reason)
    await repo.insert_special_procedure(
        conn,
        case_id=case.id,
        kind=kind,
        expected_days=expected_days,
        reason=text,
        officer_id=ctx.principal.officer_id or "",
        on=today,
        at=ctx.now,
    )
    await deadlines.pause(conn, case_id=case.id, on=today)
    return await ctx.record(
        event=events.SpecialProcedureStarted(
            kind=kind, expected_days=expected_days, started_on=today
        ),
        transition="start_special_procedure",
        reason=text,
        changes={"special_procedure_kind": kind},
    )


@case_action("end_special_procedure")
async def end_special_procedure(ctx: ActionContext) -> Case:
    conn, case, today = ctx.conn, ctx.case, ctx.today
    ended = await repo.end_special_procedure(conn, case_id=case.id, on=today, at=ctx.now)
    assert ended is not None
    await deadlines.resume(conn, settings=ctx.settings, case_id=case.id, on=today)
    return await ctx.record(
        event=events.SpecialProcedureEnded(
            kind=ended[0],
            ended_on=today,
            # The pause moved the due dates: the history says where to.
            deadlines=await deadlines.summary(conn, case_id=case.id),
        ),
        transition="end_special_procedure",
        changes={"special_procedure_kind": None},
    )


@case_action("request_review_supplement", tasks=_all_tasks)
async def request_review_supplement(
    ctx: ActionContext, material_codes: list[str], note: str
) -> Case:
    """A supplement after acceptance pauses the clock (and is flagged to supervisors)."""
    spec = await _spec(ctx.conn, ctx.case)
    codes = checked_material_list(material_codes, spec)
    await deadlines.pause(ctx.conn, case_id=ctx.case.id, on=ctx.today)
    return await file_supplement_notice(
        ctx.conn,
        ctx.case,
        ctx.principal,
        spec=spec,
        settings=ctx.settings,
        codes=codes,
        note=note,
        today=ctx.today,
        phase="review",
        at=ctx.now,
    )


@case_action("extend")
async def extend(ctx: ActionContext, reason: str | None) -> Case:
    """延期 (Art. 42): once, by the head, with a reason told to the applicant."""
    conn, case = ctx.conn, ctx.case
    if case.extension_days is not None:
        raise ConflictError(
            "the limit was already extended once (Art. 42 allows one extension)",
            problem="ALREADY_EXTENDED",
        )
    spec = await _spec(conn, case)
    days = JOINT_EXTENSION_DAYS if spec.joint_handling else EXTENSION_DAYS
    text = require_reason(reason)
    await deadlines.extend(conn, settings=ctx.settings, case_id=case.id, days=days)
    return await ctx.record(
        event=events.Extended(days=days, deadlines=await deadlines.summary(conn, case_id=case.id)),
        transition="extend",
        reason=text,
        changes={"extension_days": days, "extension_reason": text},
    )
