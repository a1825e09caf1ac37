"""SQL of the auth area: applicants' records as the identity provider verified them."""

from __future__ import annotations

from typing import Any

import asyncpg

from tongban.auth.types import VerifiedApplicant

_FIELDS = ("name", "legal_representative", "mobile", "email")


async def lock_applicant(
    conn: asyncpg.Connection, *, id_number: str | None, credit_code: str | None
) -> tuple[str, dict[str, Any]] | None:
    """The applicant with this identifier, locked, and its verified fields."""
    row = await conn.fetchrow(
        """SELECT id::text, name, legal_representative, mobile, email FROM applicant
           WHERE ($1::text IS NOT NULL AND id_number = $1)
              OR ($2::text IS NOT NULL AND credit_code = $2)
           FOR UPDATE""",
        id_number,
        credit_code,
    )
    if row is None:
        return None
    return row["id"], {f: row[f] for f in _FIELDS}


async def insert_applicant(conn: asyncpg.Connection, *, applicant: VerifiedApplicant) -> str | None:
    """A new applicant record; None when a concurrent request created it first."""
    channels = ["sms"] if applicant.mobile else []
    if applicant.email:
        channels.append("email")
    value: str | None = await conn.fetchval(
        """INSERT INTO applicant (kind, name, id_number, credit_code, legal_representative,
                                  mobile, email, channels)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT DO NOTHING
           RETURNING id::text""",
        applicant.kind,
        applicant.name,
        applicant.id_number,
        applicant.credit_code,
        applicant.legal_representative,
        applicant.mobile,
        applicant.email,
        channels or ["sms"],
    )
    return value


async def update_applicant(
    conn: asyncpg.Connection, *, applicant_id: str, changes: dict[str, Any]
) -> None:
    columns = [f for f in _FIELDS if f in changes]
    assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    await conn.execute(
        f"UPDATE applicant SET {assignments} WHERE id = $1",
        applicant_id,
        *(changes[c] for c in columns),
    )


async def last_verified(conn: asyncpg.Connection, *, applicant_id: str) -> dict[str, Any]:
    """The values the identity provider last verified for this applicant, field by field."""
    rows = await conn.fetch(
        """SELECT after FROM applicant_contact_change
           WHERE applicant_id = $1 AND source = 'identity_provider'
           ORDER BY changed_at, id""",
        applicant_id,
    )
    verified: dict[str, Any] = {}
    for row in rows:
        verified.update(row["after"])
    return verified
