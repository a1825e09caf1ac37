"""What every case mutation does the same way: find and lock the case, check the caller may see
it and saw its current version, apply the transition, and record the event with its outbox row
— all in the caller's transaction."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.cases import repository as repo
from tongban.cases import states
from tongban.cases.errors import CaseNotFoundError, StaleVersionError
from tongban.cases.types import Case
from tongban.catalogue.types import MatterSpec
from tongban.config import Settings
from tongban.errors import MAX_TEXT_CHARS, InvalidInputError, Problem, ValidationError, check_length
from tongban.identifiers import validate_case_number


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FastClock:
    """Starts at ``start`` and runs ``speed`` times faster than real time: worker processes in
    tests live through days of deadlines in seconds."""

    def __init__(self, start: datetime, speed: float, anchor: float | None = None) -> None:
        self._start = start
        self._speed = speed
        # Wall-clock second at which the clock reads ``start``: processes sharing the anchor
        # share the simulated time.
        self._anchor = time.time() if anchor is None else anchor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._anchor) * self._speed)

    def real_seconds_until(self, instant: datetime) -> float:
        return (instant - self.now()).total_seconds() / self._speed


def clock_from_settings(settings: Settings) -> Clock:
    if settings.clock_start:
        return FastClock(
            datetime.fromisoformat(settings.clock_start),
            settings.clock_speed,
            settings.clock_anchor or None,
        )
    return SystemClock()


def real_seconds_until(clock: Clock, instant: datetime) -> float:
    """How long to really wait until ``instant`` on ``clock`` (for deferring jobs)."""
    if isinstance(clock, FastClock):
        return clock.real_seconds_until(instant)
    return (instant - clock.now()).total_seconds()


class MovableClock:
    """A clock tests and benchmarks set and move (deadlines are enforced "on time" by it)."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


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
    action: str,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    transition: str | None = None,
) -> Case:
    """Apply the state machine and ``changes``, append the event; return the updated case."""
    # Every reason of every action passes here on its way into the history (and into SMS).
    check_length(reason, field="reason", max_chars=MAX_TEXT_CHARS)
    changes = dict(changes or {})
    if transition is not None:
        new_state = states.check(transition, case.state)
        if new_state != case.state:
            changes["state"] = new_state
    before = {k: _jsonable(getattr(case, k, None)) for k in changes}
    after = {k: _jsonable(v) for k, v in changes.items()}
    version = await repo.update_case(conn, case_id=case.id, changes=changes)
    diff = {k: [before[k], after[k]] for k in changes if before[k] != after[k]}
    await repo.insert_event(
        conn,
        case_id=case.id,
        case_version=version,
        action=action,
        principal=principal,
        reason=reason,
        changes=diff,
        payload=payload or {},
        topic=f"case.{action}",
        outbox_payload={
            "caseId": case.id,
            "caseNumber": case.number,
            "action": action,
            "version": version,
            "state": changes.get("state", case.state),
        },
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
        raise InvalidInputError(
            [
                Problem(
                    "materialCodes",
                    "UNKNOWN_MATERIAL",
                    f"the matter asks for no {', '.join(unknown)}",
                    {"codes": unknown},
                )
            ]
        )
    return codes


async def file_supplement_notice(
    conn: asyncpg.Connection,
    case: Case,
    principal: Principal,
    *,
    spec: MatterSpec,
    codes: list[str],
    note: str,
    today: date,
    phase: str,
) -> Case:
    """Record the one notice of what to bring (at intake or during review) and its event."""
    check_length(note, field="note", max_chars=MAX_TEXT_CHARS)
    await repo.insert_supplement_notice(
        conn,
        case_id=case.id,
        phase=phase,
        material_codes=codes,
        note=note,
        officer_id=principal.officer_id or "",
        on=today,
    )
    names = {m.code: m.name for m in spec.materials}
    return await record(
        conn,
        case,
        principal,
        action="supplement_requested",
        transition="request_intake_supplement"
        if phase == "intake"
        else "request_review_supplement",
        reason=note or None,
        changes={"supplement_count": case.supplement_count + 1},
        payload={
            "phase": phase,
            "materials": [{"code": c, "name": names[c]} for c in codes],
            "requestedOn": today.isoformat(),
        },
    )
