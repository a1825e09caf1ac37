"""Where a window may file a case (issue 15: a Tianhe window filed cases into Shenzhen's queue).

A window receives for its own region and the regions below it. Into any other region it files
only a matter the catalogue offers for cross-region handling (跨域通办, 收受分离) at that window:
the matter's ``cross_region_receiving`` names the regions (each with everything below it) whose
windows may receive it, and the case goes to the region of the matter's own department, which
still handles it. Applicants filing online choose the region they apply in, as before.
"""

from __future__ import annotations

import asyncpg

from tongban.auth.types import Principal
from tongban.catalogue.types import MatterSpec
from tongban.errors import Problem
from tongban.government import repository as gov_repo
from tongban.government.types import Region


def receiving_problem(
    *, window: Region | None, target: Region, spec: MatterSpec, handling: Region | None
) -> Problem | None:
    """Why a window at ``window`` may not file this matter into ``target`` (None: it may)."""
    if window is not None and window.code in target.lineage:
        return None
    offered = window is not None and any(c in window.lineage for c in spec.cross_region_receiving)
    # Cross-region filing puts the case where the matter's department sits, not into a third
    # region's queue that neither received nor handles it.
    handled_there = handling is not None and handling.code in target.lineage
    if offered and handled_there:
        return None
    here = window.code if window is not None else ""
    return Problem(
        "regionCode",
        "OUTSIDE_WINDOW_REGION",
        f"a window in {here or 'no region'} files into its own region; "
        f"{spec.name} is not offered there for cross-region handling into {target.code}",
        {"code": target.code, "window": here},
    )


async def check_window_region(
    conn: asyncpg.Connection, principal: Principal, target: Region, spec: MatterSpec
) -> Problem | None:
    """The problem of an intake officer filing into ``target``; None for applicants."""
    if not principal.is_officer:
        return None
    own = principal.region_code
    if own is not None and own in target.lineage:
        return None
    windows = await gov_repo.regions_by_code(conn, codes=[own] if own else [])
    placements = await gov_repo.department_placements(conn, ids=[spec.department_id])
    return receiving_problem(
        window=windows[0] if windows else None,
        target=target,
        spec=spec,
        handling=placements.get(spec.department_id),
    )
