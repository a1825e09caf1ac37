"""SQL of case lists: search, sort and keyset pages over the cases a viewer may see.

Apart from ``repository.py`` only for size; the same rules hold: visibility comes from
``access.ViewerSql``, so a filter narrows what the viewer may see and never widens it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.cases.repository import _CASE_COLUMNS, _case
from tongban.cases.types import CaseFilter, CaseSort, ColourWindow, ListedCase
from tongban.criteria import Criterion, as_is, bind, conditions, contains, like, starts
from tongban.keyset import Order, Window

# Cases without a promised date (not yet accepted, or paused) sort after all dated ones; the
# sentinel keeps the keyset comparable. Not 9999-12-31: asyncpg sends date.max as 'infinity',
# which would put a cursor on the sentinel after every row.
_DUE = "COALESCE(pd.due_on, DATE '9999-01-01')"

# Undecided cases sort after every decided one, newest decision first (a finite sentinel, for
# the same reason as above).
_DECIDED = "COALESCE(c.decided_at, TIMESTAMPTZ '1900-01-01 00:00:00+00')"

ORDERS: dict[str, Order] = {
    "received_desc": Order(["c.received_at", "c.id"], ["timestamptz", "uuid"], descending=True),
    "received_asc": Order(["c.received_at", "c.id"], ["timestamptz", "uuid"]),
    "due_asc": Order([_DUE, "c.id"], ["date", "uuid"]),
    "number_asc": Order(["c.number", "c.id"], ["text", "uuid"]),
    "number_desc": Order(["c.number", "c.id"], ["text", "uuid"], descending=True),
    "decided_desc": Order([_DECIDED, "c.id"], ["timestamptz", "uuid"], descending=True),
}

# The newest promised clock of each case (a case has one; LIMIT keeps it a single row anyway).
_PROMISED_JOIN = """LEFT JOIN LATERAL (
    SELECT k.due_on FROM deadline_clock k WHERE k.case_id = c.id AND k.kind = 'promised'
    ORDER BY k.created_at DESC LIMIT 1
) pd ON true"""


# Filter field, its condition, and how its value becomes the parameter: applied in this order.
_CASE_CRITERIA: tuple[Criterion, ...] = (
    ("number", "c.number = {}", as_is),
    ("number_prefix", "c.number LIKE {}", starts),
    ("states", "c.state = ANY({}::text[])", list),
    ("matter_code", "c.matter_id = (SELECT id FROM matter WHERE code = {})", as_is),
    ("received_from", "c.received_on >= {}::date", as_is),
    ("received_to", "c.received_on <= {}::date", as_is),
    ("decided_from", "c.decided_at >= {}::timestamptz", as_is),
    ("decided_before", "c.decided_at < {}::timestamptz", as_is),
    ("department_id", "c.handling_department_id = {}::uuid", as_is),
    # The lineage holds the region and every region above it (GIN, 0004).
    ("region_code", "c.handling_lineage @> ARRAY[{}::text]", as_is),
)
_APPLICANT_CRITERIA: tuple[Criterion, ...] = (
    ("applicant_name", "a.name ILIKE {}", contains),
    ("applicant_id_number", "a.id_number = {}", as_is),
    ("applicant_credit_code", "a.credit_code = {}", as_is),
)


def _conditions(f: CaseFilter, params: list[Any]) -> str:
    def p(value: Any) -> str:
        return bind(params, value)

    parts = conditions(f, _CASE_CRITERIA, params)
    # Applicant criteria as a subquery: the applicant table's own indexes (trigram name,
    # unique identifiers, mobile) find the few applicants, then their cases by applicant_id.
    person = conditions(f, _APPLICANT_CRITERIA, params)
    if person:
        parts.append(
            f"c.applicant_id IN (SELECT a.id FROM applicant a WHERE {' AND '.join(person)})"
        )
    if f.applicant_mobile is not None:
        # The number a window wrote on the case counts as well as the person's own.
        mobile = p(f.applicant_mobile)
        # ANY(ARRAY(…)) is computed once, so both sides of the OR are index scans (0027).
        parts.append(
            f"(c.applicant_id = ANY(ARRAY(SELECT a.id FROM applicant a WHERE a.mobile = {mobile}))"
            f" OR c.stated_mobile = {mobile})"
        )
    if f.keyword is not None:
        keyword = p(like(f.keyword))
        parts.append(
            f"(c.applicant_id IN (SELECT a.id FROM applicant a WHERE a.name ILIKE {keyword})"
            " OR (c.matter_id, c.matter_version) IN"
            f" (SELECT v.matter_id, v.version FROM matter_version v WHERE v.name ILIKE {keyword}))"
        )
    if f.colour is not None:
        parts.append(_colour(f.colour, p))
    return " ".join(f"AND {part}" for part in parts)


def _colour(w: ColourWindow, p: Callable[[Any], str]) -> str:
    """The case's running promised clock (承诺时限) has colour ``w.colour``; paused and stopped
    clocks have none (nothing is raised while a clock is paused)."""
    if w.colour == "red":
        test = f"k.due_on < {p(w.today)}::date"
    else:
        # max(minimum, ⌈limit / divisor⌉) working days, the limit with its extension.
        threshold = (
            f"GREATEST({p(w.yellow_min_days)}::int,"
            f" (k.limit_days + k.extension_days + {p(w.yellow_divisor - 1)}::int)"
            f" / {p(w.yellow_divisor)}::int)"
        )
        edge = f"({p(list(w.horizon))}::date[])[{threshold} + 1]"
        # The horizon ends where the calendar's known years do. A threshold beyond it: a due
        # date within the known days is yellow; one beyond them has no colour (the clock's own
        # view cannot count it either) and is neither yellow nor green.
        test = (
            f"k.due_on >= {p(w.today)}::date"
            f" AND k.due_on <= COALESCE({edge}, {p(w.horizon[-1])}::date)"
            if w.colour == "yellow"
            else f"k.due_on > {edge}"
        )
    return (
        "EXISTS (SELECT 1 FROM deadline_clock k WHERE k.case_id = c.id"
        f" AND k.kind = 'promised' AND k.state = 'running' AND {test})"
    )


async def search_cases(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    filter: CaseFilter,
    sort: CaseSort,
    window: Window[tuple[Any, str]],
) -> list[ListedCase]:
    """One page of the cases the viewer may see, in reading order (reversed when paging
    backwards), each with its position for the cursor. One statement whatever the page size."""
    order = ORDERS[sort]
    params: list[Any] = []
    conditions = _conditions(filter, params)
    seek, order_by = order.sql(window, params)
    viewer = ViewerSql(principal, params)
    visible, involved = viewer.visible(), viewer.involved()
    params.append(window.limit)
    rows = await conn.fetch(
        f"""
        SELECT {_CASE_COLUMNS}, {involved} AS viewer_involved,
               {order.columns[0]} AS sort_key
        FROM case_record c {_PROMISED_JOIN if sort == "due_asc" else ""}
        WHERE {visible} {conditions} {seek}
        ORDER BY {order_by}
        LIMIT ${len(params)}
        """,
        *params,
    )
    found = []
    for r in rows:
        values = dict(r)
        key = values.pop("sort_key")
        found.append(ListedCase(case=_case(values), position=(key, values["id"])))
    return found


async def count_cases(conn: asyncpg.Connection, *, principal: Principal, filter: CaseFilter) -> int:
    """How many cases match, within what the viewer may see."""
    params: list[Any] = []
    conditions = _conditions(filter, params)
    visible = ViewerSql(principal, params).visible()
    count: int = await conn.fetchval(
        f"SELECT count(*) FROM case_record c WHERE {visible} {conditions}", *params
    )
    return count
