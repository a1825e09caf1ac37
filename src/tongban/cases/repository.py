"""SQL for applicants, cases, materials, supplements, special procedures and the history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from tongban.auth.types import Principal
from tongban.cases.access import ViewerSql
from tongban.cases.types import (
    EVENT_ACTIONS,
    Applicant,
    ApplicantInput,
    Case,
    DecisionDocument,
    Event,
    Material,
)
from tongban.events import types as events

_APPLICANT_COLUMNS = """id::text, kind, name, id_number, credit_code, legal_representative,
    contact_name, mobile, email, channels"""

_CASE_COLUMNS = """c.id::text, c.number, c.matter_id::text, c.matter_version, c.applicant_id::text,
    c.receiving_region, c.handling_region, c.handling_department_id::text, c.state,
    c.confidentiality, c.form_data, c.received_at, c.received_on, c.accepted_on, c.decided_at,
    c.current_stage, c.review_round, c.supplement_count, c.extension_days, c.extension_reason,
    c.decision, c.decision_reason, c.result_number, c.delivered_at, c.rating, c.rating_comment,
    c.terminal_reason, c.competent_agency, c.version, c.updated_at, c.stated_name,
    c.stated_contact_name, c.stated_mobile, c.stated_email, c.stated_channels"""

_UPDATABLE = frozenset(
    {
        "state",
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
        "terminal_reason",
        "competent_agency",
    }
)


def _applicant(r: Any) -> Applicant:
    return Applicant(
        id=r["id"],
        kind=r["kind"],
        name=r["name"],
        id_number=r["id_number"],
        credit_code=r["credit_code"],
        legal_representative=r["legal_representative"],
        contact_name=r["contact_name"],
        mobile=r["mobile"],
        email=r["email"],
        channels=tuple(r["channels"]),
    )


def _case(r: Any) -> Case:
    values = dict(r)
    values.setdefault("viewer_involved", False)
    return msgspec.convert(values, Case, from_attributes=False)


async def find_or_create_applicant(
    conn: asyncpg.Connection, *, applicant: ApplicantInput
) -> tuple[Applicant, bool]:
    """The person or organisation with this identifier, created from ``applicant`` when new
    (created=True). An existing record is returned as it is: details given at a window are
    the filer's statement, kept on the case, not the person's own."""
    conflict = "id_number" if applicant.kind == "person" else "credit_code"
    row = await conn.fetchrow(
        f"""
        INSERT INTO applicant (kind, name, id_number, credit_code, legal_representative,
                               contact_name, mobile, email, channels)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT ({conflict}) DO NOTHING
        RETURNING {_APPLICANT_COLUMNS}
        """,
        applicant.kind,
        applicant.name,
        applicant.id_number,
        applicant.credit_code,
        applicant.legal_representative,
        applicant.contact_name,
        applicant.mobile,
        applicant.email,
        list(applicant.channels),
    )
    if row is not None:
        return _applicant(row), True
    # A statement of its own: it sees a row another transaction committed meanwhile.
    row = await conn.fetchrow(
        f"SELECT {_APPLICANT_COLUMNS} FROM applicant WHERE {conflict} = $1",
        applicant.id_number if conflict == "id_number" else applicant.credit_code,
    )
    assert row is not None
    return _applicant(row), False


async def lock_applicant(conn: asyncpg.Connection, *, applicant_id: str) -> Applicant | None:
    row = await conn.fetchrow(
        f"SELECT {_APPLICANT_COLUMNS} FROM applicant WHERE id = $1 FOR UPDATE", applicant_id
    )
    return None if row is None else _applicant(row)


async def update_applicant_contact(
    conn: asyncpg.Connection,
    *,
    applicant_id: str,
    contact_name: str | None,
    mobile: str | None,
    email: str | None,
    channels: Sequence[str],
) -> Applicant:
    row = await conn.fetchrow(
        f"""UPDATE applicant SET contact_name = $2, mobile = $3, email = $4, channels = $5
            WHERE id = $1 RETURNING {_APPLICANT_COLUMNS}""",
        applicant_id,
        contact_name,
        mobile,
        email,
        list(channels),
    )
    assert row is not None
    return _applicant(row)


async def insert_contact_change(
    conn: asyncpg.Connection,
    *,
    applicant_id: str,
    changed_by: str,
    changed_at: datetime,
    before: dict[str, Any],
    after: dict[str, Any],
    source: str = "applicant",
) -> None:
    """An audit row of a change to a person's contact details: by the person themselves
    (``applicant``) or as the identity provider verified it (``identity_provider``)."""
    await conn.execute(
        """INSERT INTO applicant_contact_change
               (applicant_id, changed_by, changed_at, source, before, after)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        applicant_id,
        changed_by,
        changed_at,
        source,
        before,
        after,
    )


async def applicants_by_id(conn: asyncpg.Connection, *, ids: Sequence[str]) -> list[Applicant]:
    rows = await conn.fetch(
        f"SELECT {_APPLICANT_COLUMNS} FROM applicant WHERE id = ANY($1::uuid[])", list(ids)
    )
    return [_applicant(r) for r in rows]


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


async def insert_material(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    material_code: str | None,
    name: str,
    size: int,
    content_type: str,
    sha256: str,
    blob_key: str,
    phase: str,
    at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO case_material (case_id, material_code, name, size, content_type, sha256,
                                      blob_key, phase, uploaded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        case_id,
        material_code,
        name,
        size,
        content_type,
        sha256,
        blob_key,
        phase,
        at,
    )


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
    unknown = set(changes) - _UPDATABLE
    assert not unknown, unknown
    assignments = [f"{column} = ${i}" for i, column in enumerate(changes, start=2)]
    assignments += ["version = version + 1", f"updated_at = ${len(changes) + 2}"]
    version: int = await conn.fetchval(
        f"UPDATE case_record SET {', '.join(assignments)} WHERE id = $1 RETURNING version",
        case_id,
        *changes.values(),
        at,
    )
    return version


async def visible_cases_by_number(
    conn: asyncpg.Connection, *, principal: Principal, numbers: Sequence[str]
) -> list[Case]:
    params: list[Any] = [list(numbers)]
    viewer = ViewerSql(principal, params)
    visible, involved = viewer.visible(), viewer.involved()
    rows = await conn.fetch(
        f"""SELECT {_CASE_COLUMNS}, {involved} AS viewer_involved FROM case_record c
            WHERE c.number = ANY($1::text[]) AND {visible}""",
        *params,
    )
    return [_case(r) for r in rows]


async def visible_cases_by_id(
    conn: asyncpg.Connection, *, principal: Principal, ids: Sequence[str]
) -> list[Case]:
    params: list[Any] = [list(ids)]
    viewer = ViewerSql(principal, params)
    visible, involved = viewer.visible(), viewer.involved()
    rows = await conn.fetch(
        f"""SELECT {_CASE_COLUMNS}, {involved} AS viewer_involved FROM case_record c
            WHERE c.id = ANY($1::uuid[]) AND {visible}""",
        *params,
    )
    return [_case(r) for r in rows]


async def case_exists(conn: asyncpg.Connection, *, number: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM case_record WHERE number = $1)", number
    )
    return found


_MATERIAL_COLUMNS = """id::text, case_id::text, material_code, name, size, content_type, sha256,
    blob_key, phase, uploaded_at"""


async def material_by_id(conn: asyncpg.Connection, *, material_id: str) -> Material | None:
    row = await conn.fetchrow(
        f"SELECT {_MATERIAL_COLUMNS} FROM case_material WHERE id = $1::uuid", material_id
    )
    return None if row is None else msgspec.convert(dict(row), Material)


async def materials_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Material]:
    rows = await conn.fetch(
        f"""SELECT {_MATERIAL_COLUMNS} FROM case_material
            WHERE case_id = ANY($1::uuid[]) ORDER BY uploaded_at, id""",
        list(case_ids),
    )
    return [msgspec.convert(dict(r), Material) for r in rows]


_DOCUMENT_COLUMNS = """id::text, case_id::text, file_name, size, content_type, sha256, blob_key,
    uploaded_at"""


async def insert_decision_document(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    file_name: str,
    size: int,
    content_type: str,
    sha256: str,
    blob_key: str,
) -> str:
    document_id: str = await conn.fetchval(
        """INSERT INTO case_decision_document (case_id, file_name, size, content_type, sha256,
                                               blob_key)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text""",
        case_id,
        file_name,
        size,
        content_type,
        sha256,
        blob_key,
    )
    return document_id


async def decision_document_by_id(
    conn: asyncpg.Connection, *, document_id: str
) -> DecisionDocument | None:
    row = await conn.fetchrow(
        f"SELECT {_DOCUMENT_COLUMNS} FROM case_decision_document WHERE id = $1::uuid",
        document_id,
    )
    return None if row is None else msgspec.convert(dict(row), DecisionDocument)


async def decision_documents_of(
    conn: asyncpg.Connection, *, case_ids: Sequence[str]
) -> list[DecisionDocument]:
    rows = await conn.fetch(
        f"SELECT {_DOCUMENT_COLUMNS} FROM case_decision_document WHERE case_id = ANY($1::uuid[])",
        list(case_ids),
    )
    return [msgspec.convert(dict(r), DecisionDocument) for r in rows]


async def material_codes_of(conn: asyncpg.Connection, *, case_id: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT material_code FROM case_material WHERE case_id = $1 AND material_code IS NOT NULL",
        case_id,
    )
    return {r["material_code"] for r in rows}


async def insert_supplement_notice(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    phase: str,
    material_codes: Sequence[str],
    note: str,
    officer_id: str,
    on: date,
    at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO supplement_notice (case_id, phase, material_codes, note, requested_by,
                                          requested_on, requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        case_id,
        phase,
        list(material_codes),
        note,
        officer_id,
        on,
        at,
    )


async def open_supplement_notice(
    conn: asyncpg.Connection, *, case_id: str
) -> tuple[str, list[str]] | None:
    row = await conn.fetchrow(
        """SELECT id::text, material_codes FROM supplement_notice
           WHERE case_id = $1 AND fulfilled_at IS NULL ORDER BY requested_at DESC LIMIT 1""",
        case_id,
    )
    return None if row is None else (row["id"], list(row["material_codes"]))


async def fulfil_supplement_notice(
    conn: asyncpg.Connection, *, notice_id: str, on: date, at: datetime
) -> None:
    await conn.execute(
        "UPDATE supplement_notice SET fulfilled_at = $3, fulfilled_on = $2 WHERE id = $1",
        notice_id,
        on,
        at,
    )


async def insert_event(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    case_version: int,
    occurred_at: datetime,
    principal: Principal,
    reason: str | None,
    changes: dict[str, Any],
    event: events.Event,
    topic: str,
    outbox: events.OutboxMessage,
) -> str:
    """Append to the history and to the outbox, in the caller's transaction."""
    # The API reads the history through an enum derived from EventAction: an action outside it
    # would break every history query of the case, so it is refused before it is written.
    action = events.action_of(event)
    if action not in EVENT_ACTIONS:
        raise ValueError(f"{action!r} is not an EventAction")
    actor_id = principal.officer_id or principal.applicant_id
    event_id: str = await conn.fetchval(
        """
        WITH e AS (
            INSERT INTO case_event (case_id, case_version, action, actor_kind, actor_id,
                                    actor_name, actor_roles, actor_department_id, reason,
                                    changes, payload, occurred_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14)
            RETURNING id, seq
        )
        INSERT INTO outbox (event_id, case_id, topic, payload)
        SELECT e.id, $1, $12, $13 || jsonb_build_object('eventId', e.id::text, 'seq', e.seq)
        FROM e
        RETURNING event_id::text
        """,
        case_id,
        case_version,
        action,
        principal.kind if not principal.is_anonymous else "system",
        actor_id,
        principal.name,
        sorted(principal.roles),
        principal.department_id,
        reason,
        changes,
        events.payload_of(event),
        topic,
        msgspec.to_builtins(outbox),
        occurred_at,
    )
    return event_id


async def events_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Event]:
    rows = await conn.fetch(
        """SELECT seq, id::text, case_id::text, case_version, action, actor_kind, actor_id,
                  actor_name, actor_roles, actor_department_id::text, reason, changes, payload,
                  occurred_at
           FROM case_event WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, seq""",
        list(case_ids),
    )
    return [msgspec.convert(dict(r), Event) for r in rows]


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
