"""``node(id:)``: any object a client cached, fetched again by its id (Relay), with the same
visibility as everywhere else — a case's parts only for those who may see the case."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tongban.api.cases import Case, Task
from tongban.api.catalogue import Matter, MatterVersion
from tongban.api.context import Info
from tongban.api.deadlines import deadline_views
from tongban.api.government import Department, Region
from tongban.api.history import case_events
from tongban.api.materials import materials as material_views
from tongban.api.node import Node
from tongban.cases import repository as repo
from tongban.catalogue import repository as catalogue_repo
from tongban.identifiers import is_uuid


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its id (Relay), or null when it does not exist or you may "
        "not see it."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")]
    ) -> Node | None:
        raw = str(id)
        kind, _, key = raw.partition(":")
        if kind == "Region" and key:
            region = await info.context.loaders.region.load(key)
            return None if region is None else Region.from_domain(region)
        if kind in ("MatterVersion", "RequiredMaterial", "ReviewStage") and key:
            return await _version_part(info, kind, key, raw)
        if not is_uuid(raw):
            return None
        return await _record(info, raw)


async def _version_part(info: Info, kind: str, key: str, raw: str) -> Node | None:
    """A matter version, or one of its materials or stages (typed keys)."""
    matter_id, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    if not is_uuid(matter_id) or not number.isdigit():
        return None
    admin = info.context.principal.has_role("admin")
    for v in await info.context.loaders.matter_versions.load(matter_id):
        if v.version == int(number) and (v.published or admin):
            version = MatterVersion.from_domain(v)
            if kind == "MatterVersion":
                return version
            parts: list[Node] = (
                list(version.materials) if kind == "RequiredMaterial" else list(version.review_plan)
            )
            return next((p for p in parts if str(p.id) == raw), None)
    return None


async def _record(info: Info, raw: str) -> Node | None:
    """A record with a UUID: a department, a matter, or a case or one of its parts."""
    loaders = info.context.loaders
    async with info.context.pool.acquire() as conn:
        found = await repo.kind_of_record(conn, record_id=raw)
        if found is None:
            return None
        kind, case_id = found
        if kind == "Department":
            department = await loaders.department.load(raw)
            return None if department is None else Department.from_domain(department)
        if kind == "Matter":
            versions = [v for v in await loaders.matter_versions.load(raw) if v.published]
            if not versions:
                return None
            matters = await catalogue_repo.matters_by_code(conn, codes=[versions[0].code])
            current = matters[0].current_version if matters else None
            return Matter.from_version(versions[0], current)
    assert case_id is not None
    return await _case_part(info, kind, case_id, raw)


async def _case_part(info: Info, kind: str, case_id: str, raw: str) -> Node | None:
    """A case or one of its parts, only for those who may see the case."""
    loaders = info.context.loaders
    case = await loaders.case.load(case_id)  # None unless the viewer may see the case
    if case is None:
        return None
    if kind == "Case":
        return Case.from_domain(case)
    if kind == "Task":
        tasks = [t for t in await loaders.tasks.load(case_id) if t.id == raw]
        return Task.from_domain(tasks[0]) if tasks else None
    if kind == "Material":
        found = [m for m in await loaders.materials.load(case_id) if m.id == raw]
        return material_views(found, downloadable=case.viewer_involved)[0] if found else None
    if kind == "CaseEvent":
        events = [e for e in await loaders.events.load(case_id) if e.id == raw]
        return case_events(events)[0] if events else None
    clocks = [c for c in await loaders.clocks.load(case_id) if c.id == raw]
    if not clocks:
        return None
    return deadline_views(info, clocks, await loaders.calendar())[0]
