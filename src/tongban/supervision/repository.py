"""SQL for supervision: open warnings and the cases behind the figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.keyset import Order, Window
from tongban.rows import fetch_all
from tongban.supervision.types import FigureCase

_WARNINGS = """
        FROM deadline_warning w
        JOIN deadline_clock k ON k.id = w.clock_id
        JOIN case_record c ON c.id = w.case_id
        LEFT JOIN review_task t ON t.id = k.task_id
        WHERE w.resolved_at IS NULL
          AND ($1::text IS NULL OR c.handling_lineage @> ARRAY[$1::text])
          AND ($2::uuid IS NULL OR COALESCE(t.department_id, c.handling_department_id) = $2::uuid)
          AND w.level = ANY($3::text[])"""


async def open_warnings(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    region_code: str | None,
    department_id: str | None,
    levels: list[str],
    window: Window[tuple[Any, str]],
) -> list[dict[str, Any]]:
    """Open warnings, oldest raised first, in reading order (reversed when paging backwards)."""
    params: list[Any] = [region_code, department_id, levels, window.limit]
    seek, order_by = Order(["w.raised_at", "w.id"], ["timestamptz", "uuid"]).sql(window, params)
    visible = ViewerSql(principal, params).visible()
    rows = await conn.fetch(
        f"""
        SELECT w.id::text, w.level, w.due_on, w.raised_at, k.kind, c.number AS case_number,
               c.id::text AS case_id,
               COALESCE(t.department_id, c.handling_department_id)::text AS department_id,
               c.handling_region AS region_code
        {_WARNINGS}
          {seek}
          AND {visible}
        ORDER BY {order_by}
        LIMIT $4
        """,
        *params,
    )
    return [dict(r) for r in rows]


async def count_open_warnings(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    region_code: str | None,
    department_id: str | None,
    levels: list[str],
) -> int:
    params: list[Any] = [region_code, department_id, levels]
    visible = ViewerSql(principal, params).visible()
    count: int = await conn.fetchval(f"SELECT count(*) {_WARNINGS} AND {visible}", *params)
    return count


async def cases_for_figures(
    conn: asyncpg.Connection, *, principal: Principal, region_code: str, until: date, timezone: str
) -> list[FigureCase]:
    """Cases handled in the region subtree and accepted by ``until``, with their promised clock."""
    params: list[Any] = [region_code, until, timezone]
    visible = ViewerSql(principal, params).visible()
    return await fetch_all(
        conn,
        FigureCase,
        f"""
        SELECT c.id::text, c.handling_department_id::text AS department_id,
               c.handling_region AS region_code, c.state,
               (c.decided_at AT TIME ZONE $3)::date AS decided_on,
               k.start_on, k.limit_days, k.extension_days, k.pauses, k.paused_since,
               k.due_on
        FROM case_record c
        JOIN deadline_clock k ON k.case_id = c.id AND k.kind = 'promised'
        WHERE c.handling_lineage @> ARRAY[$1::text]
          AND c.accepted_on <= $2
          AND {visible}
        """,
        *params,
    )
