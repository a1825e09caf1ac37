"""终止办理: closing a case the applicant did not carry on.

- The supplement did not come: once the period of the open supplement notice (补正期限) has
  passed without every requested material, the application is treated as terminated and the
  applicant told so (at intake by the receiving window, in review by the handling head).
- The applicant did not attend the hearing held on their application (听证): the head of the
  handling department closes the case, stating what happened.

Either way every clock stops, unfinished tasks are cancelled, and the applicant gets a notice
of its own — not the refusal's, which would tell them to apply elsewhere.
"""

from __future__ import annotations

from datetime import timedelta

from tongban.cases import events
from tongban.cases import supplement_repository as supplement_repo
from tongban.cases.runner import ActionContext, CaseAction, case_action, pinned_matter, routed
from tongban.cases.types import Case
from tongban.cases.workflow import require_reason
from tongban.deadlines import service as deadlines
from tongban.errors import ConflictError
from tongban.review import repository as review_repo


async def _stop_everything(ctx: ActionContext) -> None:
    await review_repo.cancel_unfinished(ctx.conn, case_id=ctx.case.id)
    await deadlines.stop(ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.today)


@case_action("close_no_supplement")
async def close_no_supplement(ctx: ActionContext, reason: str | None) -> Case:
    """The supplement period passed without all the materials (补正不来办结)."""
    notice = await supplement_repo.open_notice(ctx.conn, case_id=ctx.case.id)
    assert notice is not None, "a case waiting for a supplement has an open notice"
    due_on = notice.due_on
    if due_on is None:
        # A notice given before periods were kept: the platform's period from its day.
        calendar = await deadlines.load_calendar(ctx.conn)
        due_on = calendar.add_working_days(notice.requested_on, ctx.settings.supplement_period_days)
    # The period runs to the end of its last working day: closable from the day after.
    if ctx.today <= due_on:
        closable = due_on + timedelta(days=1)
        when = {"dueOn": due_on.isoformat(), "closableFrom": closable.isoformat()}
        raise ConflictError(
            f"the supplement period runs until {due_on.isoformat()}; "
            f"the case may be closed from {closable.isoformat()}",
            problem="SUPPLEMENT_PERIOD_RUNNING",
            details=when,
            params=when,
        )
    spec = (await pinned_matter(ctx.conn, ctx.case)).spec
    names = {m.code: m.name for m in spec.materials}
    missing = [events.RequestedMaterial(code=c, name=names.get(c, c)) for c in notice.outstanding]
    await _stop_everything(ctx)
    text = (reason or "").strip() or None
    return await ctx.record(
        event=events.ClosedNoSupplement(phase=notice.phase, due_on=due_on, missing=missing),
        transition="close_no_supplement",
        reason=text,
        changes={
            "terminal_reason": text or "supplement period passed without the materials",
            "supplement_due_on": None,
        },
    )


@case_action("close_no_show")
async def close_no_show(ctx: ActionContext, reason: str | None) -> Case:
    """The applicant did not attend the hearing; the reason records what happened."""
    if ctx.case.special_procedure_kind != "hearing":
        raise ConflictError(
            "only a hearing the applicant did not attend closes a case in a special procedure",
            problem="NOT_A_HEARING",
            params={"procedure": ctx.case.special_procedure_kind or ""},
        )
    text = require_reason(reason)
    await review_repo.end_special_procedure(ctx.conn, case_id=ctx.case.id, on=ctx.today, at=ctx.now)
    await _stop_everything(ctx)
    return await ctx.record(
        event=events.ClosedNoShow(procedure="hearing", closed_on=ctx.today),
        transition="close_no_show",
        reason=text,
        changes={"terminal_reason": text, "special_procedure_kind": None},
    )


# One mutation, closeCase: by the state the case is in, for the supplement or the hearing.
close: CaseAction[[str | None]] = routed(
    lambda case: close_no_show if case.state == "special_procedure" else close_no_supplement
)
