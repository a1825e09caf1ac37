"""SQL for case rows: numbering, idempotency, locking, updates, visibility and the node lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.cases.types import (
    Case,
)
from tongban.rows import assignments

_CASE_COLUMNS = """c.id::text, c.number, c.matter_id::text, c.matter_version, c.applicant_id::text,
    c.receiving_region, c.handling_region, c.handling_department_id::text, c.state,
    c.confidentiality, c.form_data, c.received_at, c.received_on, c.accepted_on, c.decided_at,
    c.current_stage, c.review_round, c.supplement_count, c.extension_days, c.extension_reason,
    c.decision, c.decision_reason, c.result_number, c.delivered_at, c.rating, c.rating_comment,
    c.rerating, c.rerating_comment, c.rerated_at, c.terminal_reason, c.competent_agency,
    c.commitment_conditions_hash, c.committed_at, c.verification_outcome, c.verified_at,
    c.version, c.updated_at, c.stated_name, c.stated_contact_name, c.stated_mobile, c.stated_email,
    c.stated_channels, c.owed_due_on, c.supplement_due_on, c.special_procedure_kind,
    c.bundle_application_id::text"""

_UPDATABLE = frozenset(
    {
        "state",
        # 一件事一次办: a waiting item counts as received when it is released.
        "received_at",
        "received_on",
        "handling_region",
        "handling_lineage",
        "handling_department_id",
        "accepted_on",
        "decided_at",
        "current_stage",
        "review_round",
        "supplement_count",
        "extension_days",
        "extension_reason",
        "decision",
        "decision_reason",
        "result_number",
        "delivered_at",
        "rating",
        "rating_comment",
        "rated_at",
        "rerating",
        "rerating_comment",
        "rerated_at",
        "terminal_reason",
        "competent_agency",
        "verification_outcome",
        "verified_at",
        "owed_due_on",
        "supplement_due_on",
        "special_procedure_kind",
    }
)


def _case(r: Any) -> Case:
    values = dict(r)
    values.setdefault("viewer_involved", False)
    return msgspec.convert(values, Case, from_attributes=False)


async def next_sequence(conn: asyncpg.Connection, *, region_code: str, day: date) -> int:
    value: int = await conn.fetchval(
        """
        INSERT INTO case_number_sequence (region_code, day, last) VALUES ($1, $2, 1)
        ON CONFLICT (region_code, day) DO UPDATE SET last = case_number_sequence.last + 1
        RETURNING last
        """,
        region_code,
        day,
    )
    return value


async def lock_idempotency_key(conn: asyncpg.Connection, *, submitted_by: str, key: str) -> None:
    """Serialise submissions that share a key, so retries find the first instead of racing it."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{submitted_by}|{key}"
    )


async def find_by_idempotency_key(
    conn: asyncpg.Connection, *, submitted_by: str, key: str
) -> tuple[str, str] | None:
    row = await conn.fetchrow(
        """SELECT number, request_hash FROM case_record
           WHERE submitted_by = $1 AND idempotency_key = $2""",
        submitted_by,
        key,
    )
    return None if row is None else (row["number"], row["request_hash"])


async def insert_case(conn: asyncpg.Connection, **values: Any) -> str:
    columns = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    case_id: str = await conn.fetchval(
        f"INSERT INTO case_record ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id::text",
        *values.values(),
    )
    return case_id


async def lock_case(conn: asyncpg.Connection, *, number: str) -> Case | None:
    """Read the case and hold its row lock until the transaction ends."""
    row = await conn.fetchrow(
        f"SELECT {_CASE_COLUMNS} FROM case_record c WHERE c.number = $1 FOR UPDATE", number
    )
    return None if row is None else _case(row)


async def case_with_identifier(conn: asyncpg.Connection, *, number: str) -> tuple[Case, str] | None:
    """The case and its applicant's identifier (ID number or credit code), for the public
    progress query, which checks the identifier itself."""
    row = await conn.fetchrow(
        f"""SELECT {_CASE_COLUMNS}, coalesce(a.id_number, a.credit_code) AS identifier
            FROM case_record c JOIN applicant a ON a.id = c.applicant_id
            WHERE c.number = $1""",
        number,
    )
    if row is None:
        return None
    values = dict(row)
    identifier: str = values.pop("identifier")
    return _case(values), identifier


async def lock_case_by_id(conn: asyncpg.Connection, *, case_id: str) -> Case | None:
    row = await conn.fetchrow(
        f"SELECT {_CASE_COLUMNS} FROM case_record c WHERE c.id = $1 FOR UPDATE", case_id
    )
    return None if row is None else _case(row)


async def update_case(
    conn: asyncpg.Connection, *, case_id: str, changes: dict[str, Any], at: datetime
) -> int:
    """Apply ``changes`` and bump the version, updated ``at``; returns the new version."""
    columns = assignments(changes, _UPDATABLE)
    columns += ["version = version + 1", f"updated_at = ${len(changes) + 2}"]
    version: int = await conn.fetchval(
        f"UPDATE case_record SET {', '.join(columns)} WHERE id = $1 RETURNING version",
        case_id,
        *changes.values(),
        at,
    )
    return version


async def visible_cases_by_number(
    conn: asyncpg.Connection, *, principal: Principal, numbers: Sequence[str]
) -> list[Case]:
    return await _visible_cases(conn, principal, "c.number = ANY($1::text[])", numbers)


async def visible_cases_by_id(
    conn: asyncpg.Connection, *, principal: Principal, ids: Sequence[str]
) -> list[Case]:
    return await _visible_cases(conn, principal, "c.id = ANY($1::uuid[])", ids)


async def _visible_cases(
    conn: asyncpg.Connection, principal: Principal, match: str, keys: Sequence[str]
) -> list[Case]:
    params: list[Any] = [list(keys)]
    viewer = ViewerSql(principal, params)
    visible, involved = viewer.visible(), viewer.involved()
    rows = await conn.fetch(
        f"""SELECT {_CASE_COLUMNS}, {involved} AS viewer_involved FROM case_record c
            WHERE {match} AND {visible}""",
        *params,
    )
    return [_case(r) for r in rows]


async def case_exists(conn: asyncpg.Connection, *, number: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM case_record WHERE number = $1)", number
    )
    return found


async def kind_of_record(
    conn: asyncpg.Connection, *, record_id: str
) -> tuple[str, str | None] | None:
    """Which kind of record a UUID names, and the case it belongs to, if any (the Relay
    ``node(id:)`` lookup: one statement, whatever the kind)."""
    row = await conn.fetchrow(
        """SELECT 'Case' AS kind, id::text AS case_id FROM case_record WHERE id = $1::uuid
           UNION ALL SELECT 'Task', case_id::text FROM review_task WHERE id = $1::uuid
           UNION ALL SELECT 'Material', case_id::text FROM case_material WHERE id = $1::uuid
           UNION ALL SELECT 'CaseEvent', case_id::text FROM case_event WHERE id = $1::uuid
           UNION ALL SELECT 'Deadline', case_id::text FROM deadline_clock WHERE id = $1::uuid
           UNION ALL SELECT 'Department', NULL FROM department WHERE id = $1::uuid
           UNION ALL SELECT 'Matter', NULL FROM matter WHERE id = $1::uuid
           LIMIT 1""",
        record_id,
    )
    return None if row is None else (row["kind"], row["case_id"])
