"""What every case mutation does the same way: find and lock the case, check the caller may see
it and saw its current version, apply the transition, and record the event with its outbox row
— all in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import history_repository as history_repo
from tongban.cases import repository as repo
from tongban.cases import states
from tongban.cases import supplement_repository as supplement_repo
from tongban.cases.errors import CaseNotFoundError, StaleVersionError
from tongban.cases.events import RequestedMaterial, SupplementRequested
from tongban.cases.types import Case
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.errors import MAX_TEXT_CHARS, InvalidInputError, ValidationError, check_length
from tongban.events.types import Event, OutboxMessage, action_of
from tongban.identifiers import validate_case_number


async def load_for_action(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    number: str,
    expected_version: int,
) -> Case:
    """Lock the case the caller acts on; NOT_FOUND if they may not see it, CONFLICT if stale."""
    if principal.is_anonymous:
        raise NotAllowedError("sign in to act on a case", problem="SIGN_IN_REQUIRED")
    number = validate_case_number(number, field="caseNumber")
    case = await repo.lock_case(conn, number=number)
    if case is None or not await repo.visible_cases_by_id(conn, principal=principal, ids=[case.id]):
        raise CaseNotFoundError(f"no case {number}", field="caseNumber", params={"number": number})
    if case.version != expected_version:
        raise StaleVersionError(case.version)
    return case


async def record(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    *,
    event: Event,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
    transition: str | None = None,
    at: datetime,
) -> Case:
    """Apply the state machine and ``changes``, append the event (stamped ``at``, the instant on
    the injectable clock the action happened); return the updated case."""
    # Every reason of every action passes here on its way into the history (and into SMS).
    check_length(reason, field="reason", max_chars=MAX_TEXT_CHARS)
    changes = dict(changes or {})
    if transition is not None:
        new_state = states.check(transition, case.state)
        if new_state != case.state:
            changes["state"] = new_state
    before = {k: _jsonable(getattr(case, k, None)) for k in changes}
    after = {k: _jsonable(v) for k, v in changes.items()}
    version = await repo.update_case(conn, case_id=case.id, changes=changes, at=at)
    diff = {k: [before[k], after[k]] for k in changes if before[k] != after[k]}
    await history_repo.insert_event(
        conn,
        case_id=case.id,
        case_version=version,
        occurred_at=at,
        principal=principal,
        reason=reason,
        changes=diff,
        event=event,
        topic=f"case.{action_of(event)}",
        outbox=OutboxMessage(
            action=action_of(event),
            caseId=case.id,
            caseNumber=case.number,
            version=version,
            state=changes.get("state", case.state),
        ),
    )
    updated = await repo.lock_case_by_id(conn, case_id=case.id)
    assert updated is not None
    return updated


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def require_reason(reason: str | None, field: str = "reason") -> str:
    if reason is None or not reason.strip():
        raise ValidationError("a reason is required", field=field, problem="REASON_REQUIRED")
    return reason.strip()


def require_role(principal: Principal, *roles: str) -> None:
    if not principal.is_officer or not principal.has_role(*roles):
        raise NotAllowedError(
            f"this needs the role {' or '.join(roles)}",
            problem="ROLE_REQUIRED",
            params={"roles": list(roles)},
        )


def checked_material_list(material_codes: list[str], spec: MatterSpec) -> list[str]:
    """The distinct material codes of a supplement notice, each one the matter asks for."""
    known = {m.code for m in spec.materials}
    codes = list(dict.fromkeys(material_codes))
    if not codes:
        raise ValidationError(
            "name at least one material", field="materialCodes", problem="NO_MATERIAL_NAMED"
        )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInputError.one(
            "materialCodes",
            "UNKNOWN_MATERIAL",
            f"the matter asks for no {', '.join(unknown)}",
            {"codes": unknown},
        )
    return codes


async def file_supplement_notice(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    *,
    spec: MatterSpec,
    settings: Settings,
    codes: list[str],
    note: str,
    today: date,
    phase: str,
    at: datetime,
) -> Case:
    """Record the one notice of what to bring (at intake or during review), by when, and its
    event. The period (补正期限) is the matter version's, else the platform's, in working days
    counted from the day after the notice."""
    check_length(note, field="note", max_chars=MAX_TEXT_CHARS)
    period = spec.supplement_period_days or settings.supplement_period_days
    due_on = (await deadlines.load_calendar(conn)).add_working_days(today, period)
    await supplement_repo.insert_notice(
        conn,
        case_id=case.id,
        phase=phase,
        material_codes=codes,
        note=note,
        officer_id=principal.officer_id or "",
        on=today,
        at=at,
        period_days=period,
        due_on=due_on,
    )
    names = {m.code: m.name for m in spec.materials}
    return await record(
        conn,
        case,
        principal,
        event=SupplementRequested(
            phase=phase,
            materials=[RequestedMaterial(code=c, name=names[c]) for c in codes],
            requested_on=today,
            period_days=period,
            due_on=due_on,
        ),
        transition="request_intake_supplement"
        if phase == "intake"
        else "request_review_supplement",
        reason=note or None,
        changes={"supplement_count": case.supplement_count + 1, "supplement_due_on": due_on},
        at=at,
    )
