"""The applicant's supplement (补正): materials a notice asked for may come in several parts.

Each requested material is tracked on its own. Until every one of them is in, the case stays
where it is — before acceptance the decision clock has not started, after it the clock stays
paused; the part that completes the notice moves the case on (back to intake, or back to review
with the clock resumed). A material the notice did not ask for is refused: a supplement is not
a way to change the application.
"""

from __future__ import annotations

from tongban.cases import deferral, events
from tongban.cases import supplement_repository as supplement_repo
from tongban.cases.runner import ActionContext, CaseAction, case_action, pinned_matter, routed
from tongban.cases.storage import store_materials
from tongban.cases.types import Case, UploadedFile
from tongban.cases.validation import check_files
from tongban.deadlines import service as deadlines
from tongban.errors import InvalidInputError, Problem


@case_action("supplement")
async def supplement_notice(ctx: ActionContext, files: list[UploadedFile]) -> Case:
    """The applicant brings some or all of what the notice listed."""
    case = ctx.case
    matter = await pinned_matter(ctx.conn, case)
    problems = check_files(files, matter.spec, ctx.settings)
    if not files:
        problems.append(Problem("materials", "REQUIRED", "upload the requested materials"))
    if problems:
        raise InvalidInputError(problems)
    notice = await supplement_repo.open_notice(ctx.conn, case_id=case.id)
    assert notice is not None, "a case waiting for a supplement has an open notice"
    requested = {i.material_code for i in notice.items}
    brought = list(dict.fromkeys(f.material_code or "" for f in files))
    unrequested = [c for c in brought if c not in requested]
    if unrequested:
        raise InvalidInputError.one(
            "materials",
            "UNREQUESTED_MATERIAL",
            f"the supplement notice did not ask for: {', '.join(unrequested)}",
            {"materials": unrequested},
        )
    await store_materials(ctx.conn, ctx.blobs, case.id, files, "supplement", matter.spec, ctx.now)
    await supplement_repo.mark_arrived(
        ctx.conn, notice_id=notice.id, codes=brought, on=ctx.today, at=ctx.now
    )
    outstanding = [c for c in notice.outstanding if c not in brought]
    if outstanding:
        names = {m.code: m.name for m in matter.spec.materials}
        return await ctx.record(
            event=events.Supplemented(
                materials=sorted(brought),
                complete_on=None,
                deadlines=await deadlines.summary(ctx.conn, case_id=case.id),
                outstanding=[
                    events.RequestedMaterial(code=c, name=names.get(c, c)) for c in outstanding
                ],
                due_on=notice.due_on,
            ),
            transition="supplement",
        )
    await supplement_repo.fulfil_notice(ctx.conn, notice_id=notice.id, on=ctx.today, at=ctx.now)
    back_to = "received" if case.state == "supplement_requested" else "under_review"
    if back_to == "under_review":
        await deadlines.resume(ctx.conn, settings=ctx.settings, case_id=case.id, on=ctx.today)
    return await ctx.record(
        event=events.Supplemented(
            materials=sorted(brought),
            complete_on=ctx.today,
            deadlines=await deadlines.summary(ctx.conn, case_id=case.id),
        ),
        transition="supplement",
        changes={"state": back_to, "supplement_due_on": None},
    )


# One mutation brings materials: what an open supplement notice asked for, or otherwise the
# materials a deferred acceptance left owed (容缺受理, ``deferral``).
supplement: CaseAction[[list[UploadedFile]]] = routed(
    lambda case: (
        supplement_notice
        if case.state in ("supplement_requested", "review_supplement")
        else deferral.supply_owed
    )
)
