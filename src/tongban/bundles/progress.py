"""One progress for a bundle application, computed from its cases (never stored, so it cannot
drift from them): its state, the bundle's own promised-limit clock and the combined due date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.bundles import repository as repo
from tongban.bundles.progression import NO_RESULT_STATES, RESULT_STATES
from tongban.bundles.types import BundleApplication, BundleProgress, BundleState, BundleVersion
from tongban.cases import repository as case_repo
from tongban.cases.types import Case
from tongban.config import Settings
from tongban.deadlines import repository as deadline_repo
from tongban.deadlines import service as deadlines
from tongban.deadlines.clock import clock_status, colour
from tongban.errors import NotFoundError

_NOT_YET_ACCEPTED = frozenset({"waiting", "received", "supplement_requested"})


def bundle_state(states: Sequence[str]) -> BundleState:
    """SUBMITTED until the window accepts an item; IN_PROGRESS while any item is open; then
    COMPLETED (every item has its result), WITHDRAWN (the applicant withdrew all), REFUSED (no
    item has a result) or PARTLY_REFUSED (some have, some were refused or denied)."""
    if all(s in _NOT_YET_ACCEPTED for s in states):
        return "submitted"
    if any(s not in RESULT_STATES and s not in NO_RESULT_STATES for s in states):
        return "in_progress"
    if all(s in RESULT_STATES for s in states):
        return "completed"
    if all(s == "withdrawn" for s in states):
        return "withdrawn"
    return "partly_refused" if any(s in RESULT_STATES for s in states) else "refused"


async def progress_of(
    conn: asyncpg.Connection,
    *,
    application_ids: Sequence[str],
    cases: dict[str, Case],
    settings: Settings,
    today: date,
) -> list[BundleProgress]:
    """The progress of each application; ``cases`` holds its items' cases by id (loaded by the
    caller, so that what a viewer sees of them stays the caller's rule)."""
    applications = await repo.applications_by_id(conn, ids=application_ids)
    items = await repo.item_case_ids(conn, application_ids=[a.id for a in applications])
    every_case = [c for ids in items.values() for c in ids]
    clocks = [
        c
        for c in await deadline_repo.clocks_of(conn, case_ids=every_case)
        if c.kind == "promised" and c.task_id is None
    ]
    cal = await deadlines.load_calendar(conn)
    versions = await repo.versions_by_key(
        conn, keys=list({(a.bundle_id, a.bundle_version) for a in applications})
    )
    found = []
    for application in applications:
        bundle = versions[(application.bundle_id, application.bundle_version)]
        ids = items[application.id]
        states = [cases[i].state for i in ids if i in cases]
        accepted = [d for i in ids if i in cases and (d := cases[i].accepted_on) is not None]
        accepted_on = min(accepted) if accepted else None
        state = bundle_state(states)
        own = None
        if accepted_on is not None:
            own = _bundle_clock(cal, bundle, accepted_on, state, today, settings, cases, ids)
        item_dues = [c.due_on for c in clocks if c.case_id in ids and c.due_on is not None]
        items_due = max(item_dues) if item_dues else None
        dues = [d for d in (own["due_on"] if own else None, items_due) if d is not None]
        found.append(
            BundleProgress(
                application=application,
                bundle=bundle,
                state=state,
                case_ids=ids,
                accepted_on=accepted_on,
                bundle_clock=own,
                items_due_on=items_due,
                due_on=max(dues) if dues else None,
            )
        )
    return found


def _bundle_clock(
    cal: Any,
    bundle: BundleVersion,
    accepted_on: date,
    state: BundleState,
    today: date,
    settings: Settings,
    cases: dict[str, Case],
    ids: list[str],
) -> dict[str, Any]:
    """The bundle's promised limit from its first acceptance, stopped when the last item
    concluded; its colour follows the same yellow/red rule as a case's (DOMAIN.md)."""
    stopped_on = None
    if state not in ("submitted", "in_progress"):
        decided = [cases[i].decided_at or cases[i].updated_at for i in ids if i in cases]
        stopped_on = max(decided).date() if decided else today
    s = clock_status(
        cal,
        start=accepted_on,
        limit_days=bundle.spec.promised_limit,
        today=today,
        stopped_on=stopped_on,
    )
    return {
        "due_on": s.due_date,
        "remaining_days": s.remaining_days,
        "overdue": s.overdue,
        "limit_days": s.limit_days,
        "colour": colour(
            s.remaining_days,
            s.limit_days,
            overdue=s.overdue,
            minimum=settings.yellow_min_days,
            divisor=settings.yellow_divisor,
        ),
    }


async def require_application(conn: asyncpg.Connection, application_id: str) -> BundleApplication:
    found = await repo.applications_by_id(conn, ids=[application_id])
    if not found:
        raise NotFoundError("no such bundle application", problem="UNKNOWN_BUNDLE_APPLICATION")
    return found[0]


async def visible_progress(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_ids: Sequence[str],
    settings: Settings,
    today: date,
) -> dict[str, tuple[BundleProgress, list[Case]]]:
    """Each application the viewer sees an item of, with its progress and those items in the
    bundle's order (a handful of queries however many applications)."""
    items = await repo.cases_of_applications(conn, application_ids=application_ids)
    visible = {
        c.id
        for c in await case_repo.visible_cases_by_id(
            conn, principal=principal, ids=[c.id for c in items]
        )
    }
    seen = {c.bundle_application_id for c in items if c.id in visible}
    shown = [a for a in application_ids if a in seen]
    found = await progress_of(
        conn,
        application_ids=shown,
        cases={c.id: c for c in items},
        settings=settings,
        today=today,
    )
    return {
        p.application.id: (p, [c for c in items if c.id in visible and c.id in p.case_ids])
        for p in found
    }
