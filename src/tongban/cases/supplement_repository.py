"""SQL for supplement notices (补正通知) and the arrival of each material they ask for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg
import msgspec

from tongban.cases.types import SupplementItem, SupplementNotice


async def insert_notice(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    phase: str,
    material_codes: Sequence[str],
    note: str,
    officer_id: str,
    on: date,
    at: datetime,
    period_days: int,
    due_on: date,
) -> str:
    notice_id: str = await conn.fetchval(
        """INSERT INTO supplement_notice (case_id, phase, material_codes, note, requested_by,
                                          requested_on, requested_at, period_days, due_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text""",
        case_id,
        phase,
        list(material_codes),
        note,
        officer_id,
        on,
        at,
        period_days,
        due_on,
    )
    await conn.execute(
        """INSERT INTO supplement_material (notice_id, material_code, position)
           SELECT $1, code, ord FROM unnest($2::text[]) WITH ORDINALITY AS m(code, ord)""",
        notice_id,
        list(material_codes),
    )
    return notice_id


_NOTICES = """
    SELECT n.id::text, n.case_id::text, n.phase, n.note, n.requested_on, n.period_days, n.due_on,
           n.fulfilled_on,
           coalesce(jsonb_agg(jsonb_build_object('material_code', m.material_code,
                                                 'arrived_on', m.arrived_on,
                                                 'arrived_at', m.arrived_at)
                              ORDER BY m.position) FILTER (WHERE m.notice_id IS NOT NULL),
                    '[]') AS items
    FROM supplement_notice n LEFT JOIN supplement_material m ON m.notice_id = n.id
"""


def _notice(row: asyncpg.Record) -> SupplementNotice:
    values = dict(row)
    items = values.pop("items")
    if isinstance(items, str | bytes):
        items = msgspec.json.decode(items)
    return SupplementNotice(
        **values, items=tuple(msgspec.convert(i, SupplementItem) for i in items)
    )


async def notices_of(
    conn: asyncpg.Connection, *, case_ids: Sequence[str]
) -> list[SupplementNotice]:
    rows = await conn.fetch(
        _NOTICES + "WHERE n.case_id = ANY($1::uuid[]) GROUP BY n.id ORDER BY n.requested_at, n.id",
        list(case_ids),
    )
    return [_notice(r) for r in rows]


async def open_notice(conn: asyncpg.Connection, *, case_id: str) -> SupplementNotice | None:
    row = await conn.fetchrow(
        _NOTICES
        + """WHERE n.case_id = $1 AND n.fulfilled_at IS NULL
                      GROUP BY n.id ORDER BY n.requested_at DESC LIMIT 1""",
        case_id,
    )
    return None if row is None else _notice(row)


async def mark_arrived(
    conn: asyncpg.Connection, *, notice_id: str, codes: Sequence[str], on: date, at: datetime
) -> None:
    """The first arrival of each material counts; a corrected file later does not move it."""
    await conn.execute(
        """UPDATE supplement_material SET arrived_on = $3, arrived_at = $4
           WHERE notice_id = $1 AND material_code = ANY($2::text[]) AND arrived_at IS NULL""",
        notice_id,
        list(codes),
        on,
        at,
    )


async def fulfil_notice(
    conn: asyncpg.Connection, *, notice_id: str, on: date, at: datetime
) -> None:
    await conn.execute(
        "UPDATE supplement_notice SET fulfilled_at = $3, fulfilled_on = $2 WHERE id = $1",
        notice_id,
        on,
        at,
    )
