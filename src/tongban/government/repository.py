"""SQL for regions, departments and officers."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from tongban.government.types import Department, Officer, Region
from tongban.rows import Select, struct_of

_REGION_COLUMNS = "code, name, level, parent_code, lineage"
_DEPARTMENT_COLUMNS = "id::text, code, name, region_code"
_OFFICER_COLUMNS = (
    "id::text, username, name, department_id::text, roles, clearance, mobile, email, active"
)
_REGIONS = Select(Region, _REGION_COLUMNS, "region")
_DEPARTMENTS = Select(Department, _DEPARTMENT_COLUMNS, "department")
_OFFICERS = Select(Officer, _OFFICER_COLUMNS, "officer")


async def regions_by_code(conn: asyncpg.Connection, *, codes: Sequence[str]) -> list[Region]:
    return await _REGIONS.all(conn, "WHERE code = ANY($1::text[])", list(codes))


async def region_children(conn: asyncpg.Connection, *, parent_codes: Sequence[str]) -> list[Region]:
    return await _REGIONS.all(
        conn, "WHERE parent_code = ANY($1::text[]) ORDER BY code", list(parent_codes)
    )


async def region_descendants(
    conn: asyncpg.Connection, *, codes: Sequence[str]
) -> list[tuple[str, Region]]:
    """(ancestor code, region) for every region below each of ``codes``, level by level — one
    statement for any number of ancestors (a page of regions asks for all of theirs at once)."""
    rows = await conn.fetch(
        f"""SELECT a.code AS ancestor, {", ".join("r." + c for c in _REGION_COLUMNS.split(", "))}
            FROM unnest($1::text[]) AS a(code)
            JOIN region r ON r.lineage @> ARRAY[a.code] AND r.code <> a.code
            ORDER BY a.code, array_length(r.lineage, 1), r.code""",
        list(codes),
    )
    return [(r["ancestor"], struct_of(Region, r)) for r in rows]


async def list_regions(conn: asyncpg.Connection, *, level: str | None = None) -> list[Region]:
    return await _REGIONS.all(conn, "WHERE $1::text IS NULL OR level = $1 ORDER BY code", level)


async def upsert_region(
    conn: asyncpg.Connection, *, code: str, name: str, level: str, parent_code: str | None
) -> None:
    await conn.execute(
        """
        INSERT INTO region (code, name, level, parent_code, lineage)
        VALUES ($1, $2, $3, $4,
                COALESCE((SELECT lineage FROM region WHERE code = $4), '{}') || ARRAY[$1::text])
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
        """,
        code,
        name,
        level,
        parent_code,
    )


async def departments_by_id(conn: asyncpg.Connection, *, ids: Sequence[str]) -> list[Department]:
    return await _DEPARTMENTS.all(conn, "WHERE id = ANY($1::uuid[])", list(ids))


async def departments_of_regions(
    conn: asyncpg.Connection, *, region_codes: Sequence[str]
) -> list[Department]:
    return await _DEPARTMENTS.all(
        conn, "WHERE region_code = ANY($1::text[]) ORDER BY code", list(region_codes)
    )


async def department_ids_existing(conn: asyncpg.Connection, *, ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch("SELECT id::text FROM department WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"] for r in rows}


async def upsert_department(
    conn: asyncpg.Connection, *, code: str, name: str, region_code: str
) -> str:
    value: str = await conn.fetchval(
        """
        INSERT INTO department (code, name, region_code) VALUES ($1, $2, $3)
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
        RETURNING id::text
        """,
        code,
        name,
        region_code,
    )
    return value


async def officer_by_id(conn: asyncpg.Connection, *, officer_id: str) -> Officer | None:
    return await _OFFICERS.first(conn, "WHERE id = $1", officer_id)


async def officer_by_username(conn: asyncpg.Connection, *, username: str) -> Officer | None:
    return await _OFFICERS.first(conn, "WHERE username = $1", username)


async def list_officers(conn: asyncpg.Connection) -> list[Officer]:
    return await _OFFICERS.all(conn, "ORDER BY username")


async def upsert_officer(
    conn: asyncpg.Connection,
    *,
    username: str,
    name: str,
    department_id: str,
    roles: Sequence[str],
    clearance: int,
    mobile: str | None,
    email: str | None,
) -> str:
    value: str = await conn.fetchval(
        """
        INSERT INTO officer (username, name, department_id, roles, clearance, mobile, email)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (username) DO UPDATE
           SET name = EXCLUDED.name, department_id = EXCLUDED.department_id,
               roles = EXCLUDED.roles, clearance = EXCLUDED.clearance,
               mobile = EXCLUDED.mobile, email = EXCLUDED.email
        RETURNING id::text
        """,
        username,
        name,
        department_id,
        list(roles),
        clearance,
        mobile,
        email,
    )
    return value


async def department_placements(
    conn: asyncpg.Connection, *, ids: Sequence[str]
) -> dict[str, Region]:
    """The region each existing department belongs to (unknown ids are absent)."""
    rows = await conn.fetch(
        f"""SELECT d.id::text AS department_id, {", ".join("r." + c for c in _REGION_COLUMNS.split(", "))}
            FROM department d JOIN region r ON r.code = d.region_code
            WHERE d.id = ANY($1::uuid[])""",
        list(ids),
    )
    return {r["department_id"]: struct_of(Region, r) for r in rows}
