"""Review use cases: tasks per stage of the pinned plan, opinions, send-back, hand-up and
transfer across levels, special procedures (Art. 45), supplements during review, extension."""

from __future__ import annotations

from datetime import date

import asyncpg

from tongban.auth.types import Principal
from tongban.cases import permissions, states
from tongban.cases.types import Case, Opinion, SpecialProcedureKind
from tongban.cases.workflow import (
    Clock,
    checked_material_list,
    file_supplement_notice,
    load_for_action,
    local_day,
    record,
    require_reason,
)
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import (
    MAX_TEXT_CHARS,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    Problem,
    ValidationError,
    check_length,
)
from tongban.government import repository as gov_repo
from tongban.identifiers import is_uuid
from tongban.review import repository as repo

EXTENSION_DAYS = 10  # Art. 42
JOINT_EXTENSION_DAYS = 15  # Art. 26 joint handling: 45 + 15


async def _spec(conn: asyncpg.Connection, case: Case) -> MatterSpec:
    versions = await catalogue_repo.versions_of(
        conn, matter_ids=[case.matter_id], published_only=True
    )
    return next(v.spec for v in versions if v.version == case.matter_version)


async def open_stage(
    conn: asyncpg.Connection,
    case: Case,
    spec: MatterSpec,
    *,
    stage_index: int,
    settings: Settings,
    today: date,
) -> None:
    """Create the stage's tasks: all open when parallel, one after another when sequential."""
    stage = spec.review_plan[stage_index]
    for position, department_id in enumerate(stage.department_ids):
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


async def claim_task(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    task_id: str,
) -> Case:
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    task = await repo.task_by_id(conn, task_id=task_id)
    if task is None or task.case_id != case.id:
        raise NotFoundError("no such task on this case", field="taskId", problem="TASK_NOT_FOUND")
    permissions.require("claim_task", principal, case, [task])
    states.check("claim_task", case.state)
    if task.state != "open":
        raise ConflictError(
            f"the task is {task.state}, not open",
            field="taskId",
            problem="TASK_NOT_OPEN",
            params={"state": task.state},
        )
    await repo.update_task(
        conn, task_id=task.id, changes={"state": "claimed", "claimed_by": principal.officer_id}
    )
    return await record(
        conn,
        case,
        principal,
        action="task_claimed",
        transition="claim_task",
        payload={"taskId": task.id, "stage": task.stage_name},
    )


async def complete_task(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    task_id: str,
    opinion: Opinion,
    comment: str,
    settings: Settings,
    clock: Clock,
) -> Case:
    """Give the department's opinion; the stage's join policy decides when it is done."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    task = await repo.task_by_id(conn, task_id=task_id)
    if task is None or task.case_id != case.id:
        raise NotFoundError("no such task on this case", field="taskId", problem="TASK_NOT_FOUND")
    permissions.require("complete_task", principal, case, [task])
    states.check("complete_task", case.state)
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
    await repo.update_task(
        conn,
        task_id=task.id,
        changes={
            "state": "completed",
            "opinion": opinion,
            "comment": comment,
            "completed_by": principal.officer_id,
            "completed_at": clock.now(),
        },
    )
    today = local_day(clock.now(), settings.timezone)
    await deadlines.stop(conn, case_id=case.id, on=today, task_ids=[task.id])
    spec = await _spec(conn, case)
    changes: dict[str, object] = {}
    stage_done = False
    if task.kind == "review" and task.stage_index is not None:
        stage = spec.review_plan[task.stage_index]
        tasks = [
            t
            for t in await repo.tasks_of(conn, case_ids=[case.id])
            if t.stage_index == task.stage_index and t.round == task.round and t.kind == "review"
        ]
        if stage.mode == "sequential" and stage.join == "all":
            opened = await repo.open_next_waiting(
                conn, case_id=case.id, stage_index=task.stage_index, round=task.round
            )
            stage_done = opened is None
            if opened is not None:
                await _start_stage_clock(conn, case, stage.limit_days, opened, settings, today)
        elif stage.join == "any":
            stage_done = True
            await repo.cancel_unfinished(conn, case_id=case.id)
            await deadlines.stop(conn, case_id=case.id, on=today, kinds=["stage"])
        else:
            stage_done = all(t.state == "completed" for t in tasks)
        if stage_done:
            next_index = task.stage_index + 1
            changes["current_stage"] = next_index if next_index < len(spec.review_plan) else None
    case = await record(
        conn,
        case,
        principal,
        action="opinion_given",
        transition="complete_task",
        reason=comment or None,
        changes=changes,
        payload={
            "taskId": task.id,
            "stage": task.stage_name,
            "departmentId": task.department_id,
            "opinion": opinion,
            "stageDone": stage_done,
        },
    )
    if stage_done and case.current_stage is not None:
        await open_stage(
            conn, case, spec, stage_index=case.current_stage, settings=settings, today=today
        )
    return case


async def send_back(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    to_stage: int,
    reason: str | None,
    settings: Settings,
    clock: Clock,
) -> Case:
    """A head returns the case to an earlier stage: its departments review again."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("send_back", principal, case)
    states.check("send_back", case.state)
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
    today = local_day(clock.now(), settings.timezone)
    await repo.cancel_unfinished(conn, case_id=case.id)
    await deadlines.stop(conn, case_id=case.id, on=today, kinds=["stage"])
    case = await record(
        conn,
        case,
        principal,
        action="sent_back",
        transition="send_back",
        reason=text,
        changes={"current_stage": to_stage, "review_round": case.review_round + 1},
        payload={"toStage": to_stage, "stageName": spec.review_plan[to_stage].name},
    )
    await open_stage(conn, case, spec, stage_index=to_stage, settings=settings, today=today)
    return case


async def _move(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    department_id: str,
    reason: str | None,
    upward: bool,
) -> Case:
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    action = "hand_up" if upward else "transfer"
    permissions.require(action, principal, case)
    states.check(action, case.state)
    text = require_reason(reason)
    placements = (
        await gov_repo.department_placements(conn, ids=[department_id])
        if is_uuid(department_id)
        else {}
    )
    target = placements.get(department_id)
    if target is None:
        raise NotFoundError(
            f"unknown department {department_id}",
            field="departmentId",
            problem="UNKNOWN_DEPARTMENT",
        )
    current = (await gov_repo.regions_by_code(conn, codes=[case.handling_region]))[0]
    if upward and not (target.code in current.lineage and target.code != current.code):
        raise InvalidInputError(
            [
                Problem(
                    "departmentId",
                    "NOT_HIGHER_LEVEL",
                    "hand a case up only to a region above the handling one",
                )
            ]
        )
    if not upward and (target.code in current.lineage or target.code == current.code):
        raise InvalidInputError(
            [
                Problem(
                    "departmentId",
                    "NOT_ANOTHER_REGION",
                    "transfer to another region (hand up to go higher)",
                )
            ]
        )
    return await record(
        conn,
        case,
        principal,
        action="handed_up" if upward else "transferred",
        transition=action,
        reason=text,
        changes={
            "handling_region": target.code,
            "handling_lineage": list(target.lineage),
            "handling_department_id": department_id,
        },
        payload={"toRegion": target.code, "toDepartmentId": department_id},
    )


async def hand_up(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    department_id: str,
    reason: str | None,
) -> Case:
    """上报: a higher level takes over; number and history stay."""
    return await _move(
        conn,
        principal,
        number=number,
        expected_version=expected_version,
        department_id=department_id,
        reason=reason,
        upward=True,
    )


async def transfer(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    department_id: str,
    reason: str | None,
) -> Case:
    """转办: another region handles it (跨域通办 keeps the receiving region on record)."""
    return await _move(
        conn,
        principal,
        number=number,
        expected_version=expected_version,
        department_id=department_id,
        reason=reason,
        upward=False,
    )


async def start_special_procedure(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
    kind: SpecialProcedureKind,
    expected_days: int,
    reason: str | None,
) -> Case:
    """Art. 45: hearings, testing, appraisal … pause the clock; the applicant is told how long."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("start_special_procedure", principal, case)
    states.check("start_special_procedure", case.state)
    if not 0 < expected_days <= 365:
        raise ValidationError(
            "expected duration is 1–365 days", field="expectedDays", problem="DURATION_OUT_OF_RANGE"
        )
    text = require_reason(reason)
    today = local_day(clock.now(), settings.timezone)
    await repo.insert_special_procedure(
        conn,
        case_id=case.id,
        kind=kind,
        expected_days=expected_days,
        reason=text,
        officer_id=principal.officer_id or "",
        on=today,
    )
    await deadlines.pause(conn, case_id=case.id, on=today)
    return await record(
        conn,
        case,
        principal,
        action="special_procedure_started",
        transition="start_special_procedure",
        reason=text,
        payload={"kind": kind, "expectedDays": expected_days, "startedOn": today.isoformat()},
    )


async def end_special_procedure(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
) -> Case:
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("end_special_procedure", principal, case)
    states.check("end_special_procedure", case.state)
    today = local_day(clock.now(), settings.timezone)
    ended = await repo.end_special_procedure(conn, case_id=case.id, on=today)
    assert ended is not None
    await deadlines.resume(conn, settings=settings, case_id=case.id, on=today)
    return await record(
        conn,
        case,
        principal,
        action="special_procedure_ended",
        transition="end_special_procedure",
        payload={
            "kind": ended[0],
            "endedOn": today.isoformat(),
            # The pause moved the due dates: the history says where to.
            "deadlines": await deadlines.summary(conn, case_id=case.id),
        },
    )


async def request_review_supplement(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    settings: Settings,
    clock: Clock,
    number: str,
    expected_version: int,
    material_codes: list[str],
    note: str,
) -> Case:
    """A supplement after acceptance pauses the clock (and is flagged to supervisors)."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    tasks = await repo.tasks_of(conn, case_ids=[case.id])
    permissions.require("request_review_supplement", principal, case, tasks)
    states.check("request_review_supplement", case.state)
    spec = await _spec(conn, case)
    codes = checked_material_list(material_codes, spec)
    today = local_day(clock.now(), settings.timezone)
    await deadlines.pause(conn, case_id=case.id, on=today)
    return await file_supplement_notice(
        conn,
        case,
        principal,
        spec=spec,
        codes=codes,
        note=note,
        today=today,
        phase="review",
    )


async def extend(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
    reason: str | None,
    settings: Settings,
    clock: Clock,
) -> Case:
    """延期 (Art. 42): once, by the head, with a reason told to the applicant."""
    case = await load_for_action(conn, principal, number=number, expected_version=expected_version)
    permissions.require("extend", principal, case)
    states.check("extend", case.state)
    if case.extension_days is not None:
        raise ConflictError(
            "the limit was already extended once (Art. 42 allows one extension)",
            problem="ALREADY_EXTENDED",
        )
    spec = await _spec(conn, case)
    days = JOINT_EXTENSION_DAYS if spec.joint_handling else EXTENSION_DAYS
    text = require_reason(reason)
    await deadlines.extend(conn, settings=settings, case_id=case.id, days=days)
    return await record(
        conn,
        case,
        principal,
        action="extended",
        transition="extend",
        reason=text,
        changes={"extension_days": days, "extension_reason": text},
        payload={"days": days, "deadlines": await deadlines.summary(conn, case_id=case.id)},
    )
