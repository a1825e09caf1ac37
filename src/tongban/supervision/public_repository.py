"""SQL of public results (结果公示): approved results of public matters, for anyone.

Apart from ``repository.py`` for size. What may be shown is fixed here, in every statement:
an approved decision still in force (approved, approved with deferred materials, delivered —
a revoked case has left those states), never a confidential case, and only under a matter
version that publishes its results. The partial index of migration 0027 holds exactly those.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from tongban.criteria import Criterion, as_is, bind, conditions, like
from tongban.keyset import Order, Window
from tongban.supervision.types import PublicResult, PublicResultFilter

ORDER = Order(["c.decided_at", "c.id"], ["timestamptz", "uuid"], descending=True)

_SHOWN = """c.state IN ('approved', 'approved_deferred', 'delivered')
    AND c.decision IN ('approved', 'approved_deferred') AND c.confidentiality = 0
    AND (c.matter_id, c.matter_version) IN
        (SELECT pv.matter_id, pv.version FROM matter_version pv WHERE pv.public_results)"""


# Filter field, its condition, and how its value becomes the parameter: applied in this order.
_CRITERIA: tuple[Criterion, ...] = (
    ("matter_code", "c.matter_id = (SELECT id FROM matter WHERE code = {})", as_is),
    ("department_id", "c.handling_department_id = {}::uuid", as_is),
    ("region_code", "c.handling_lineage @> ARRAY[{}::text]", as_is),
    ("decided_from", "c.decided_at >= {}::timestamptz", as_is),
    ("decided_before", "c.decided_at < {}::timestamptz", as_is),
)


def _conditions(f: PublicResultFilter, params: list[Any]) -> str:
    return " ".join(f"AND {part}" for part in conditions(f, _CRITERIA, params))


def _keyword_arms(keyword: str | None, params: list[Any]) -> list[str]:
    """The keyword's alternatives, each served by its own index; [""] without a keyword.

    Holder names of organisations only: a person's name is published masked, and matching it
    whole would tell who holds a licence. The alternatives are separate statements joined by
    UNION, not one OR: each then gets its own plan (trigrams for a rare result number, the
    newest-first index for a common matter name), where an OR left the planner guessing and
    walking every public result for a keyword that matched eight (215 ms at 300,000 cases).
    """
    if keyword is None:
        return [""]
    k = bind(params, like(keyword))
    return [
        f"AND c.result_number ILIKE {k}",
        "AND c.applicant_id = ANY(ARRAY(SELECT a.id FROM applicant a"
        f" WHERE a.kind = 'organisation' AND a.name ILIKE {k}))",
        "AND (c.matter_id, c.matter_version) IN"
        f" (SELECT v.matter_id, v.version FROM matter_version v WHERE v.name ILIKE {k})",
    ]


async def public_results(
    conn: asyncpg.Connection, *, filter: PublicResultFilter, window: Window[tuple[Any, str]]
) -> list[PublicResult]:
    """One page, in reading order (reversed when paging backwards); one statement."""
    params: list[Any] = []
    conditions = _conditions(filter, params)
    arms = _keyword_arms(filter.keyword, params)
    seek, order_by = ORDER.sql(window, params)
    params.append(window.limit)
    limit = f"${len(params)}"
    # Each alternative's first page, then the page of their union.
    found = " UNION ".join(
        f"(SELECT c.id FROM case_record c WHERE {_SHOWN} {conditions} {arm} {seek}"
        f" ORDER BY {order_by} LIMIT {limit})"
        for arm in arms
    )
    rows = await conn.fetch(
        f"""
        SELECT c.id::text AS case_id, a.kind AS holder_kind, a.name AS holder_name,
               c.result_number, m.code AS matter_code, v.name AS matter_name,
               d.id::text AS department_id, d.name AS department_name, c.decided_at
        FROM case_record c
        JOIN applicant a ON a.id = c.applicant_id
        JOIN matter m ON m.id = c.matter_id
        JOIN matter_version v ON v.matter_id = c.matter_id AND v.version = c.matter_version
        JOIN department d ON d.id = c.handling_department_id
        WHERE c.id IN ({found})
        ORDER BY {order_by}
        LIMIT {limit}
        """,
        *params,
    )
    return [PublicResult(**dict(r)) for r in rows]


async def count_public_results(conn: asyncpg.Connection, *, filter: PublicResultFilter) -> int:
    params: list[Any] = []
    conditions = _conditions(filter, params)
    found = " UNION ".join(
        f"SELECT c.id FROM case_record c WHERE {_SHOWN} {conditions} {arm}"
        for arm in _keyword_arms(filter.keyword, params)
    )
    count: int = await conn.fetchval(f"SELECT count(*) FROM ({found}) hits", *params)
    return count
