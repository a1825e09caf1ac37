"""容缺受理: accepting a case with deferrable materials missing, and the owed materials arriving.

The matter marks which materials are deferrable (never its core ones, ``catalogue.validation``).
At acceptance the window names the materials deferred and confirms that the applicant signed the
undertaking to bring them (承诺补交); the case then owes them for a period (a setting, in working
days) watched by its own clock, ``owed_materials``, which supervision warns on like the others.
Owed materials arrive through the applicant's supplement (``supplementCase``, routed here while
no supplement notice is open); each arrival is recorded per material, and when the last arrives
the clock stops and the case may be approved outright. A case decided while materials are still
owed is approved with deferred materials (state 12), and an administrator may revoke it if they
never come.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from tongban.auth.types import Principal
from tongban.cases import events, states
from tongban.cases import owed_repository as owed_repo
from tongban.cases.runner import ActionContext, case_action, pinned_matter
from tongban.cases.storage import store_materials
from tongban.cases.types import Case, UploadedFile
from tongban.cases.validation import check_files
from tongban.catalogue.types import MatterSpec, RequiredMaterial
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.errors import InvalidInputError, Problem


def checked_deferral(
    spec: MatterSpec, missing: list[str], deferred: list[str], undertaking_signed: bool
) -> list[RequiredMaterial]:
    """The materials a case may owe on acceptance; every problem at once otherwise.

    Missing required materials that are not deferred (or not deferrable) still refuse the
    acceptance: those need the one-time supplement notice (Art. 32 (4))."""
    by_code = {m.code: m for m in spec.materials}
    codes = list(dict.fromkeys(deferred))
    problems: list[Problem] = []
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        problems.append(_problem("UNKNOWN_MATERIAL", f"the matter asks for no {unknown}", unknown))
    not_deferrable = [c for c in codes if c in by_code and not by_code[c].deferrable]
    if not_deferrable:
        problems.append(
            _problem(
                "NOT_DEFERRABLE", f"not deferrable: {', '.join(not_deferrable)}", not_deferrable
            )
        )
    provided = [c for c in codes if c in by_code and by_code[c].deferrable and c not in missing]
    if provided:
        problems.append(_problem("NOT_MISSING", f"already provided: {provided}", provided))
    uncovered = [c for c in missing if c not in codes]
    if uncovered:
        problems.append(
            Problem(
                "caseNumber",
                "MISSING_MATERIALS",
                f"required materials are missing ({', '.join(uncovered)}); request a supplement",
                {"materials": uncovered},
            )
        )
    if codes and not undertaking_signed:
        problems.append(
            Problem(
                "undertakingSigned",
                "UNDERTAKING_REQUIRED",
                "deferred acceptance needs the applicant's signed undertaking",
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return [by_code[c] for c in codes]


def _problem(code: str, message: str, materials: list[str]) -> Problem:
    return Problem("deferredMaterialCodes", code, message, {"materials": materials})


async def owe(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    owed: list[RequiredMaterial],
    *,
    settings: Settings,
    accepted_on: date,
    at: datetime,
) -> date:
    """Record what the case owes and start its clock; return the due date."""
    clock = await deadlines.start(
        conn,
        settings=settings,
        case_id=case.id,
        kind="owed_materials",
        start_on=accepted_on,
        limit_days=settings.deferred_materials_days,
    )
    if clock.due_on is None:
        # The period runs into a year whose working days are not published: never guess.
        raise UnknownCalendarYearError(accepted_on.year + 1)
    await owed_repo.insert_owed(
        conn,
        case_id=case.id,
        materials=[(m.code, m.name) for m in owed],
        due_on=clock.due_on,
        accepted_by=principal.officer_id,
        at=at,
    )
    return clock.due_on


async def outstanding(conn: asyncpg.Connection, case: Case) -> list[events.OwedItem]:
    """What the case still owes."""
    return [
        events.OwedItem(o.material_code, o.name)
        for o in await owed_repo.owed_of(conn, case_ids=[case.id])
        if o.arrived_at is None
    ]


@case_action("supply_owed")
async def supply_owed(ctx: ActionContext, files: list[UploadedFile]) -> Case:
    """The applicant brings owed materials (all or some); the last one stops the owed clock."""
    case = ctx.case
    if case.owed_due_on is None:
        raise states.InvalidStateError(
            "this case owes no deferred materials and has no open supplement notice",
            details={"state": case.state},
            problem="NOTHING_OWED",
        )
    matter = await pinned_matter(ctx.conn, case)
    problems = check_files(files, matter.spec, ctx.settings)
    if not files:
        problems.append(Problem("materials", "REQUIRED", "upload the owed materials"))
    owed = await outstanding(ctx.conn, case)
    owed_codes = {o.code for o in owed}
    not_owed = sorted({f.material_code or "" for f in files} - owed_codes)
    if not_owed and files:
        problems.append(
            Problem(
                "materials",
                "NOT_OWED",
                f"not owed: {', '.join(not_owed)}",
                {"materials": not_owed},
            )
        )
    if problems:
        raise InvalidInputError(problems)
    await store_materials(ctx.conn, ctx.blobs, case.id, files, "supplement", matter.spec, ctx.now)
    brought = {f.material_code for f in files}
    await owed_repo.mark_arrived(
        ctx.conn, case_id=case.id, codes=sorted(c for c in brought if c), on=ctx.today, at=ctx.now
    )
    still = [o for o in owed if o.code not in brought]
    if not still:
        await deadlines.stop(
            ctx.conn, case_id=case.id, at=ctx.now, on=ctx.today, kinds=["owed_materials"]
        )
    return await ctx.record(
        event=events.OwedMaterialsSupplied(
            materials=[o for o in owed if o.code in brought],
            outstanding=still,
            arrived_on=ctx.today,
        ),
        transition="supply_owed",
        changes={} if still else {"owed_due_on": None},
    )
