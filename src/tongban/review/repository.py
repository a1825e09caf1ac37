"""SQL for review tasks and special procedures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.keyset import Order, Window
from tongban.review.types import Task
from tongban.rows import Select, assignments, struct_of

_TASK_COLUMNS = """t.id::text, t.case_id::text, t.kind, t.stage_index, t.stage_name, t.position,
    t.round, t.department_id::text, t.state, t.claimed_by::text, t.opinion, t.comment,
    t.completed_by::text, t.created_at, t.opened_at, t.completed_at, t.due_on"""
_TASKS = Select(Task, _TASK_COLUMNS, "review_task t")


async def insert_task(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    kind: str,
    stage_index: int | None,
    stage_name: str,
    position: int,
    round: int,
    department_id: str,
    open_now: bool,
    at: datetime,
) -> str:
    task_id: str = await conn.fetchval(
        """INSERT INTO review_task (case_id, kind, stage_index, stage_name, position, round,
                                    department_id, state, opened_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN $10::timestamptz END)
           RETURNING id::text""",
        case_id,
        kind,
        stage_index,
        stage_name,
        position,
        round,
        department_id,
        "open" if open_now else "waiting",
        open_now,
        at,
    )
    return task_id


async def tasks_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Task]:
    return await _TASKS.all(
        conn,
        """WHERE t.case_id = ANY($1::uuid[])
            ORDER BY t.case_id, t.created_at, t.position""",
        list(case_ids),
    )


async def task_by_id(conn: asyncpg.Connection, *, task_id: str) -> Task | None:
    return await _TASKS.first(conn, "WHERE t.id = $1", task_id)


async def update_task(conn: asyncpg.Connection, *, task_id: str, changes: dict[str, Any]) -> None:
    allowed = {
        "state",
        "claimed_by",
        "opinion",
        "comment",
        "completed_by",
        "completed_at",
        "opened_at",
    }
    await conn.execute(
        f"UPDATE review_task SET {', '.join(assignments(changes, allowed))} WHERE id = $1",
        task_id,
        *changes.values(),
    )


async def open_next_waiting(
    conn: asyncpg.Connection, *, case_id: str, stage_index: int, round: int, at: datetime
) -> str | None:
    """Open the next department of a sequential stage; None when none is waiting."""
    task_id: str | None = await conn.fetchval(
        """UPDATE review_task SET state = 'open', opened_at = $4
           WHERE id = (SELECT id FROM review_task
                       WHERE case_id = $1 AND stage_index = $2 AND round = $3 AND state = 'waiting'
                       ORDER BY position LIMIT 1)
           RETURNING id::text""",
        case_id,
        stage_index,
        round,
        at,
    )
    return task_id


async def cancel_unfinished(conn: asyncpg.Connection, *, case_id: str, kind: str = "review") -> int:
    status: str = await conn.execute(
        """UPDATE review_task SET state = 'cancelled'
           WHERE case_id = $1 AND kind = $2 AND state IN ('waiting', 'open', 'claimed')""",
        case_id,
        kind,
    )
    return int(status.split()[-1])


def _sort_key(sort: str) -> str:
    # Tasks without a due date sort last; the sentinel keeps the keyset comparable (not
    # 9999-12-31, which asyncpg sends back as 'infinity': a cursor there would match nothing).
    return "COALESCE(t.due_on, DATE '9999-01-01')" if sort == "due" else "t.case_received_at"


def _order(sort: str) -> Order:
    return Order([_sort_key(sort), "t.id"], ["date" if sort == "due" else "timestamptz", "uuid"])


_DEFAULT_STATES = frozenset({"open", "claimed"})


async def worklist(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    department_id: str,
    states: Sequence[str],
    matter_code: str | None,
    sort: str,
    window: Window[tuple[Any, str]],
) -> list[tuple[Task, Any]]:
    """Tasks of a department, joined to the cases the viewer may see (keyset pagination), in
    reading order (reversed when paging backwards), each with its sort key for the cursor."""
    sql, params = worklist_sql(
        principal=principal,
        department_id=department_id,
        states=states,
        matter_code=matter_code,
        sort=sort,
        window=window,
        columns=f"{_TASK_COLUMNS}, {_sort_key(sort)} AS sort_key",
    )
    rows = await conn.fetch(sql, *params)
    return [
        (struct_of(Task, {k: v for k, v in dict(r).items() if k != "sort_key"}), r["sort_key"])
        for r in rows
    ]


def worklist_sql(
    *,
    principal: Principal,
    department_id: str,
    states: Sequence[str],
    matter_code: str | None,
    sort: str,
    window: Window[tuple[Any, str]],
    columns: str,
) -> tuple[str, list[Any]]:
    """The worklist's page as ``SELECT columns`` over ``review_task t JOIN case_record c``,
    and its parameters (a statement built around it adds its own after them)."""
    params: list[Any] = [department_id, list(states), matter_code, window.limit]
    seek, order_by = _order(sort).sql(window, params)
    visible = ViewerSql(principal, params).visible()
    if sort != "due" and set(states) == _DEFAULT_STATES:
        # The default worklist: review_task_worklist_idx yields the tasks in page order (the
        # literal state list lets the planner use that partial index), so a page reads about
        # a page of rows however many tasks the department has open.
        source = """review_task t JOIN case_record c ON c.id = t.case_id
        WHERE t.department_id = $1::uuid AND t.state IN ('open', 'claimed')
          AND cardinality($2::text[]) > 0"""
    else:
        source = _DEPARTMENT_FIRST
    sql = f"""
        SELECT {columns}
        FROM {source}
          AND ($3::text IS NULL OR c.matter_id = (SELECT id FROM matter WHERE code = $3))
          {seek}
          AND {visible}
        ORDER BY {order_by}
        LIMIT $4
        """
    return sql, params


# The department's tasks first, then their cases: otherwise the planner walks all cases
# looking for this department's tasks, mostly through long-closed ones.
_DEPARTMENT_FIRST = """(
    SELECT * FROM review_task WHERE department_id = $1::uuid AND state = ANY($2::text[])
    OFFSET 0
) t JOIN case_record c ON c.id = t.case_id
WHERE true"""


async def count_worklist(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    department_id: str,
    states: Sequence[str],
    matter_code: str | None,
) -> int:
    """How many tasks the whole worklist has, within the cases the viewer may see."""
    params: list[Any] = [department_id, list(states), matter_code]
    visible = ViewerSql(principal, params).visible()
    count: int = await conn.fetchval(
        f"""SELECT count(*) FROM {_DEPARTMENT_FIRST}
              AND ($3::text IS NULL OR c.matter_id = (SELECT id FROM matter WHERE code = $3))
              AND {visible}""",
        *params,
    )
    return count


async def insert_special_procedure(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    kind: str,
    expected_days: int,
    reason: str,
    officer_id: str,
    on: date,
    at: datetime,
) -> str:
    value: str = await conn.fetchval(
        """INSERT INTO special_procedure (case_id, kind, expected_days, reason, started_by, started_on,
                                          started_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text""",
        case_id,
        kind,
        expected_days,
        reason,
        officer_id,
        on,
        at,
    )
    return value


async def end_special_procedure(
    conn: asyncpg.Connection, *, case_id: str, on: date, at: datetime
) -> tuple[str, int] | None:
    row = await conn.fetchrow(
        """UPDATE special_procedure SET ended_at = $3, ended_on = $2
           WHERE case_id = $1 AND ended_at IS NULL RETURNING kind, expected_days""",
        case_id,
        on,
        at,
    )
    return None if row is None else (row["kind"], row["expected_days"])
