"""Intake (Art. 32): accept, declare not applicable, refuse, and the one-time supplement notice
(the applicant's supplement is in ``supplements``). Each is a case action (``runner``): the case arrives locked and
checked; a raised error rolls back everything the action wrote."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.cases import deferral, events
from tongban.cases.commitment import missing_required as _missing_required
from tongban.cases.runner import ActionContext, CaseAction, case_action, pinned_matter, routed
from tongban.cases.types import Case
from tongban.cases.workflow import (
    checked_material_list,
    file_supplement_notice,
    record,
    require_reason,
)
from tongban.catalogue.types import MatterSpec, RequiredMaterial
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import InvalidInputError
from tongban.review import service as review


@case_action("accept")
async def accept(
    ctx: ActionContext,
    deferred_material_codes: list[str] | None = None,
    undertaking_signed: bool = False,
) -> Case:
    """受理: the decision clock starts the next working day; review tasks open. With deferred
    materials named (容缺受理) and the applicant's undertaking signed, the case owes them."""
    matter = await pinned_matter(ctx.conn, ctx.case)
    missing = await _missing_required(ctx.conn, ctx.case, matter.spec)
    owed = deferral.checked_deferral(
        matter.spec, missing, deferred_material_codes or [], undertaking_signed
    )
    return await _accept_as_of(
        ctx.conn,
        ctx.case,
        ctx.principal,
        matter.spec,
        ctx.settings,
        ctx.today,
        events.Accepted,
        at=ctx.now,
        owed=owed,
    )


async def accept_automatically(
    conn: asyncpg.Connection, case: Case, *, settings: Settings, at: datetime
) -> Case:
    """Art. 32: no intake decision within 5 days — accepted as of the day it was received."""
    matter = await pinned_matter(conn, case)
    return await _accept_as_of(
        conn,
        case,
        deadlines.SYSTEM,
        matter.spec,
        settings,
        case.received_on,
        events.AcceptedAutomatically,
        at=at,
    )


async def _accept_as_of(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    spec: MatterSpec,
    settings: Settings,
    accepted_on: date,
    event: type[events.Accepted],
    *,
    at: datetime,
    owed: list[RequiredMaterial] | None = None,
) -> Case:
    await deadlines.stop(conn, case_id=case.id, at=at, on=accepted_on, kinds=["one_notice"])
    # Both decision clocks start the working day after acceptance (Art. 42, Civil Code Art. 201).
    for kind, limit in (("promised", spec.promised_limit), ("statutory", spec.statutory_limit)):
        await deadlines.start(
            conn,
            settings=settings,
            case_id=case.id,
            kind=kind,
            start_on=accepted_on,
            limit_days=limit,
        )
    changes: dict[str, Any] = {"accepted_on": accepted_on, "current_stage": 0}
    accepted: events.Accepted
    if owed:
        due_on = await deferral.owe(
            conn, case, principal, owed, settings=settings, accepted_on=accepted_on, at=at
        )
        changes["owed_due_on"] = due_on
        accepted = events.AcceptedDeferred(
            accepted_on=accepted_on,
            deadlines=await deadlines.summary(conn, case_id=case.id),
            owed=[events.OwedItem(m.code, m.name) for m in owed],
            owed_due_on=due_on,
        )
    else:
        accepted = event(
            accepted_on=accepted_on, deadlines=await deadlines.summary(conn, case_id=case.id)
        )
    case = await record(
        conn, case, principal, event=accepted, transition="accept", changes=changes, at=at
    )
    await review.open_stage(
        conn, case, spec, stage_index=0, settings=settings, today=accepted_on, at=at
    )
    return case


@case_action("declare_not_applicable")
async def declare_not_applicable(ctx: ActionContext, reason: str | None) -> Case:
    """Art. 32 (1): the matter needs no licence."""
    await deadlines.stop(ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.case.received_on)
    return await ctx.record(
        event=events.DeclaredNotApplicable(),
        transition="declare_not_applicable",
        reason=require_reason(reason),
        changes={"terminal_reason": require_reason(reason)},
    )


@case_action("refuse")
async def refuse(ctx: ActionContext, reason: str | None, competent_agency: str | None) -> Case:
    """不予受理 (Art. 32 (2)): outside our powers; the notice names the competent agency."""
    agency = require_reason(competent_agency, "competentAgency")
    text = require_reason(reason)
    await deadlines.stop(ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.case.received_on)
    return await ctx.record(
        event=events.Refused(),
        transition="refuse",
        reason=text,
        changes={"terminal_reason": text, "competent_agency": agency},
    )


@case_action("request_intake_supplement")
async def request_intake_supplement(
    ctx: ActionContext, material_codes: list[str], note: str
) -> Case:
    """一次性告知补正 (Art. 32 (4)): one notice listing everything missing."""
    matter = await pinned_matter(ctx.conn, ctx.case)
    codes = checked_material_list(material_codes, matter.spec)
    missing = await _missing_required(ctx.conn, ctx.case, matter.spec)
    forgotten = [c for c in missing if c not in codes]
    if forgotten:
        raise InvalidInputError.one(
            "materialCodes",
            "INCOMPLETE_NOTICE",
            "the notice must list every missing required material at once; "
            f"also missing: {', '.join(forgotten)}",
            {"materials": forgotten},
        )
    # The notice went out in time: the Art. 32 timer has done its work.
    await deadlines.stop(
        ctx.conn, case_id=ctx.case.id, at=ctx.now, on=ctx.today, kinds=["one_notice"]
    )
    return await file_supplement_notice(
        ctx.conn,
        ctx.case,
        ctx.principal,
        spec=matter.spec,
        settings=ctx.settings,
        codes=codes,
        note=note,
        today=ctx.today,
        phase="intake",
        at=ctx.now,
    )


# One mutation asks for materials: before acceptance it is the one-time intake notice (Art. 32),
# after it a review supplement that pauses the clock.
request_supplement: CaseAction[[list[str], str]] = routed(
    lambda case: (
        request_intake_supplement if case.state == "received" else review.request_review_supplement
    )
)
