"""SQL for the materials a case owes after a deferred acceptance (容缺受理): what, by when, and
when each arrived. Rows are written at acceptance and completed on arrival, never deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from tongban.cases.types import OwedMaterial
from tongban.rows import Select

_OWED = Select(
    OwedMaterial,
    """case_id::text, material_code, name, due_on, undertaking_at, arrived_on, arrived_at""",
    "case_owed_material",
)


async def insert_owed(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    materials: Sequence[tuple[str, str]],
    due_on: date,
    accepted_by: str | None,
    at: datetime,
) -> None:
    """One row per (code, name) owed, all due on ``due_on``; the undertaking was signed ``at``."""
    await conn.executemany(
        """INSERT INTO case_owed_material (case_id, material_code, name, due_on, undertaking_at,
                                          accepted_by)
           VALUES ($1::uuid, $2, $3, $4, $5, $6::uuid)""",
        [(case_id, code, name, due_on, at, accepted_by) for code, name in materials],
    )


async def owed_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[OwedMaterial]:
    return await _OWED.all(
        conn,
        "WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, due_on, material_code",
        list(case_ids),
    )


async def mark_arrived(
    conn: asyncpg.Connection, *, case_id: str, codes: Sequence[str], on: date, at: datetime
) -> None:
    await conn.execute(
        """UPDATE case_owed_material SET arrived_on = $3, arrived_at = $4
           WHERE case_id = $1::uuid AND material_code = ANY($2::text[]) AND arrived_at IS NULL""",
        case_id,
        list(codes),
        on,
        at,
    )
