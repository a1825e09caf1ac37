"""SQL for matters and their versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from tongban.catalogue import guide
from tongban.catalogue.types import Matter, MatterFilter, MatterSpec, MatterVersion
from tongban.keyset import Order, Window

_VERSION_COLUMNS = """
    v.matter_id::text, m.code, v.version, v.name, v.description, v.category, v.case_type,
    v.level, v.department_id::text, v.statutory_limit, v.promised_limit, v.joint_handling,
    v.confidentiality, v.materials, v.review_plan, v.matter_kind, v.cross_region_receiving,
    v.guide, v.commitment, v.supplement_period_days, v.public_results, v.licence, v.revision,
    v.created_at, v.updated_at,
    v.published_at, v.published_by::text
"""

VERSION_JSON = """json_build_object(
    'matter_id', v.matter_id::text, 'code', m.code, 'version', v.version,
    'spec', json_build_object(
        'name', v.name, 'description', v.description, 'category', v.category,
        'case_type', v.case_type, 'level', v.level, 'department_id', v.department_id::text,
        'statutory_limit', v.statutory_limit, 'promised_limit', v.promised_limit,
        'joint_handling', v.joint_handling, 'confidentiality', v.confidentiality,
        'materials', v.materials, 'review_plan', v.review_plan, 'matter_kind', v.matter_kind,
        'cross_region_receiving', v.cross_region_receiving, 'guide', v.guide,
        'commitment', v.commitment, 'supplement_period_days', v.supplement_period_days,
        'public_results', v.public_results, 'licence', v.licence),
    'revision', v.revision, 'created_at', v.created_at, 'updated_at', v.updated_at,
    'published_at', v.published_at, 'published_by', v.published_by::text)"""
"""A version (``matter_version v JOIN matter m``) as the JSON of a ``MatterVersion``, for a
statement that reads a page's relations in one go (``cases/view_repository.py``)."""


def _version(r: Any) -> MatterVersion:
    spec = msgspec.convert(
        {
            "name": r["name"],
            "description": r["description"],
            "category": r["category"],
            "case_type": r["case_type"],
            "level": r["level"],
            "department_id": r["department_id"],
            "statutory_limit": r["statutory_limit"],
            "promised_limit": r["promised_limit"],
            "joint_handling": r["joint_handling"],
            "confidentiality": r["confidentiality"],
            "materials": r["materials"],
            "review_plan": r["review_plan"],
            "matter_kind": r["matter_kind"],
            "cross_region_receiving": r["cross_region_receiving"],
            "guide": r["guide"],
            "commitment": r["commitment"],
            "supplement_period_days": r["supplement_period_days"],
            "public_results": r["public_results"],
            "licence": r["licence"],
        },
        MatterSpec,
    )
    return MatterVersion(
        matter_id=r["matter_id"],
        code=r["code"],
        version=r["version"],
        spec=spec,
        revision=r["revision"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        published_at=r["published_at"],
        published_by=r["published_by"],
    )


def _matter(r: Any) -> Matter:
    return Matter(
        id=r["id"], code=r["code"], current_version=r["current_version"], created_at=r["created_at"]
    )


def _spec_args(spec: MatterSpec) -> list[Any]:
    return [
        spec.name,
        spec.description,
        spec.category,
        spec.case_type,
        spec.level,
        spec.department_id,
        spec.statutory_limit,
        spec.promised_limit,
        spec.joint_handling,
        spec.confidentiality,
        msgspec.to_builtins(spec.materials),
        msgspec.to_builtins(spec.review_plan),
        spec.matter_kind,
        list(spec.cross_region_receiving),
        msgspec.to_builtins(spec.guide),
        guide.search_text(spec.guide),
        msgspec.to_builtins(spec.commitment),
        spec.supplement_period_days,
        spec.public_results,
        msgspec.to_builtins(spec.licence),
    ]


async def insert_matter(conn: asyncpg.Connection, *, code: str) -> str | None:
    """Create the matter row; ``None`` when the code is taken."""
    value: str | None = await conn.fetchval(
        "INSERT INTO matter (code) VALUES ($1) ON CONFLICT (code) DO NOTHING RETURNING id::text",
        code,
    )
    return value


async def insert_version(
    conn: asyncpg.Connection,
    *,
    matter_id: str,
    version: int,
    spec: MatterSpec,
    created_by: str | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO matter_version (
            matter_id, version, name, description, category, case_type, level, department_id,
            statutory_limit, promised_limit, joint_handling, confidentiality, materials,
            review_plan, matter_kind, cross_region_receiving, guide, guide_text, commitment,
            supplement_period_days, public_results, licence, created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, $19, $20, $21, $22, $23)
        """,
        matter_id,
        version,
        *_spec_args(spec),
        created_by,
    )


async def update_draft(
    conn: asyncpg.Connection, *, matter_id: str, version: int, spec: MatterSpec, revision: int
) -> bool:
    """Overwrite the draft if nobody edited it since ``revision``; False on a lost race."""
    status: str = await conn.execute(
        """
        UPDATE matter_version SET
            name = $3, description = $4, category = $5, case_type = $6, level = $7,
            department_id = $8, statutory_limit = $9, promised_limit = $10,
            joint_handling = $11, confidentiality = $12, materials = $13, review_plan = $14,
            matter_kind = $15, cross_region_receiving = $16, guide = $17, guide_text = $18,
            commitment = $19, supplement_period_days = $20, public_results = $21, licence = $22,
            -- audit of an administrator's real act (not case time): the database clock
            revision = revision + 1, updated_at = now()
        WHERE matter_id = $1 AND version = $2 AND revision = $23 AND published_at IS NULL
        """,
        matter_id,
        version,
        *_spec_args(spec),
        revision,
    )
    return status == "UPDATE 1"


async def lock_matter(conn: asyncpg.Connection, *, code: str) -> Matter | None:
    """Read the matter and hold its row lock: edits and publishes of one matter take turns."""
    row = await conn.fetchrow(
        "SELECT id::text, code, current_version, created_at FROM matter WHERE code = $1 FOR UPDATE",
        code,
    )
    return None if row is None else _matter(row)


async def matters_by_code(conn: asyncpg.Connection, *, codes: Sequence[str]) -> list[Matter]:
    rows = await conn.fetch(
        "SELECT id::text, code, current_version, created_at FROM matter WHERE code = ANY($1)",
        list(codes),
    )
    return [_matter(r) for r in rows]


async def draft_of(conn: asyncpg.Connection, *, matter_id: str) -> MatterVersion | None:
    row = await conn.fetchrow(
        f"""SELECT {_VERSION_COLUMNS} FROM matter_version v JOIN matter m ON m.id = v.matter_id
            WHERE v.matter_id = $1 AND v.published_at IS NULL""",
        matter_id,
    )
    return None if row is None else _version(row)


async def latest_version_number(conn: asyncpg.Connection, *, matter_id: str) -> int:
    value: int = await conn.fetchval(
        "SELECT coalesce(max(version), 0) FROM matter_version WHERE matter_id = $1", matter_id
    )
    return value


async def publish(
    conn: asyncpg.Connection, *, matter_id: str, version: int, officer_id: str | None
) -> None:
    await conn.execute(
        # Audit of an administrator's real act (not case time): the database clock.
        """UPDATE matter_version SET published_at = now(), published_by = $3
           WHERE matter_id = $1 AND version = $2 AND published_at IS NULL""",
        matter_id,
        version,
        officer_id,
    )
    await conn.execute("UPDATE matter SET current_version = $2 WHERE id = $1", matter_id, version)
    await conn.execute(
        """INSERT INTO matter_search (matter_id, text)
           SELECT m.id, concat_ws(E'\\n', m.code, v.name, v.description, v.guide_text)
           FROM matter m JOIN matter_version v ON v.matter_id = m.id AND v.version = $2
           WHERE m.id = $1
           ON CONFLICT (matter_id) DO UPDATE SET text = excluded.text""",
        matter_id,
        version,
    )


async def versions_of(
    conn: asyncpg.Connection, *, matter_ids: Sequence[str], published_only: bool
) -> list[MatterVersion]:
    rows = await conn.fetch(
        f"""SELECT {_VERSION_COLUMNS} FROM matter_version v JOIN matter m ON m.id = v.matter_id
            WHERE v.matter_id = ANY($1::uuid[]) AND (NOT $2 OR v.published_at IS NOT NULL)
            ORDER BY v.matter_id, v.version DESC""",
        list(matter_ids),
        published_only,
    )
    return [_version(r) for r in rows]


async def current_versions_by_code(
    conn: asyncpg.Connection, *, codes: Sequence[str]
) -> list[MatterVersion]:
    rows = await conn.fetch(
        f"""SELECT {_VERSION_COLUMNS} FROM matter m
            JOIN matter_version v ON v.matter_id = m.id AND v.version = m.current_version
            WHERE m.code = ANY($1::text[])""",
        list(codes),
    )
    return [_version(r) for r in rows]


def _like_pattern(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_SEARCH_CONDITIONS = """
          ($1::text IS NULL OR s.text ILIKE $1)
          AND ($2::text IS NULL OR v.category = $2)
          AND ($3::text IS NULL OR r.lineage @> ARRAY[$3::text])
          AND ($4::uuid IS NULL OR v.department_id = $4)
          AND ($5::text IS NULL OR v.level = $5)"""

_SEARCH_SOURCE = """
        FROM matter m
        JOIN matter_version v ON v.matter_id = m.id AND v.version = m.current_version
        -- code, name, description and guide of the version in force, under one trigram index
        JOIN matter_search s ON s.matter_id = m.id
        JOIN department d ON d.id = v.department_id
        JOIN region r ON r.code = d.region_code"""


def _search_params(filter: MatterFilter) -> list[Any]:
    return [
        None if not filter.keyword else _like_pattern(filter.keyword),
        filter.category,
        filter.region_code,
        filter.department_id,
        filter.level,
    ]


async def search_current(
    conn: asyncpg.Connection, *, filter: MatterFilter, window: Window[tuple[str]]
) -> list[MatterVersion]:
    """Published matters in code order, within ``window`` (keyset pagination; in reading
    order, reversed when paging backwards).

    Ordering by the unique code makes pages stable: paging neither repeats nor skips a matter
    even while others are published in between.
    """
    params = _search_params(filter)
    seek, order_by = Order(["m.code"], ["text"]).sql(window, params)
    params.append(window.limit)
    rows = await conn.fetch(
        f"""
        SELECT {_VERSION_COLUMNS} {_SEARCH_SOURCE}
        WHERE {_SEARCH_CONDITIONS} {seek}
        ORDER BY {order_by}
        LIMIT ${len(params)}
        """,
        *params,
    )
    return [_version(r) for r in rows]


async def count_current(conn: asyncpg.Connection, *, filter: MatterFilter) -> int:
    count: int = await conn.fetchval(
        f"SELECT count(*) {_SEARCH_SOURCE} WHERE {_SEARCH_CONDITIONS}", *_search_params(filter)
    )
    return count
