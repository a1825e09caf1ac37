"""电子监察 of bundles: the bundle's own promised limit, warned on like a case's (yellow within
the threshold, red past it), besides each item's own clocks and warnings."""

from __future__ import annotations

from datetime import date

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.bundles import repository as repo
from tongban.bundles.progress import progress_of
from tongban.bundles.progression import NO_RESULT_STATES, RESULT_STATES
from tongban.bundles.types import BundleProgress
from tongban.config import Settings

# Open applications a supervisor's list reads at once, oldest first: the list is for acting
# on, and a region with more open bundles than this sees the oldest (the most likely late).
MAX_OPEN = 200


async def warned_bundles(
    conn: asyncpg.Connection, principal: Principal, *, settings: Settings, today: date
) -> list[BundleProgress]:
    """Open bundle applications of the caller's region whose own clock is yellow or red."""
    if not (principal.is_officer and principal.has_role("supervisor", "head", "admin")):
        raise NotAllowedError(
            "bundle supervision is for supervisors, heads and administrators",
            problem="SUPERVISION_ROLES_ONLY",
        )
    ids = await repo.open_applications_in(
        conn,
        region_code=principal.region_code or "",
        concluded=sorted(RESULT_STATES | NO_RESULT_STATES),
        limit=MAX_OPEN,
    )
    cases = await repo.cases_of_applications(conn, application_ids=ids)
    found = await progress_of(
        conn,
        application_ids=ids,
        cases={c.id: c for c in cases},
        settings=settings,
        today=today,
    )
    return [
        p
        for p in found
        if p.bundle_clock is not None and p.bundle_clock["colour"] in ("yellow", "red")
    ]
