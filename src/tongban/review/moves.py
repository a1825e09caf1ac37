"""上报 (hand-up) and 转办 (transfer): the work moves to another department.

The old department's unfinished tasks are cancelled and their stage clocks stopped; the current
stage opens again (a new round) at the receiving department. The number, the history and the
statutory and promised clocks stay: moving a case does not restart its limit."""

from __future__ import annotations

from tongban.cases.runner import ActionContext, case_action, pinned_matter
from tongban.cases.types import Case
from tongban.cases.workflow import require_reason
from tongban.catalogue.types import MatterSpec
from tongban.deadlines import service as deadlines
from tongban.errors import InvalidInputError, NotFoundError
from tongban.government import repository as gov_repo
from tongban.government.types import Department, Region
from tongban.identifiers import is_uuid
from tongban.review import events
from tongban.review import repository as repo
from tongban.review.service import open_stage


@case_action("hand_up")
async def hand_up(ctx: ActionContext, department_id: str, reason: str | None) -> Case:
    """上报: a department of a higher level takes over; number, history and clocks stay."""
    return await _move(ctx, department_id, reason, upward=True)


@case_action("transfer")
async def transfer(ctx: ActionContext, department_id: str, reason: str | None) -> Case:
    """转办: another department handles it, in another region (跨域通办 keeps the receiving
    region on record) or in the same one."""
    return await _move(ctx, department_id, reason, upward=False)


def _line(code: str) -> str:
    # Department codes are "<region>-<line>" (TH-SCJG, GZ-SCJG): the same line at another
    # place or level handles the same matters.
    return code.split("-", 1)[-1]


async def _handles(ctx: ActionContext, spec: MatterSpec, target: Department) -> bool:
    """Whether ``target`` handles the matter: named in the pinned plan, or of the same line
    as a department the plan names."""
    named = {spec.department_id, *(d for s in spec.review_plan for d in s.department_ids)}
    if target.id in named:
        return True
    departments = await gov_repo.departments_by_id(ctx.conn, ids=sorted(named))
    return _line(target.code) in {_line(d.code) for d in departments}


async def _target(ctx: ActionContext, department_id: str) -> tuple[Department, Region]:
    found = (
        await gov_repo.departments_by_id(ctx.conn, ids=[department_id])
        if is_uuid(department_id)
        else []
    )
    placements = (
        await gov_repo.department_placements(ctx.conn, ids=[department_id]) if found else {}
    )
    if not found or department_id not in placements:
        raise NotFoundError(
            f"unknown department {department_id}",
            field="departmentId",
            problem="UNKNOWN_DEPARTMENT",
        )
    return found[0], placements[department_id]


async def _check_direction(
    ctx: ActionContext, department: Department, region: Region, upward: bool
) -> None:
    case = ctx.case
    current = (await gov_repo.regions_by_code(ctx.conn, codes=[case.handling_region]))[0]
    above = region.code in current.lineage and region.code != current.code
    if upward and not above:
        raise InvalidInputError.one(
            "departmentId",
            "NOT_HIGHER_LEVEL",
            "hand a case up only to a region above the handling one",
        )
    if not upward and above:
        raise InvalidInputError.one(
            "departmentId", "HAND_UP_INSTEAD", "to a higher level, hand the case up"
        )
    if not upward and department.id == case.handling_department_id:
        raise InvalidInputError.one(
            "departmentId", "SAME_DEPARTMENT", "the department already handles the case"
        )


async def _move(ctx: ActionContext, department_id: str, reason: str | None, upward: bool) -> Case:
    conn, case = ctx.conn, ctx.case
    text = require_reason(reason)
    department, region = await _target(ctx, department_id)
    await _check_direction(ctx, department, region, upward)
    spec = (await pinned_matter(conn, case)).spec
    if not await _handles(ctx, spec, department):
        raise InvalidInputError.one(
            "departmentId",
            "DEPARTMENT_DOES_NOT_HANDLE_MATTER",
            f"{department.name} does not handle this matter",
            {"department": department.name},
        )
    unfinished = [
        t.id
        for t in await repo.tasks_of(conn, case_ids=[case.id])
        if t.kind == "review" and t.state in ("waiting", "open", "claimed")
    ]
    await repo.cancel_unfinished(conn, case_id=case.id)
    if unfinished:
        await deadlines.stop(conn, case_id=case.id, at=ctx.now, on=ctx.today, task_ids=unfinished)
    case = await ctx.record(
        event=(events.HandedUp if upward else events.Transferred)(
            to_region=region.code,
            to_department_id=department.id,
            to_department_name=department.name,
        ),
        transition="hand_up" if upward else "transfer",
        reason=text,
        changes={
            "handling_region": region.code,
            "handling_lineage": list(region.lineage),
            "handling_department_id": department.id,
            "review_round": case.review_round + 1,
        },
    )
    if case.current_stage is not None:
        # The review goes on where it was, at the receiving department.
        await open_stage(
            conn,
            case,
            spec,
            stage_index=case.current_stage,
            settings=ctx.settings,
            today=ctx.today,
            at=ctx.now,
        )
    return case
