"""SQL for a worklist page with what its screen shows of each task, in one statement.

A worklist page read the page, then its cases, their applicants, their matters' versions, the
clocks and the calendar's stamp: six statements (issue 18). Here the page is a CTE — the same
statement as ``repository.worklist``, so the same plan and index — and PostgreSQL builds the
relations of its tasks as one JSON document, which msgspec decodes into the structs the
per-relation functions return. However long the page, one statement.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, Final, Generic, TypeVar

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.cases.applicant_repository import _APPLICANT_COLUMNS
from tongban.cases.repository import _CASE_COLUMNS
from tongban.cases.types import Applicant, Case
from tongban.catalogue.repository import VERSION_JSON
from tongban.catalogue.types import MatterVersion
from tongban.deadlines.repository import _CLOCK_COLUMNS, CALENDAR_STAMP_JSON, CalendarStamp
from tongban.deadlines.types import DeadlineClock
from tongban.government.repository import _DEPARTMENT_COLUMNS
from tongban.government.types import Department
from tongban.keyset import Order, Window
from tongban.review.repository import _TASK_COLUMNS, _order, _sort_key, worklist_sql
from tongban.review.types import Task

K = TypeVar("K", datetime, date)

PARTS: Final = frozenset({"cases", "applicants", "matters", "departments", "clocks"})
"""What a page may read besides its tasks; a caller names those its screen shows."""


class WorklistPage(msgspec.Struct, Generic[K], frozen=True, kw_only=True):
    """A page of tasks, each with its sort key (as ``repository.worklist``), and the relations
    read for them; a relation not asked for is None."""

    tasks: list[tuple[Task, K]]
    cases: list[Case] | None = None
    """The tasks' cases (the viewer may see each: the page is filtered by it)."""
    applicants: list[Applicant] | None = None
    departments: list[Department] | None = None
    """The tasks' departments and their cases' handling departments."""
    versions: list[MatterVersion] | None = None
    """Every version of the cases' matters (drafts too), as ``versions_of``."""
    clocks: list[DeadlineClock] | None = None
    """Every clock of the tasks' cases, by case, oldest first, as ``clocks_of``."""
    calendar: CalendarStamp | None = None


_BY_RECEIPT: Final = msgspec.json.Decoder(WorklistPage[datetime])
_BY_DUE_DATE: Final = msgspec.json.Decoder(WorklistPage[date])


def _relations(parts: Collection[str], involved: str) -> list[str]:
    """``'name', (subquery)`` pairs of the page's JSON object, over the CTE ``found``."""
    found = []
    if "cases" in parts:
        found.append(f"""'cases', (SELECT coalesce(json_agg(x), '[]') FROM (
            SELECT {_CASE_COLUMNS}, {involved} AS viewer_involved FROM case_record c
            WHERE c.id IN (SELECT case_key FROM found)) x)""")
    if "applicants" in parts:
        found.append(f"""'applicants', (SELECT coalesce(json_agg(x), '[]') FROM (
            SELECT {_APPLICANT_COLUMNS} FROM applicant
            WHERE id IN (SELECT applicant_key FROM found)) x)""")
    if "departments" in parts:
        found.append(f"""'departments', (SELECT coalesce(json_agg(x), '[]') FROM (
            SELECT {_DEPARTMENT_COLUMNS} FROM department
            WHERE id IN (SELECT department_key FROM found)
               OR id IN (SELECT handling_department_key FROM found)) x)""")
    if "matters" in parts:
        found.append(f"""'versions', (SELECT coalesce(json_agg({VERSION_JSON}
            ORDER BY v.matter_id, v.version DESC), '[]')
            FROM matter_version v JOIN matter m ON m.id = v.matter_id
            WHERE v.matter_id IN (SELECT matter_key FROM found))""")
    if "clocks" in parts:
        found.append(f"""'clocks', (SELECT coalesce(json_agg(x ORDER BY x.case_key, x.created,
            x.kind), '[]') FROM (
            SELECT {_CLOCK_COLUMNS}, case_id AS case_key, created_at AS created
            FROM deadline_clock WHERE case_id IN (SELECT case_key FROM found)) x)""")
        found.append(f"'calendar', {CALENDAR_STAMP_JSON}")
    return found


async def worklist_page(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    department_id: str,
    states: Collection[str],
    matter_code: str | None,
    sort: str,
    window: Window[tuple[Any, str]],
    parts: Collection[str] = PARTS,
) -> WorklistPage[Any]:
    """``repository.worklist``'s tasks (``window.limit`` of them, in reading order) with the
    relations of all of them named in ``parts`` — one statement."""
    unknown = set(parts) - PARTS
    assert not unknown, unknown
    sql, params = worklist_sql(
        principal=principal,
        department_id=department_id,
        states=list(states),
        matter_code=matter_code,
        sort=sort,
        window=window,
        columns=f"""{_TASK_COLUMNS}, {_sort_key(sort)} AS sort_key, t.id AS task_key,
            c.id AS case_key, c.applicant_id AS applicant_key, c.matter_id AS matter_key,
            t.department_id AS department_key,
            c.handling_department_id AS handling_department_key""",
    )
    involved = ViewerSql(principal, params).involved() if "cases" in parts else "false"
    # The page's own order (ORDER BY … LIMIT in ``found``), kept by the aggregate.
    keys = _order(sort)
    order = Order(["f.sort_key", "f.task_key"], keys.types, keys.descending)
    _, order_by = order.sql(Window(backward=window.backward), [])
    relations = _relations(parts, involved)
    row = await conn.fetchval(
        f"""WITH found AS MATERIALIZED ({sql})
            SELECT json_build_object(
              'tasks', (SELECT coalesce(json_agg(json_build_array(f, f.sort_key)
                                                 ORDER BY {order_by}), '[]') FROM found f)
              {"".join(f", {r}" for r in relations)})::text""",
        *params,
    )
    if sort == "due":
        return _BY_DUE_DATE.decode(row)
    return _BY_RECEIPT.decode(row)
