"""Bundles in the catalogue: validated, then published as a new immutable version."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.bundles import repository as repo
from tongban.bundles.types import BundleMaterial, BundleSpec, BundleVersion
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.types import MatterVersion
from tongban.clock import Clock
from tongban.errors import InvalidInputError, Problem
from tongban.government import repository as gov_repo
from tongban.identifiers import is_uuid

# One window, one form: a "one thing" of more matters than this is several things.
MAX_ITEMS = 10
MAX_MATERIALS = 40


def _item_problems(spec: BundleSpec, found: dict[str, MatterVersion]) -> list[Problem]:
    problems: list[Problem] = []
    codes = [i.matter_code for i in spec.items]
    if not 2 <= len(codes) <= MAX_ITEMS:
        problems.append(
            Problem(
                "items",
                "BUNDLE_SIZE",
                f"a bundle has 2 to {MAX_ITEMS} matters",
                {"max": MAX_ITEMS},
            )
        )
    for i, item in enumerate(spec.items):
        if codes.count(item.matter_code) > 1:
            problems.append(
                Problem(
                    f"items[{i}].matterCode",
                    "DUPLICATE_BUNDLE_ITEM",
                    "a matter appears once per bundle",
                    {"code": item.matter_code},
                )
            )
        if item.matter_code not in found:
            problems.append(
                Problem(
                    f"items[{i}].matterCode",
                    "UNKNOWN_MATTER",
                    f"no published matter {item.matter_code}",
                    {"code": item.matter_code},
                )
            )
        for dep in item.depends_on:
            if dep not in codes or dep == item.matter_code:
                problems.append(
                    Problem(
                        f"items[{i}].dependsOn",
                        "UNKNOWN_BUNDLE_ITEM",
                        f"{dep} is not another matter of this bundle",
                        {"code": dep},
                    )
                )
    try:
        TopologicalSorter({i.matter_code: set(i.depends_on) for i in spec.items}).prepare()
    except CycleError as exc:
        problems.append(
            Problem(
                "items",
                "DEPENDENCY_CYCLE",
                "the items' dependencies go round in a circle",
                {"codes": list(exc.args[1])},
            )
        )
    return problems


def _material_problems(spec: BundleSpec, found: dict[str, MatterVersion]) -> list[Problem]:
    problems: list[Problem] = []
    if len(spec.materials) > MAX_MATERIALS:
        problems.append(
            Problem(
                "materials",
                "BUNDLE_MATERIALS_SIZE",
                f"a bundle asks for at most {MAX_MATERIALS} materials",
                {"max": MAX_MATERIALS},
            )
        )
    seen: set[str] = set()
    for i, material in enumerate(spec.materials):
        if material.code in seen:
            problems.append(
                Problem(
                    f"materials[{i}].code",
                    "DUPLICATE_MATERIAL",
                    f"material {material.code} appears twice",
                    {"code": material.code},
                )
            )
        seen.add(material.code)
        problems += _mapping_problems(i, material, spec, found)
    return problems + _unmapped_problems(spec, found)


def _mapping_problems(
    i: int, material: BundleMaterial, spec: BundleSpec, found: dict[str, MatterVersion]
) -> list[Problem]:
    """What is wrong with where the ``i``-th merged material goes: a matter material that does
    not exist, or a result used by a matter that does not wait for its producer."""
    problems: list[Problem] = []
    for j, target in enumerate(material.maps_to):
        matter = found.get(target.matter_code)
        known = {m.code for m in matter.spec.materials} if matter else set()
        if target.material_code not in known:
            problems.append(
                Problem(
                    f"materials[{i}].mapsTo[{j}]",
                    "UNKNOWN_MATERIAL",
                    f"{target.matter_code} asks for no material {target.material_code!r}",
                    {"codes": [target.material_code]},
                )
            )
        producer = material.produced_by
        if producer is not None and producer not in spec.prerequisites_of(target.matter_code):
            problems.append(
                Problem(
                    f"materials[{i}].producedBy",
                    "RESULT_NOT_A_PREREQUISITE",
                    f"{target.matter_code} does not wait for {producer}, whose result "
                    f"{material.code} is",
                    {"code": producer},
                )
            )
    return problems


def _unmapped_problems(spec: BundleSpec, found: dict[str, MatterVersion]) -> list[Problem]:
    """Each matter's required materials that no merged material maps to."""
    mapped = {(t.matter_code, t.material_code) for m in spec.materials for t in m.maps_to}
    problems: list[Problem] = []
    for item in spec.items:
        matter = found.get(item.matter_code)
        unmapped = [
            m.code
            for m in (matter.spec.materials if matter else ())
            if m.required and (item.matter_code, m.code) not in mapped
        ]
        if unmapped:
            problems.append(
                Problem(
                    "materials",
                    "UNMAPPED_MATERIAL",
                    f"the merged list asks for none of {item.matter_code}'s required "
                    f"{', '.join(unmapped)}",
                    {"code": item.matter_code, "materials": unmapped},
                )
            )
    return problems


async def validate_bundle(conn: asyncpg.Connection, spec: BundleSpec) -> list[Problem]:
    codes = [i.matter_code for i in spec.items]
    found = {v.code: v for v in await catalogue_repo.current_versions_by_code(conn, codes=codes)}
    problems = _item_problems(spec, found) + _material_problems(spec, found)
    lead = spec.lead_department_id
    placements = await gov_repo.department_placements(conn, ids=[lead]) if is_uuid(lead) else {}
    if lead not in placements:
        problems.append(
            Problem("leadDepartmentId", "UNKNOWN_DEPARTMENT", "no such department", {"id": lead})
        )
    if spec.promised_limit < 0:
        problems.append(Problem("promisedLimit", "OUT_OF_RANGE", "a limit is not negative"))
    if not spec.name.strip():
        problems.append(Problem("name", "REQUIRED", "a bundle has a name"))
    return problems


async def publish_bundle(
    conn: asyncpg.Connection, principal: Principal, *, code: str, spec: BundleSpec, clock: Clock
) -> BundleVersion:
    """Publish ``spec`` as the bundle's next version (creating the bundle on its first one);
    applications filed before keep the version they pinned."""
    if not (principal.is_officer and principal.has_role("admin")):
        raise NotAllowedError("only administrators manage the catalogue", problem="ADMINS_ONLY")
    problems = await validate_bundle(conn, spec)
    if problems:
        raise InvalidInputError(problems)
    bundle_id, latest = await repo.lock_or_create_bundle(conn, code=code)
    await repo.publish_version(
        conn,
        bundle_id=bundle_id,
        version=latest + 1,
        spec=spec,
        at=clock.now(),
        published_by=principal.officer_id,
    )
    return await repo.version_of(conn, bundle_id=bundle_id, version=latest + 1)
