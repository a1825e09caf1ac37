"""SQL for one case's screen: the case and every relation the screen shows, in one statement.

A case view read one statement per relation (applicant, matter versions, tasks, departments,
clocks and the calendar's stamp, materials, messages, history): nine round trips on one
connection, each decoded row by row (issue 18). Here PostgreSQL builds the whole view as one
JSON document — a ``json_agg`` subquery per relation, each the same columns, filter and order
as the relation's own repository function — and msgspec decodes it straight into the structs
those functions return, so callers (the GraphQL loaders, the plain endpoint) see no difference.
The history is read from its end (``case_event_case_idx``), so ``history(last: 20)`` costs the
same for a case with 20 events or 20,000.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.cases.applicant_repository import _APPLICANT_COLUMNS
from tongban.cases.material_repository import _MATERIAL_COLUMNS
from tongban.cases.repository import _CASE_COLUMNS
from tongban.cases.types import Applicant, Case, Event, Material
from tongban.catalogue.repository import VERSION_JSON
from tongban.catalogue.types import MatterVersion
from tongban.deadlines.repository import _CLOCK_COLUMNS, CALENDAR_STAMP_JSON, CalendarStamp
from tongban.deadlines.types import DeadlineClock
from tongban.government.repository import _DEPARTMENT_COLUMNS
from tongban.government.types import Department
from tongban.notifications.repository import MESSAGE_COLUMNS
from tongban.notifications.types import Message
from tongban.review.repository import _TASK_COLUMNS
from tongban.review.types import Task

PARTS: Final = frozenset(
    {"applicant", "matter", "tasks", "departments", "clocks", "materials", "messages", "history"}
)
"""What a view may read besides the case; a caller names those its screen shows."""


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
    """A case with the relations read for it; a relation not asked for is None."""

    case: Case
    applicant: Applicant | None = None
    versions: list[MatterVersion] | None = None
    """Every version of the case's matter, newest first (drafts too), as ``versions_of``."""
    tasks: list[Task] | None = None
    departments: list[Department] | None = None
    """The handling department and those of the case's tasks."""
    clocks: list[DeadlineClock] | None = None
    materials: list[Material] | None = None
    messages: list[Message] | None = None
    events: list[Event] | None = None
    """The history in order: all of it, or its last ``history_last`` events."""
    calendar: CalendarStamp | None = None
    """The calendar's stamp, read with the clocks (``deadlines.service.calendar_at``)."""


_DECODER: Final = msgspec.json.Decoder(CaseView)


def _list(columns: str, source: str, where: str, order: str, limit: str = "") -> str:
    """A JSON array of ``source``'s rows; ``order`` names output columns of ``columns``."""
    return f"""(SELECT coalesce(json_agg(x ORDER BY {order}), '[]')
        FROM (SELECT {columns} FROM {source} WHERE {where} {limit}) x)"""


def _relations(
    parts: Collection[str], history_last: int | None, params: list[Any], applicant_id: str | None
) -> list[str]:
    """``'name', (subquery)`` pairs of the view's JSON object, for the case ``c``."""
    found = []
    if "applicant" in parts:
        found.append(f"""'applicant', (SELECT to_json(x) FROM (SELECT {_APPLICANT_COLUMNS}
            FROM applicant WHERE id = c.applicant_id) x)""")
    if "matter" in parts:
        found.append(f"""'versions', (SELECT coalesce(json_agg({VERSION_JSON}
            ORDER BY v.version DESC), '[]')
            FROM matter_version v JOIN matter m ON m.id = v.matter_id
            WHERE v.matter_id = c.matter_id)""")
    if "tasks" in parts:
        where = "t.case_id = c.id"
        found.append(
            f"'tasks', {_list(_TASK_COLUMNS, 'review_task t', where, 'x.created_at, x.position')}"
        )
    if "departments" in parts:
        where = """id = c.handling_department_id
            OR id IN (SELECT department_id FROM review_task WHERE case_id = c.id)"""
        found.append(f"'departments', {_list(_DEPARTMENT_COLUMNS, 'department', where, 'x.id')}")
    if "clocks" in parts:
        columns = f"{_CLOCK_COLUMNS}, created_at AS created"
        found.append(
            f"'clocks', {_list(columns, 'deadline_clock', 'case_id = c.id', 'x.created, x.kind')}"
        )
        found.append(f"'calendar', {CALENDAR_STAMP_JSON}")
    if "materials" in parts:
        columns = f"{_MATERIAL_COLUMNS}, id AS key"
        found.append(
            f"'materials', {_list(columns, 'case_material', 'case_id = c.id', 'x.uploaded_at, x.key')}"
        )
    if "messages" in parts:
        params.append(applicant_id)
        p = f"${len(params)}::uuid"
        where = (
            f"case_id = c.id AND ({p} IS NULL OR (audience = 'applicant' AND recipient_id = {p}))"
        )
        columns = f"{MESSAGE_COLUMNS}, event_seq"
        found.append(
            f"'messages', {_list(columns, 'notification_message', where, 'x.event_seq, x.channel')}"
        )
    if "history" in parts:
        columns = """seq, id::text, case_id::text, case_version, action, actor_kind, actor_id,
            actor_name, actor_roles, actor_department_id::text, reason, changes, payload,
            occurred_at"""
        limit = ""
        if history_last is not None:
            params.append(history_last)
            limit = f"ORDER BY seq DESC LIMIT ${len(params)}"
        found.append(f"'events', {_list(columns, 'case_event', 'case_id = c.id', 'x.seq', limit)}")
    return found


async def case_view(
    conn: asyncpg.Connection,
    *,
    principal: Principal,
    number: str,
    parts: Collection[str] = PARTS,
    history_last: int | None = None,
) -> CaseView | None:
    """The case ``number`` if ``principal`` may see it (as ``visible_cases_by_number``), with
    the relations named in ``parts`` — one statement. ``history_last`` keeps only the last N
    events (None: all); messages are those the viewer may see (an applicant: those to them)."""
    unknown = set(parts) - PARTS
    assert not unknown, unknown
    params: list[Any] = [number]
    viewer = ViewerSql(principal, params)
    visible, involved = viewer.visible(), viewer.involved()
    applicant_id = principal.applicant_id if principal.is_applicant else None
    relations = _relations(parts, history_last, params, applicant_id)
    row = await conn.fetchval(
        f"""SELECT json_build_object(
              'case', (SELECT to_json(x) FROM (SELECT {_CASE_COLUMNS},
                                                      {involved} AS viewer_involved) x)
              {"".join(f", {r}" for r in relations)})::text
            FROM case_record c WHERE c.number = $1 AND {visible}""",
        *params,
    )
    return None if row is None else _DECODER.decode(row)
