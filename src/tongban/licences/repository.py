"""SQL for electronic licences and the case materials that link them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from tongban.keyset import Order, Window
from tongban.licences.types import Licence
from tongban.rows import Select, fetch_one

_COLUMNS = """id::text, number, type_code, type_name, holder_applicant_id::text, holder_kind,
    holder_id_number, holder_credit_code, holder_name, department_id::text, issuer_name,
    case_id::text, result_number, issued_on, valid_from, valid_until, status, revoked_at,
    revoked_reason, blob_key, sha256, size, signature, key_id, issued_at"""
_LICENCES = Select(Licence, _COLUMNS, "e_licence")
_BY_NUMBER = Order(["number"], ["text"])


async def insert_licence(conn: asyncpg.Connection, licence: Licence) -> None:
    await conn.execute(
        """INSERT INTO e_licence (id, number, type_code, type_name, holder_applicant_id,
               holder_kind, holder_id_number, holder_credit_code, holder_name, department_id,
               issuer_name, case_id, result_number, issued_on, valid_from, valid_until, status,
               blob_key, sha256, size, signature, key_id, issued_at)
           VALUES ($1::uuid, $2, $3, $4, $5::uuid, $6, $7, $8, $9, $10::uuid, $11, $12::uuid,
                   $13, $14, $15, $16, 'valid', $17, $18, $19, $20, $21, $22)""",
        licence.id,
        licence.number,
        licence.type_code,
        licence.type_name,
        licence.holder_applicant_id,
        licence.holder_kind,
        licence.holder_id_number,
        licence.holder_credit_code,
        licence.holder_name,
        licence.department_id,
        licence.issuer_name,
        licence.case_id,
        licence.result_number,
        licence.issued_on,
        licence.valid_from,
        licence.valid_until,
        licence.blob_key,
        licence.sha256,
        licence.size,
        licence.signature,
        licence.key_id,
        licence.issued_at,
    )


async def licence_by_number(conn: asyncpg.Connection, *, number: str) -> Licence | None:
    return await _LICENCES.first(conn, "WHERE number = $1", number)


async def licence_by_id(conn: asyncpg.Connection, *, licence_id: str) -> Licence | None:
    return await _LICENCES.first(conn, "WHERE id = $1::uuid", licence_id)


async def licences_by_id(conn: asyncpg.Connection, *, ids: Sequence[str]) -> list[Licence]:
    return await _LICENCES.all(conn, "WHERE id = ANY($1::uuid[])", list(ids))


async def licences_of_cases(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Licence]:
    return await _LICENCES.all(conn, "WHERE case_id = ANY($1::uuid[])", list(case_ids))


async def licences_held_by(
    conn: asyncpg.Connection, *, applicant_id: str, type_codes: Sequence[str] | None = None
) -> list[Licence]:
    return await _LICENCES.all(
        conn,
        """WHERE holder_applicant_id = $1::uuid AND ($2::text[] IS NULL OR type_code = ANY($2))
           ORDER BY issued_at DESC, number""",
        applicant_id,
        None if type_codes is None else list(type_codes),
    )


async def licences_issued_by(
    conn: asyncpg.Connection, *, department_id: str, window: Window[tuple[str]]
) -> list[Licence]:
    """A page of the licences a department issued, in number order."""
    params: list[Any] = [department_id]
    seek, order_by = _BY_NUMBER.sql(window, params)
    params.append(window.limit)
    return await _LICENCES.all(
        conn,
        f"WHERE department_id = $1::uuid {seek} ORDER BY {order_by} LIMIT ${len(params)}",
        *params,
    )


async def count_issued_by(conn: asyncpg.Connection, *, department_id: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM e_licence WHERE department_id = $1::uuid", department_id
    )
    return count


async def revoke_licence(
    conn: asyncpg.Connection, *, case_id: str, reason: str, at: datetime
) -> Licence | None:
    """Mark the case's valid licence revoked; None when it has none (or it was revoked)."""
    return await fetch_one(
        conn,
        Licence,
        f"""UPDATE e_licence SET status = 'revoked', revoked_at = $2, revoked_reason = $3
            WHERE case_id = $1::uuid AND status = 'valid' RETURNING {_COLUMNS}""",
        case_id,
        at,
        reason,
    )


async def link_material(
    conn: asyncpg.Connection, *, case_id: str, material_code: str, licence: Licence, at: datetime
) -> None:
    """The case's material filled by the licence: its document, not a new upload."""
    await conn.execute(
        """INSERT INTO case_material (case_id, material_code, name, size, content_type, sha256,
                                      blob_key, phase, uploaded_at, licence_id)
           VALUES ($1, $2, $3, $4, 'application/pdf', $5, $6, 'submission', $7, $8::uuid)""",
        case_id,
        material_code,
        f"{licence.type_name}（电子证照 {licence.number}）.pdf",
        licence.size,
        licence.sha256,
        licence.blob_key,
        at,
        licence.id,
    )
