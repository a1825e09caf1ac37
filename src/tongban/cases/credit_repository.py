"""SQL for credit records (失信记录): what failed verifications of commitments found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from tongban.cases.types import CreditRecord
from tongban.rows import fetch_all

_COLUMNS = """r.id::text, r.applicant_id::text, r.case_id::text, c.number AS case_number, r.kind,
    r.findings, r.department_id::text, r.recorded_by::text, r.recorded_at, r.recorded_on"""


async def insert_credit_record(
    conn: asyncpg.Connection,
    *,
    applicant_id: str,
    case_id: str,
    findings: str,
    department_id: str,
    recorded_by: str | None,
    at: datetime,
    on: date,
) -> str:
    record_id: str = await conn.fetchval(
        """INSERT INTO credit_record (applicant_id, case_id, kind, findings, department_id,
                                      recorded_by, recorded_at, recorded_on)
           VALUES ($1, $2, 'false_commitment', $3, $4, $5, $6, $7) RETURNING id::text""",
        applicant_id,
        case_id,
        findings,
        department_id,
        recorded_by,
        at,
        on,
    )
    return record_id


async def credit_records_of_applicants(
    conn: asyncpg.Connection, *, applicant_ids: Sequence[str]
) -> list[CreditRecord]:
    """Every record of these applicants, newest first."""
    return await fetch_all(
        conn,
        CreditRecord,
        f"""SELECT {_COLUMNS} FROM credit_record r JOIN case_record c ON c.id = r.case_id
            WHERE r.applicant_id = ANY($1::uuid[]) ORDER BY r.recorded_at DESC, r.id""",
        list(applicant_ids),
    )
