"""Materials one item of a bundle receives from another's result (免提交).

A result counts as supplied once the producing item's case is approved (its result number
exists); where that approval issued an electronic licence (电子证照) of the type a material asks
for, the release links it to the receiving case as that material (progression)."""

from __future__ import annotations

import asyncpg

from tongban.bundles import repository as repo
from tongban.bundles.progression import RESULT_STATES
from tongban.cases.types import Case


async def results_supplied(conn: asyncpg.Connection, case: Case) -> set[str]:
    """The codes of ``case``'s own materials that an approved item of its bundle supplies."""
    if case.bundle_application_id is None:
        return set()
    application = (await repo.applications_by_id(conn, ids=[case.bundle_application_id]))[0]
    bundle = await repo.version_of(
        conn, bundle_id=application.bundle_id, version=application.bundle_version
    )
    items = await repo.item_cases(conn, application_id=case.bundle_application_id)
    codes = await repo.item_matter_codes(conn, application_id=case.bundle_application_id)
    states = {codes[c.id]: c.state for c in items}
    mine = codes[case.id]
    return {
        t.material_code
        for m in bundle.spec.materials
        if m.produced_by is not None and states.get(m.produced_by) in RESULT_STATES
        for t in m.maps_to
        if t.matter_code == mine
    }
