"""SQL for applicants (people and organisations) and the audit of their contact changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tongban.cases.types import (
    Applicant,
    ApplicantInput,
)
from tongban.rows import Select, struct_of

_APPLICANT_COLUMNS = """id::text, kind, name, id_number, credit_code, legal_representative,
    contact_name, mobile, email, channels"""
_APPLICANTS = Select(Applicant, _APPLICANT_COLUMNS, "applicant")


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
        return struct_of(Applicant, row), True
    # A statement of its own: it sees a row another transaction committed meanwhile.
    row = await conn.fetchrow(
        f"SELECT {_APPLICANT_COLUMNS} FROM applicant WHERE {conflict} = $1",
        applicant.id_number if conflict == "id_number" else applicant.credit_code,
    )
    assert row is not None
    return struct_of(Applicant, row), False


async def lock_applicant(conn: asyncpg.Connection, *, applicant_id: str) -> Applicant | None:
    return await _APPLICANTS.first(conn, "WHERE id = $1 FOR UPDATE", applicant_id)


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
    return struct_of(Applicant, row)


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
    return await _APPLICANTS.all(conn, "WHERE id = ANY($1::uuid[])", list(ids))
