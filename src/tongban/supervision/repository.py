"""SQL for supervision: open warnings and the cases behind the figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.keyset import Order, Window
from tongban.rows import fetch_all, fetch_one
from tongban.supervision.types import DepartmentRank, FigureCase, OpenWarning, RatingFigures

_WARNING_COLUMNS = """
        SELECT w.id::text, w.level, w.due_on, w.raised_at, k.kind, c.number AS case_number,
               c.id::text AS case_id,
               COALESCE(t.department_id, c.handling_department_id)::text AS department_id,
               c.handling_region AS region_code"""
_WARNING_JOINS = """
        FROM deadline_warning w
        JOIN deadline_clock k ON k.id = w.clock_id
        JOIN case_record c ON c.id = w.case_id
        LEFT JOIN review_task t ON t.id = k.task_id"""
_WARNINGS = f"""{_WARNING_JOINS}
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
) -> list[OpenWarning]:
    """Open warnings, oldest raised first, in reading order (reversed when paging backwards)."""
    params: list[Any] = [region_code, department_id, levels, window.limit]
    seek, order_by = Order(["w.raised_at", "w.id"], ["timestamptz", "uuid"]).sql(window, params)
    visible = ViewerSql(principal, params).visible()
    return await fetch_all(
        conn,
        OpenWarning,
        f"""
        {_WARNING_COLUMNS}
        {_WARNINGS}
          {seek}
          AND {visible}
        ORDER BY {order_by}
        LIMIT $4
        """,
        *params,
    )


async def raised_warning(
    conn: asyncpg.Connection, *, principal: Principal, case_id: str, level: str, clock: str
) -> OpenWarning | None:
    """The latest warning of this level on this kind of clock of the case, if the viewer may
    see the case (a live feed's event names the case, level and clock, not the row)."""
    params: list[Any] = [case_id, level, clock]
    visible = ViewerSql(principal, params).visible()
    return await fetch_one(
        conn,
        OpenWarning,
        f"""
        {_WARNING_COLUMNS}
        {_WARNING_JOINS}
        WHERE w.case_id = $1::uuid AND w.level = $2 AND k.kind = $3 AND {visible}
        ORDER BY w.raised_at DESC, w.id
        LIMIT 1
        """,
        *params,
    )


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
               c.handling_region AS region_code, c.state, c.accepted_on,
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


# The instants of [from, to] in local days: a rating at 23:59 on the last day counts, one at
# 00:01 the day after does not (both in the configured time zone, not UTC).
LOCAL_RANGE = """{column} >= ($2::date)::timestamp AT TIME ZONE $4
          AND {column} < ($3::date + 1)::timestamp AT TIME ZONE $4"""


async def fetch_planned(conn: asyncpg.Connection, sql: str, *args: Any) -> list[Any]:
    """One figures statement, planned for its own arguments every time. asyncpg prepares and
    reuses statements, and after five runs PostgreSQL may switch to a generic plan — one that
    cannot know whether a region holds the whole province or a village, or a range a day or a
    year, and measured 5 s where the custom plan takes under 1 s (bench/supervision.py)."""
    async with conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        return list(await conn.fetch(sql, *args))


GROUPS = {
    "department": "c.handling_department_id::text",
    "region": "c.handling_region",
    "matter": "c.matter_id::text",
    "none": "NULL::text",
}
_LEVELS = ", ".join(f"count(*) FILTER (WHERE c.rating = {n})" for n in range(1, 6))
_RERATINGS = ", ".join(f"count(*) FILTER (WHERE c.rerating = {n})" for n in range(1, 6))


# Cases of the region subtree, narrowed by department and matter ($1, $5, $6).
_SUBTREE = """c.handling_lineage @> ARRAY[$1::text]
              AND ($5::uuid IS NULL OR c.handling_department_id = $5::uuid)
              AND ($6::text IS NULL OR c.matter_id = (SELECT id FROM matter WHERE code = $6))"""
_RATED_IN_SPAN = f"""c.rating IS NOT NULL
              AND c.rated_at >= (p.first_day::timestamp AT TIME ZONE $4)
              AND c.rated_at < ((p.last_day + 1)::timestamp AT TIME ZONE $4)
              AND {_SUBTREE}"""
_SPANS = "unnest($2::date[], $3::date[], $8::date[]) AS p (first_day, last_day, label)"
# The ratings are scanned once without joins; the follow-ups (bad ratings only, a few in
# a hundred) are counted from their own index and joined to the few result rows. {group} is
# the grouping key, one of GROUPS.
_RATING_FIGURES = f"""
        WITH g AS (
            SELECT {{group}} AS key, p.label AS period_start, count(*) AS rated,
                   ARRAY[{_LEVELS}] AS levels,
                   count(*) FILTER (WHERE c.rating >= 4) AS bad,
                   count(c.rerating) AS rerated,
                   ARRAY[{_RERATINGS}] AS rerating_levels
            FROM {_SPANS} JOIN case_record c ON {_RATED_IN_SPAN}
            GROUP BY 1, 2
        ), bad AS MATERIALIZED (
            -- One range of the bad-rating index (the spans' whole extent), then into spans.
            SELECT c.id, c.rated_at, c.handling_department_id, c.handling_region, c.matter_id
            FROM case_record c
            WHERE c.rating >= 4
              AND c.rated_at >= (($2::date[])[1]::timestamp AT TIME ZONE $4)
              AND c.rated_at < ((($3::date[])[cardinality($3::date[])] + 1)::timestamp
                                AT TIME ZONE $4)
              AND {_SUBTREE}
        ), fu AS (
            SELECT {{group}} AS key, p.label AS period_start, count(*) AS follow_ups,
                   count(*) FILTER (WHERE f.state = 'completed') AS rectified,
                   count(*) FILTER (WHERE f.state = 'completed' AND k.stopped_on <= k.due_on)
                       AS rectified_on_time
            FROM bad c
            JOIN (
                SELECT d::date AS day, p.label
                FROM {_SPANS}, generate_series(p.first_day, p.last_day, interval '1 day') d
            ) p ON p.day = (c.rated_at AT TIME ZONE $4)::date
            JOIN review_task f ON f.case_id = c.id AND f.kind = 'follow_up'
            LEFT JOIN deadline_clock k ON k.case_id = c.id AND k.kind = 'follow_up'
            GROUP BY 1, 2
        )
        SELECT g.*, COALESCE(fu.follow_ups, 0) AS follow_ups,
               COALESCE(fu.rectified, 0) AS rectified,
               COALESCE(fu.rectified_on_time, 0) AS rectified_on_time,
               m.code AS matter_code, m.current_version AS matter_version
        FROM g
        LEFT JOIN fu ON fu.key IS NOT DISTINCT FROM g.key
                    AND fu.period_start IS NOT DISTINCT FROM g.period_start
        LEFT JOIN matter m ON $7 AND m.id::text = g.key
        ORDER BY g.period_start NULLS FIRST, g.key NULLS FIRST
        """


async def rating_figures(
    conn: asyncpg.Connection,
    *,
    region_code: str,
    spans: Sequence[tuple[date, date, date | None]],
    timezone: str,
    department_id: str | None,
    matter_code: str | None,
    group_by: str,
) -> list[RatingFigures]:
    """One statement: ratings given in each span (first day, last day, label; local days) in
    the region subtree, per group and span, with their follow-ups (差评整改回访) and re-ratings.

    The spans come as rows to join, not as date_trunc over the rating instant: the planner then
    reads each span as a range of the rating index and expects as many groups as there are
    groups and spans (grouping on an expression of the instant, it expected one per rating and
    sorted a year of them on disk instead of hashing a few hundred groups)."""
    rows = await fetch_planned(
        conn,
        _RATING_FIGURES.format(group=GROUPS[group_by]),
        region_code,
        [first for first, _, _ in spans],
        [last for _, last, _ in spans],
        timezone,
        department_id,
        matter_code,
        group_by == "matter",
        [label for _, _, label in spans],
    )
    return [msgspec.convert(dict(r), RatingFigures) for r in rows]


_NEVER_DECIDED = ["withdrawn", "revoked", "not_applicable", "refused", "closed_no_supplement"]


_RATED_IN_PERIOD = LOCAL_RANGE.format(column="c.rated_at")
# {order} is one of _RANK_ORDERS.
_DEPARTMENT_RANKS = f"""
        WITH b AS (
            SELECT ($2::date)::timestamp AT TIME ZONE $4 AS t0,
                   ($3::date + 1)::timestamp AT TIME ZONE $4 AS t1
        ), d AS (
            -- Instants compared with instants: a local date per row, in every filter, cost
            -- more than the scan.
            SELECT c.handling_department_id AS department_id,
                   c.decided_at >= b.t0 AND c.decided_at < b.t1 AS concluded,
                   (c.decided_at IS NULL OR c.decided_at >= b.t1)
                       AND c.state <> ALL($5::text[]) AS open,
                   c.decided_at, k.due_on
            FROM case_record c
            CROSS JOIN b
            JOIN deadline_clock k ON k.case_id = c.id AND k.kind = 'promised'
            WHERE c.handling_lineage @> ARRAY[$1::text] AND c.accepted_on <= $3
              AND (c.decided_at IS NULL OR c.decided_at >= b.t0)
        ), clocks AS (
            SELECT department_id, concluded_cases AS concluded,
                   concluded_cases - late AS on_time, late + open_overdue AS overdue
            FROM (
                SELECT department_id,
                       count(*) FILTER (WHERE concluded) AS concluded_cases,
                       count(*) FILTER (
                           WHERE concluded
                             AND decided_at >= (due_on + 1)::timestamp AT TIME ZONE $4
                       ) AS late,
                       count(*) FILTER (WHERE open AND due_on < $3) AS open_overdue
                FROM d GROUP BY department_id
            ) x
        ), bad AS (
            SELECT c.handling_department_id AS department_id, count(*) AS bad_ratings
            FROM case_record c
            WHERE c.rating >= 4 AND {_RATED_IN_PERIOD}
              AND c.handling_lineage @> ARRAY[$1::text]
            GROUP BY 1
        )
        SELECT department_id::text, COALESCE(concluded, 0) AS concluded,
               COALESCE(on_time, 0) AS on_time, COALESCE(overdue, 0) AS overdue,
               COALESCE(bad_ratings, 0) AS bad_ratings
        FROM clocks FULL JOIN bad USING (department_id)
        ORDER BY {{order}}, department_id
        LIMIT $6
        """
_RANK_ORDERS = {
    "overdue": "overdue DESC",
    "on_time_rate": "on_time::float / NULLIF(concluded, 0) ASC NULLS LAST",
    "bad_ratings": "bad_ratings DESC",
}


async def department_ranks(
    conn: asyncpg.Connection,
    *,
    region_code: str,
    start: date,
    end: date,
    timezone: str,
    order_by: str,
    limit: int,
) -> list[DepartmentRank]:
    """Departments of the region subtree, ranked in one statement. Concluded, on time and
    overdue follow the supervision figures' definitions (the promised clock); bad ratings are
    those given in the period."""
    rows = await fetch_planned(
        conn,
        _DEPARTMENT_RANKS.format(order=_RANK_ORDERS[order_by]),
        region_code,
        start,
        end,
        timezone,
        _NEVER_DECIDED,
        limit,
    )
    return [msgspec.convert(dict(r), DepartmentRank) for r in rows]
