"""Catalogue use cases: search, create, edit and publish matters.

The caller owns the transaction; these functions never commit.
"""

from __future__ import annotations

import re

import asyncpg

from tongban.auth.errors import NotAllowedError
from tongban.auth.types import Principal
from tongban.catalogue import repository as repo
from tongban.catalogue.errors import MatterCodeTakenError, MatterNotFoundError, StaleDraftError
from tongban.catalogue.types import (
    MatterFilter,
    MatterSpec,
    MatterVersion,
)
from tongban.catalogue.validation import spec_problems
from tongban.errors import ConflictError, InvalidInputError, Problem
from tongban.government import repository as gov_repo
from tongban.identifiers import is_uuid
from tongban.keyset import Window

_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{2,64}$")


async def validate_spec(conn: asyncpg.Connection, spec: MatterSpec) -> list[Problem]:
    """Every rule a matter version must satisfy, reported together for the admin's form."""
    referenced = {spec.department_id} | {d for s in spec.review_plan for d in s.department_ids}
    well_formed = [d for d in referenced if is_uuid(d)]
    placements = await gov_repo.department_placements(conn, ids=well_formed)
    known = await gov_repo.regions_by_code(conn, codes=list(spec.cross_region_receiving))
    found = {r.code for r in known}
    return spec_problems(spec, placements) + [
        Problem(
            f"crossRegionReceiving[{i}]",
            "UNKNOWN_REGION",
            f"unknown region {code}",
            {"code": code},
        )
        for i, code in enumerate(spec.cross_region_receiving)
        if code not in found
    ]


async def _ensure_admin_for(
    conn: asyncpg.Connection, principal: Principal, department_id: str
) -> None:
    """Admins manage the matters of departments in their own region or below it."""
    _require_admin_role(principal)
    placements = (
        await gov_repo.department_placements(conn, ids=[department_id])
        if is_uuid(department_id)
        else {}
    )
    placed = placements.get(department_id)
    if placed is not None and principal.region_code not in placed.lineage:
        raise NotAllowedError(
            "administrators manage only matters of departments in their region or below it",
            problem="OUTSIDE_ADMIN_REGION",
        )


def _require_admin_role(principal: Principal) -> None:
    """Checked before anything is looked up: whether a matter, a draft or a code exists is
    itself information a non-administrator must not learn from a refusal."""
    if not (principal.is_officer and principal.has_role("admin")):
        raise NotAllowedError("only administrators manage the catalogue", problem="ADMINS_ONLY")


async def _require_valid(conn: asyncpg.Connection, spec: MatterSpec) -> None:
    problems = await validate_spec(conn, spec)
    if problems:
        raise InvalidInputError(problems)


async def create_matter(
    conn: asyncpg.Connection, principal: Principal, *, code: str, spec: MatterSpec
) -> MatterVersion:
    """Create a matter with its first draft version."""
    _require_admin_role(principal)
    if not _CODE_RE.match(code):
        raise InvalidInputError(
            [Problem("code", "INVALID_CODE", "code must be 2–64 letters, digits, '-' or '_'")]
        )
    await _ensure_admin_for(conn, principal, spec.department_id)
    await _require_valid(conn, spec)
    matter_id = await repo.insert_matter(conn, code=code)
    if matter_id is None:
        raise MatterCodeTakenError(
            f"a matter with code {code} already exists", field="code", params={"code": code}
        )
    await repo.insert_version(
        conn, matter_id=matter_id, version=1, spec=spec, created_by=principal.officer_id
    )
    draft = await repo.draft_of(conn, matter_id=matter_id)
    assert draft is not None
    return draft


async def save_draft(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    code: str,
    spec: MatterSpec,
    expected_revision: int | None,
) -> MatterVersion:
    """Edit the matter's draft, starting a new draft version if none is open.

    ``expected_revision`` is the draft revision the admin loaded; a different current one means
    someone else saved in between, and this save is refused rather than silently overwriting.
    """
    _require_admin_role(principal)
    matter = await repo.lock_matter(conn, code=code)
    if matter is None:
        raise MatterNotFoundError(
            f"no matter with code {code}", field="code", params={"code": code}
        )
    await _ensure_admin_for(conn, principal, spec.department_id)
    current_department = await _department_of_current(conn, matter.id)
    if current_department is not None:
        await _ensure_admin_for(conn, principal, current_department)
    await _require_valid(conn, spec)
    draft = await repo.draft_of(conn, matter_id=matter.id)
    if draft is None:
        if expected_revision is not None:
            raise StaleDraftError("the draft was published meanwhile; reload the matter")
        version = await repo.latest_version_number(conn, matter_id=matter.id) + 1
        await repo.insert_version(
            conn, matter_id=matter.id, version=version, spec=spec, created_by=principal.officer_id
        )
    else:
        revision = draft.revision if expected_revision is None else expected_revision
        if not await repo.update_draft(
            conn, matter_id=matter.id, version=draft.version, spec=spec, revision=revision
        ):
            raise StaleDraftError(
                f"the draft was changed by someone else (now revision {draft.revision})",
                details={"currentRevision": draft.revision},
            )
    saved = await repo.draft_of(conn, matter_id=matter.id)
    assert saved is not None
    return saved


async def _department_of_current(conn: asyncpg.Connection, matter_id: str) -> str | None:
    versions = await repo.versions_of(conn, matter_ids=[matter_id], published_only=False)
    return versions[0].spec.department_id if versions else None


async def publish(
    conn: asyncpg.Connection, principal: Principal, *, code: str, expected_revision: int | None
) -> MatterVersion:
    """Publish the draft: from now on it never changes, and new cases pin it."""
    _require_admin_role(principal)
    matter = await repo.lock_matter(conn, code=code)
    if matter is None:
        raise MatterNotFoundError(
            f"no matter with code {code}", field="code", params={"code": code}
        )
    draft = await repo.draft_of(conn, matter_id=matter.id)
    if draft is None:
        raise ConflictError(
            f"matter {code} has no draft to publish",
            field="code",
            problem="NO_DRAFT",
            params={"code": code},
        )
    await _ensure_admin_for(conn, principal, draft.spec.department_id)
    if expected_revision is not None and expected_revision != draft.revision:
        raise StaleDraftError(
            f"the draft was changed by someone else (now revision {draft.revision})",
            details={"currentRevision": draft.revision},
        )
    await _require_valid(conn, draft.spec)
    await repo.publish(
        conn, matter_id=matter.id, version=draft.version, officer_id=principal.officer_id
    )
    versions = await repo.versions_of(conn, matter_ids=[matter.id], published_only=True)
    return versions[0]


async def search(
    conn: asyncpg.Connection, *, filter: MatterFilter, window: Window[tuple[str]]
) -> list[MatterVersion]:
    return await repo.search_current(conn, filter=filter, window=window)


async def count(conn: asyncpg.Connection, *, filter: MatterFilter) -> int:
    return await repo.count_current(conn, filter=filter)
