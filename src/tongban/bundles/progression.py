"""What an item's outcome does to the other items of its bundle, in the same transaction.

An item that depends on others starts (is released: received, its Art. 32 clock starts) when
every item it depends on is approved — the result (its result number) exists. When an item it
depends on ends without a result (denied, refused, withdrawn, closed …) it is closed with that
reason, and so is everything that depends on it; independent items go on (a refused item does
not silently block the others)."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from tongban.bundles import repository as repo
from tongban.cases import events, states
from tongban.cases.types import Case
from tongban.cases.workflow import record
from tongban.catalogue import repository as catalogue_repo
from tongban.config import Settings
from tongban.deadlines import service as deadlines
from tongban.licences import repository as licence_repo

# A prerequisite's result exists once it is approved (with or without deferred materials).
RESULT_STATES = frozenset({"approved", "approved_deferred", "delivered"})
NO_RESULT_STATES = frozenset({"denied", *states.TERMINAL})


class Sibling:
    __slots__ = ("id", "matter_code", "number", "state")

    def __init__(self, row: tuple[str, str, str, str]) -> None:
        self.id, self.number, self.matter_code, self.state = row


async def prerequisite_results(
    conn: asyncpg.Connection,
    case: Case,
    prerequisites: list[Sibling],
    *,
    at: datetime,
    today: date,
) -> list[str]:
    """What the released item is given of its prerequisites' results: their case numbers, and
    the electronic licences (电子证照) their approvals issued, linked as the released case's
    materials of that licence type — the applicant never uploads them (免提交)."""
    issued = await licence_repo.licences_of_cases(conn, case_ids=[p.id for p in prerequisites])
    usable = {lic.type_code: lic for lic in issued if lic.status_on(today) == "valid"}
    if usable:
        versions = await catalogue_repo.versions_of(
            conn, matter_ids=[case.matter_id], published_only=True
        )
        spec = next(v for v in versions if v.version == case.matter_version).spec
        for material in spec.materials:
            licence = usable.get(material.licence_type or "")
            if licence is not None:
                await licence_repo.link_material(
                    conn, case_id=case.id, material_code=material.code, licence=licence, at=at
                )
    return [p.number for p in prerequisites]


async def after_item_action(
    conn: asyncpg.Connection, case: Case, *, settings: Settings, at: datetime, today: date
) -> None:
    """Release or close the waiting items that the outcome of ``case`` decides."""
    if case.bundle_application_id is None:
        return
    if case.state not in RESULT_STATES and case.state not in NO_RESULT_STATES:
        return
    siblings = [
        Sibling(r)
        for r in await repo.lock_siblings(conn, application_id=case.bundle_application_id)
    ]
    application = (await repo.applications_by_id(conn, ids=[case.bundle_application_id]))[0]
    bundle = await repo.version_of(
        conn, bundle_id=application.bundle_id, version=application.bundle_version
    )
    depends = {i.matter_code: set(i.depends_on) for i in bundle.spec.items}
    by_code = {s.matter_code: s for s in siblings}
    if case.state in RESULT_STATES:
        for s in siblings:
            needs = [by_code[c] for c in depends.get(s.matter_code, ())]
            if s.state == "waiting" and all(p.state in RESULT_STATES for p in needs):
                await _release(conn, s, needs, settings=settings, at=at, today=today)
        return
    failed = next(s for s in siblings if s.id == case.id)
    for s in siblings:
        if s.state == "waiting" and failed.matter_code in bundle.spec.prerequisites_of(
            s.matter_code
        ):
            await _close(conn, s, failed, case.state, at=at, today=today)


async def _release(
    conn: asyncpg.Connection,
    item: Sibling,
    prerequisites: list[Sibling],
    *,
    settings: Settings,
    at: datetime,
    today: date,
) -> None:
    # Skipped while another transaction holds it (the applicant withdrawing it); should that
    # one roll back, the prerequisite's next step (its delivery) releases it.
    case = await repo.lock_waiting_item(conn, case_id=item.id)
    if case is None:
        return
    # Art. 32 counts from the day the item could first be handled: the day it is released.
    notice = await deadlines.start(
        conn,
        settings=settings,
        case_id=case.id,
        kind="one_notice",
        start_on=today,
        limit_days=settings.one_notice_days,
    )
    await record(
        conn,
        case,
        deadlines.SYSTEM,
        event=events.Released(
            prerequisites=await prerequisite_results(conn, case, prerequisites, at=at, today=today),
            received_on=today,
            deadlines={"one_notice": None if notice.due_on is None else notice.due_on.isoformat()},
        ),
        transition="release",
        changes={"received_on": today, "received_at": at},
        at=at,
    )
    item.state = "received"


async def _close(
    conn: asyncpg.Connection,
    item: Sibling,
    failed: Sibling,
    failed_state: str,
    *,
    at: datetime,
    today: date,
) -> None:
    case = await repo.lock_waiting_item(conn, case_id=item.id)
    if case is None:
        return
    reason = f"前序事项（{failed.number}）未获准予办理，本事项无法办理"
    await record(
        conn,
        case,
        deadlines.SYSTEM,
        event=events.ClosedPrerequisite(
            prerequisite=failed.number, prerequisite_state=failed_state, closed_on=today
        ),
        transition="close_prerequisite",
        reason=reason,
        changes={"terminal_reason": reason},
        at=at,
    )
    item.state = "closed_prerequisite"
