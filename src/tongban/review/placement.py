"""Which departments review a stage once the case has moved (上报 / 转办).

The pinned plan names the departments of the region the matter is filed in. After a hand-up or a
transfer the receiving department takes the place of the matter's implementing department; the
plan's other departments review only where they sit in the receiving region (a city does not ask
a district's tax bureau), and a stage left without any falls to the receiving department."""

from __future__ import annotations

import asyncpg

from tongban.cases.types import Case
from tongban.catalogue.types import MatterSpec, ReviewStage
from tongban.government import repository as gov_repo


async def stage_departments(
    conn: asyncpg.Connection, case: Case, spec: MatterSpec, stage: ReviewStage
) -> list[str]:
    if case.handling_department_id == spec.department_id:
        return list(stage.department_ids)
    placements = await gov_repo.department_placements(conn, ids=list(stage.department_ids))
    chosen: list[str] = []
    for department_id in stage.department_ids:
        if department_id == spec.department_id:
            department_id = case.handling_department_id
        else:
            region = placements.get(department_id)
            if region is None or region.code != case.handling_region:
                continue
        if department_id not in chosen:
            chosen.append(department_id)
    return chosen or [case.handling_department_id]
