"""SQL for the personal-data access audit: one set-based insert per request, and the log read
in keyset pages (the export streams the same query through a cursor)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tongban.audit.types import Access, AccessFilter, Accessor, AccessRecord
from tongban.criteria import Criterion, as_is, bind, conditions
from tongban.keyset import Order, Window
from tongban.rows import fetch_all, struct_of

_COLUMNS = """a.id::text, a.seq, a.at, a.officer_id::text, a.officer_name, a.officer_roles,
    a.department_id::text, a.case_id::text, a.case_number, a.applicant_id::text, a.fields,
    a.channel, a.request_id, a.client_address"""
_ORDER = Order(["a.at", "a.seq"], ["timestamptz", "bigint"], descending=True)


async def insert_accesses(
    conn: asyncpg.Connection, *, accessor: Accessor, at: datetime, accesses: Sequence[Access]
) -> int:
    """Every access of one request in one statement; the case's number, applicant and regions
    and the officer's region are copied as they are now. Returns the rows written."""
    if not accesses:
        return 0
    status: str = await conn.execute(
        """
        INSERT INTO pii_access (at, officer_id, officer_name, officer_roles, department_id,
                                officer_lineage, case_id, case_number, applicant_id,
                                case_lineage, fields, channel, request_id, client_address)
        SELECT $1, $2::uuid, $3, $4::text[], $5::uuid,
               COALESCE((SELECT r.lineage FROM department d JOIN region r
                         ON r.code = d.region_code WHERE d.id = $5::uuid), '{}'),
               c.id, c.number, c.applicant_id,
               c.receiving_lineage || c.handling_lineage,
               string_to_array(x.fields, ','), x.channel, $6, $7
        FROM unnest($8::uuid[], $9::text[], $10::text[]) AS x (case_id, fields, channel)
        JOIN case_record c ON c.id = x.case_id
        """,
        at,
        accessor.officer_id,
        accessor.name,
        list(accessor.roles),
        accessor.department_id,
        accessor.request_id,
        accessor.client_address,
        [a.case_id for a in accesses],
        [",".join(a.fields) for a in accesses],
        [a.channel for a in accesses],
    )
    return int(status.rsplit(" ", 1)[-1])


_CRITERIA: tuple[Criterion, ...] = (
    ("case_number", "a.case_number = {}", as_is),
    ("officer_id", "a.officer_id = {}::uuid", as_is),
    ("department_id", "a.department_id = {}::uuid", as_is),
    ("since", "a.at >= {}", as_is),
    ("before", "a.at < {}", as_is),
)


def _where(f: AccessFilter, region_code: str | None, params: list[Any]) -> str:
    parts = ["TRUE"]
    if region_code is not None:
        r = bind(params, region_code)
        parts.append(
            f"(a.officer_lineage @> ARRAY[{r}::text] OR a.case_lineage @> ARRAY[{r}::text])"
        )
    return " AND ".join(parts + conditions(f, _CRITERIA, params))


async def accesses(
    conn: asyncpg.Connection,
    *,
    filter: AccessFilter,
    region_code: str | None,
    window: Window[tuple[Any, int]],
) -> list[AccessRecord]:
    """Accesses newest first, in reading order (reversed when paging backwards); only those
    by officers of ``region_code``'s subtree or to its cases (None: all)."""
    params: list[Any] = [window.limit]
    where = _where(filter, region_code, params)
    seek, order_by = _ORDER.sql(window, params)
    return await fetch_all(
        conn,
        AccessRecord,
        f"SELECT {_COLUMNS} FROM pii_access a WHERE {where} {seek} ORDER BY {order_by} LIMIT $1",
        *params,
    )


async def count_accesses(
    conn: asyncpg.Connection, *, filter: AccessFilter, region_code: str | None
) -> int:
    params: list[Any] = []
    where = _where(filter, region_code, params)
    count: int = await conn.fetchval(f"SELECT count(*) FROM pii_access a WHERE {where}", *params)
    return count


async def stream_accesses(
    conn: asyncpg.Connection, *, filter: AccessFilter, region_code: str | None
) -> AsyncIterator[AccessRecord]:
    """Every matching access, newest first, read through a server-side cursor (the caller
    holds the transaction a cursor needs): memory stays flat however long the log."""
    params: list[Any] = []
    where = _where(filter, region_code, params)
    sql = f"SELECT {_COLUMNS} FROM pii_access a WHERE {where} ORDER BY a.at DESC, a.seq DESC"
    async for row in conn.cursor(sql, *params, prefetch=500):
        yield struct_of(AccessRecord, row)
