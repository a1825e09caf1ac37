"""SQL for what a case holds on file: materials and decision documents (supplement notices:
``supplement_repository``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from tongban.cases.types import (
    DecisionDocument,
    Material,
)
from tongban.rows import Select


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


_MATERIAL_COLUMNS = """id::text, case_id::text, material_code, name, size, content_type, sha256,
    blob_key, phase, uploaded_at, licence_id::text"""
_MATERIALS = Select(Material, _MATERIAL_COLUMNS, "case_material")


async def material_by_id(conn: asyncpg.Connection, *, material_id: str) -> Material | None:
    return await _MATERIALS.first(conn, "WHERE id = $1::uuid", material_id)


async def materials_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Material]:
    return await _MATERIALS.all(
        conn, "WHERE case_id = ANY($1::uuid[]) ORDER BY uploaded_at, id", list(case_ids)
    )


_DOCUMENT_COLUMNS = """id::text, case_id::text, file_name, size, content_type, sha256, blob_key,
    uploaded_at"""
_DOCUMENTS = Select(DecisionDocument, _DOCUMENT_COLUMNS, "case_decision_document")


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
    return await _DOCUMENTS.first(conn, "WHERE id = $1::uuid", document_id)


async def decision_documents_of(
    conn: asyncpg.Connection, *, case_ids: Sequence[str]
) -> list[DecisionDocument]:
    return await _DOCUMENTS.all(conn, "WHERE case_id = ANY($1::uuid[])", list(case_ids))


async def material_codes_of(conn: asyncpg.Connection, *, case_id: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT material_code FROM case_material WHERE case_id = $1 AND material_code IS NOT NULL",
        case_id,
    )
    return {r["material_code"] for r in rows}
