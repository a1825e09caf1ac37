"""SQL of bundles: the catalogue's bundles and versions, and bundle applications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from tongban.bundles.types import BundleApplication, BundleSpec, BundleVersion
from tongban.cases.repository import _CASE_COLUMNS, _case
from tongban.cases.types import Case


def _version(r: Any) -> BundleVersion:
    return BundleVersion(
        bundle_id=r["bundle_id"],
        code=r["code"],
        version=r["version"],
        spec=msgspec.convert(r["spec"], BundleSpec),
        published_at=r["published_at"],
    )


async def lock_or_create_bundle(conn: asyncpg.Connection, *, code: str) -> tuple[str, int]:
    """The bundle's id and its latest version number (0 for a new one), locked."""
    await conn.execute("INSERT INTO bundle (code) VALUES ($1) ON CONFLICT (code) DO NOTHING", code)
    row = await conn.fetchrow(
        """SELECT b.id::text, COALESCE(max(v.version), 0) AS latest
           FROM bundle b LEFT JOIN bundle_version v ON v.bundle_id = b.id
           WHERE b.code = $1 GROUP BY b.id""",
        code,
    )
    await conn.execute("SELECT 1 FROM bundle WHERE id = $1 FOR UPDATE", row["id"])
    return row["id"], row["latest"]


async def publish_version(
    conn: asyncpg.Connection,
    *,
    bundle_id: str,
    version: int,
    spec: BundleSpec,
    at: datetime,
    published_by: str | None,
) -> None:
    await conn.execute(
        """INSERT INTO bundle_version
               (bundle_id, version, lead_department_id, spec, published_at, published_by)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        bundle_id,
        version,
        spec.lead_department_id,
        msgspec.to_builtins(spec),
        at,
        published_by,
    )
    await conn.execute("UPDATE bundle SET current_version = $2 WHERE id = $1", bundle_id, version)


_VERSION_SELECT = """SELECT v.bundle_id::text, b.code, v.version, v.spec, v.published_at
    FROM bundle b JOIN bundle_version v ON v.bundle_id = b.id"""


async def current_versions(
    conn: asyncpg.Connection, *, codes: Sequence[str] | None = None
) -> list[BundleVersion]:
    """The versions in force, by code (every bundle when ``codes`` is None)."""
    rows = await conn.fetch(
        f"""{_VERSION_SELECT} WHERE v.version = b.current_version
            AND ($1::text[] IS NULL OR b.code = ANY($1)) ORDER BY b.code""",
        None if codes is None else list(codes),
    )
    return [_version(r) for r in rows]


async def version_of(conn: asyncpg.Connection, *, bundle_id: str, version: int) -> BundleVersion:
    row = await conn.fetchrow(
        f"{_VERSION_SELECT} WHERE v.bundle_id = $1 AND v.version = $2", bundle_id, version
    )
    return _version(row)


async def versions_by_key(
    conn: asyncpg.Connection, *, keys: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], BundleVersion]:
    """The versions named by (bundle id, version), in one query."""
    rows = await conn.fetch(
        f"""{_VERSION_SELECT}
            JOIN unnest($1::uuid[], $2::int[]) AS k(bundle_id, version)
              ON k.bundle_id = v.bundle_id AND k.version = v.version""",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    found = [_version(r) for r in rows]
    return {(v.bundle_id, v.version): v for v in found}


_APPLICATION_COLUMNS = """a.id::text, a.bundle_id::text, a.bundle_version,
    a.applicant_id::text, a.submitted_by, a.receiving_region, a.received_at, a.received_on"""


async def find_application_by_key(
    conn: asyncpg.Connection, *, submitted_by: str, key: str
) -> tuple[str, str] | None:
    row = await conn.fetchrow(
        """SELECT id::text, request_hash FROM bundle_application
           WHERE submitted_by = $1 AND idempotency_key = $2""",
        submitted_by,
        key,
    )
    return None if row is None else (row["id"], row["request_hash"])


async def insert_application(
    conn: asyncpg.Connection,
    *,
    bundle: BundleVersion,
    applicant_id: str,
    submitted_by: str,
    key: str,
    request_hash: str,
    region_code: str,
    at: datetime,
    on: date,
) -> str:
    value: str = await conn.fetchval(
        """INSERT INTO bundle_application (bundle_id, bundle_version, applicant_id, submitted_by,
               idempotency_key, request_hash, receiving_region, received_at, received_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text""",
        bundle.bundle_id,
        bundle.version,
        applicant_id,
        submitted_by,
        key,
        request_hash,
        region_code,
        at,
        on,
    )
    return value


async def applications_by_id(
    conn: asyncpg.Connection, *, ids: Sequence[str]
) -> list[BundleApplication]:
    rows = await conn.fetch(
        f"SELECT {_APPLICATION_COLUMNS} FROM bundle_application a WHERE a.id = ANY($1::uuid[])",
        list(ids),
    )
    return [msgspec.convert(dict(r), BundleApplication) for r in rows]


async def item_case_ids(
    conn: asyncpg.Connection, *, application_ids: Sequence[str]
) -> dict[str, list[str]]:
    """The case ids of each application, in the bundle's order."""
    rows = await conn.fetch(
        """SELECT bundle_application_id::text AS a, id::text FROM case_record
           WHERE bundle_application_id = ANY($1::uuid[]) ORDER BY bundle_position""",
        list(application_ids),
    )
    found: dict[str, list[str]] = {a: [] for a in application_ids}
    for r in rows:
        found[r["a"]].append(r["id"])
    return found


async def lock_siblings(
    conn: asyncpg.Connection, *, application_id: str
) -> list[tuple[str, str, str, str]]:
    """(case id, number, matter code, state) of every item, in the bundle's order, read under
    the application's lock.

    The lock serialises the outcomes of one bundle's items, so that of two prerequisites
    approved at once the second sees the first (read committed) and releases what waits for
    both. It is a transaction advisory lock rather than row locks on the siblings: each
    outcome already holds its own case's row, and locking the others' would deadlock two
    outcomes against each other."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"bundle|{application_id}"
    )
    rows = await conn.fetch(
        """SELECT c.id::text, c.number, m.code, c.state FROM case_record c
           JOIN matter m ON m.id = c.matter_id
           WHERE c.bundle_application_id = $1 ORDER BY c.bundle_position""",
        application_id,
    )
    return [(r["id"], r["number"], r["code"], r["state"]) for r in rows]


async def item_cases(conn: asyncpg.Connection, *, application_id: str) -> list[Case]:
    """The application's cases as they are now, in the bundle's order."""
    rows = await conn.fetch(
        f"""SELECT {_CASE_COLUMNS} FROM case_record c
            WHERE c.bundle_application_id = $1 ORDER BY c.bundle_position""",
        application_id,
    )
    return [_case(r) for r in rows]


async def item_matter_codes(conn: asyncpg.Connection, *, application_id: str) -> dict[str, str]:
    """Each item's case id and its matter's code."""
    rows = await conn.fetch(
        """SELECT c.id::text, m.code FROM case_record c JOIN matter m ON m.id = c.matter_id
           WHERE c.bundle_application_id = $1""",
        application_id,
    )
    return {r["id"]: r["code"] for r in rows}


async def cases_of_applications(
    conn: asyncpg.Connection, *, application_ids: Sequence[str]
) -> list[Case]:
    rows = await conn.fetch(
        f"""SELECT {_CASE_COLUMNS} FROM case_record c
            WHERE c.bundle_application_id = ANY($1::uuid[])
            ORDER BY c.bundle_application_id, c.bundle_position""",
        list(application_ids),
    )
    return [_case(r) for r in rows]


async def open_applications_in(
    conn: asyncpg.Connection, *, region_code: str, concluded: Sequence[str], limit: int
) -> list[str]:
    """Applications received in the region (or below) with an item still open, oldest first."""
    rows = await conn.fetch(
        """SELECT a.id::text FROM bundle_application a
           WHERE EXISTS (SELECT 1 FROM case_record c
                         WHERE c.bundle_application_id = a.id
                           AND $1 = ANY(c.receiving_lineage)
                           AND NOT (c.state = ANY($2::text[])))
           ORDER BY a.received_at, a.id LIMIT $3""",
        region_code,
        list(concluded),
        limit,
    )
    return [r["id"] for r in rows]


async def lock_waiting_item(conn: asyncpg.Connection, *, case_id: str) -> Case | None:
    """The waiting item, locked; None when another transaction holds it (the applicant
    withdrawing it holds its row and waits for the bundle's lock this caller holds: waiting for
    it in turn would deadlock) or it no longer waits."""
    row = await conn.fetchrow(
        f"""SELECT {_CASE_COLUMNS} FROM case_record c WHERE c.id = $1 AND c.state = 'waiting'
            FOR UPDATE SKIP LOCKED""",
        case_id,
    )
    return None if row is None else _case(row)
