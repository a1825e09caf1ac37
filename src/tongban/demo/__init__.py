"""Demo data for development and tests: the places, departments, officers and applicants
(``directory``) and the catalogue (``matters``), loaded idempotently, so safe at every start."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg
import msgspec

from tongban.bundles import repository as bundle_repo
from tongban.bundles.catalogue import validate_bundle
from tongban.catalogue import repository as catalogue_repo
from tongban.catalogue.service import validate_spec
from tongban.catalogue.types import MatterSpec
from tongban.demo.directory import DEPARTMENTS, OFFICERS, REGIONS
from tongban.demo.matters import BUNDLES, MATTERS
from tongban.government import repository as gov_repo

log = logging.getLogger(__name__)
# Demo bundles are data, not an administrator's act at some moment: one fixed instant.
DEMO_PUBLISHED = datetime(2026, 1, 1, tzinfo=UTC)


def with_department_ids(spec: MatterSpec, ids: dict[str, str]) -> MatterSpec:
    """The demo spec with its department codes replaced by the departments' ids."""
    return msgspec.structs.replace(
        spec,
        department_id=ids[spec.department_id],
        review_plan=tuple(
            msgspec.structs.replace(
                stage, department_ids=tuple(ids[d] for d in stage.department_ids)
            )
            for stage in spec.review_plan
        ),
    )


async def load_demo_data(conn: asyncpg.Connection) -> dict[str, int]:
    """Insert whatever of the demo data is missing; safe to run at every start."""
    created = {"matters": 0}
    async with conn.transaction():
        # Two `tongban run`s (or pods) seeding at once take turns.
        await conn.execute("SELECT pg_advisory_xact_lock(7468646)")
        for code, name, level, parent in REGIONS:
            await gov_repo.upsert_region(
                conn, code=code, name=name, level=level, parent_code=parent
            )
        department_ids: dict[str, str] = {}
        for code, name, region in DEPARTMENTS:
            department_ids[code] = await gov_repo.upsert_department(
                conn, code=code, name=name, region_code=region
            )
        for i, (username, name, department, roles, clearance) in enumerate(OFFICERS):
            await gov_repo.upsert_officer(
                conn,
                username=username,
                name=name,
                department_id=department_ids[department],
                roles=roles,
                clearance=clearance,
                mobile=f"1390000{i:04d}",
                email=f"{username}@gov.example.cn",
            )
        for m in MATTERS:
            spec = with_department_ids(m.spec, department_ids)
            problems = await validate_spec(conn, spec)
            if problems:
                raise RuntimeError(f"demo matter {m.code} is invalid: {problems}")
            matter_id = await catalogue_repo.insert_matter(conn, code=m.code)
            if matter_id is None:
                continue
            await catalogue_repo.insert_version(
                conn, matter_id=matter_id, version=1, spec=spec, created_by=None
            )
            await catalogue_repo.publish(conn, matter_id=matter_id, version=1, officer_id=None)
            created["matters"] += 1
        await _load_bundles(conn, department_ids)
    log.info("demo data loaded", extra=created)
    return created


async def _load_bundles(conn: asyncpg.Connection, department_ids: dict[str, str]) -> None:
    """一件事一次办: the demo bundles' first versions, unless they exist."""
    existing = {b.code for b in await bundle_repo.current_versions(conn)}
    for b in BUNDLES:
        if b.code in existing:
            continue
        spec = msgspec.structs.replace(
            b.spec, lead_department_id=department_ids[b.spec.lead_department_id]
        )
        problems = await validate_bundle(conn, spec)
        if problems:
            raise RuntimeError(f"demo bundle {b.code} is invalid: {problems}")
        bundle_id, _ = await bundle_repo.lock_or_create_bundle(conn, code=b.code)
        await bundle_repo.publish_version(
            conn, bundle_id=bundle_id, version=1, spec=spec, at=DEMO_PUBLISHED, published_by=None
        )
