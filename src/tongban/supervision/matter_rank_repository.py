"""Matters ranked by working days used of the promised clock against the promised limit.

One statement (a second, exact one only for a clock paused more than four times). The calendar
comes in as a parameter: the working-day ordinal of every day of the known years up to the
period's end (``tongban.deadlines.ordinals``), read by subscript. A decided case's working days
used are counted as ``clock_status`` counts them (supervision figures' ``_used``): working days
d with start < d <= the decision day (the day its promised clock stopped), less the paused ones
— each closed pause [started, ended] the days started < d <= ended, an open pause the days after
it began up to the decision. A case whose days reach an unknown year makes the count NULL and
the query refuses (``UnknownCalendarYearError``) rather than guess.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import msgspec

from tongban.deadlines.calendar import WorkingCalendar
from tongban.deadlines.errors import UnknownCalendarYearError
from tongban.deadlines.ordinals import ordinals, span
from tongban.supervision.repository import LOCAL_RANGE, fetch_planned
from tongban.supervision.types import MatterRank


def _w(day: str) -> str:
    """The working-day ordinal of a date expression ($5 the first day, $6 the ordinals)."""
    return f"($6::int[])[({day}) - $5::date + 1]"


# Closed pauses read inline, the first few by position: a subquery over the jsonb array would
# keep PostgreSQL from counting in parallel workers (1.5 s instead of 0.9 s at 1,000,000
# cases). A clock with more pauses (none in practice) sends the query to the exact statement.
_INLINE_PAUSES = 4


def _closed_pauses(exact: bool) -> str:
    if exact:
        each = f"""(SELECT sum({_w("least((e->>1)::date, d.decided_on)")}
                        - {_w("least((e->>0)::date, d.decided_on)")})
                   FROM jsonb_array_elements(d.pauses) e)"""
        return f"CASE WHEN d.pauses = '[]'::jsonb THEN 0 ELSE {each} END"
    inline = " + ".join(
        f"""COALESCE({_w(f"least((d.pauses->{i}->>1)::date, d.decided_on)")}
                     - {_w(f"least((d.pauses->{i}->>0)::date, d.decided_on)")}, 0)"""
        for i in range(_INLINE_PAUSES)
    )
    return f"""CASE WHEN d.pauses = '[]'::jsonb THEN 0
                    WHEN d.pauses->{_INLINE_PAUSES} IS NULL THEN {inline} END"""


def _sql(exact: bool) -> str:
    many = (
        "false" if exact else f"d.pauses <> '[]'::jsonb AND d.pauses->{_INLINE_PAUSES} IS NOT NULL"
    )
    open_pause = f"""COALESCE({_w("d.decided_on")}
                   - {_w("least(d.paused_since, d.decided_on)")}, 0)"""
    return f"""
        WITH d AS (
            SELECT c.matter_id,
                   COALESCE(k.stopped_on, (c.decided_at AT TIME ZONE $4)::date) AS decided_on,
                   k.start_on, k.due_on, k.pauses, k.paused_since,
                   k.limit_days + k.extension_days AS promised
            FROM case_record c
            JOIN deadline_clock k ON k.case_id = c.id AND k.kind = 'promised'
            WHERE c.decided_at IS NOT NULL AND {LOCAL_RANGE.format(column="c.decided_at")}
              AND c.handling_lineage @> ARRAY[$1::text]
        ), u AS (
            -- OFFSET 0: each case's days are counted once (in the parallel workers), not once
            -- per aggregate that reads them.
            SELECT d.matter_id, d.decided_on, d.start_on, d.due_on, d.promised, {many} AS many,
                   {_w("d.decided_on")} - {_w("d.start_on")} - {open_pause}
                   - ({_closed_pauses(exact)}) AS used
            FROM d OFFSET 0
        ), m AS (
            SELECT matter_id, count(*) AS concluded,
                   count(*) FILTER (WHERE decided_on > due_on) AS late,
                   COALESCE(sum(GREATEST(decided_on - due_on, 0)), 0) AS days_over_promised,
                   sum(promised) AS promised_days,
                   COALESCE(sum(used), 0)::bigint AS working_days_used,
                   count(*) FILTER (WHERE used > promised) AS over,
                   bool_or(many) AS many,
                   min(start_on) FILTER (WHERE used IS NULL AND NOT many) AS unknown_from,
                   max(decided_on) FILTER (WHERE used IS NULL AND NOT many) AS unknown_to
            FROM u GROUP BY matter_id
        )
        SELECT m.matter_id::text, x.code AS matter_code, x.current_version AS matter_version,
               m.concluded, m.late, m.days_over_promised, m.promised_days,
               m.working_days_used, m.over, bool_or(m.many) OVER () AS many,
               min(m.unknown_from) OVER () AS unknown_from,
               max(m.unknown_to) OVER () AS unknown_to
        FROM m JOIN matter x ON x.id = m.matter_id
        ORDER BY (m.working_days_used - m.promised_days)::float / m.concluded DESC,
                 m.over::float / m.concluded DESC, x.code
        LIMIT $7
        """


_FAST, _EXACT = _sql(exact=False), _sql(exact=True)


def _refuse(cal: WorkingCalendar, first: date, last: date) -> UnknownCalendarYearError:
    """The first unknown year of [first, last]; when each is known, the cases straddle a gap of
    unknown years the ordinals stop at: its first year."""
    unknown = [y for y in range(first.year, last.year + 1) if not cal.knows_year(y)]
    if not unknown:
        low = min(cal.known_years(), default=first.year)
        unknown = [y for y in range(low, last.year + 1) if not cal.knows_year(y)] or [first.year]
    return UnknownCalendarYearError(unknown[0])


async def matter_ranks(
    conn: asyncpg.Connection,
    *,
    cal: WorkingCalendar,
    region_code: str,
    start: date,
    end: date,
    timezone: str,
    limit: int,
) -> list[MatterRank]:
    """Matters of cases decided in [start, end] (local days) in the region subtree, the most
    working days used beyond the promised limit on average first."""
    known = span(cal, end)
    first, days = (known[0], ordinals(cal, *known)) if known else (end + timedelta(days=1), ())
    args: list[Any] = [region_code, start, end, timezone, first, list(days), limit]
    rows = await fetch_planned(conn, _FAST, *args)
    if rows and rows[0]["many"]:
        rows = await fetch_planned(conn, _EXACT, *args)
    if rows and rows[0]["unknown_from"] is not None:
        raise _refuse(cal, rows[0]["unknown_from"], rows[0]["unknown_to"])
    return [msgspec.convert(dict(r), MatterRank) for r in rows]
