"""SQL of delivery records (送达, Art. 44): one per case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from tongban.cases.types import Delivery, DeliveryProof
from tongban.rows import struct_of

_COLUMNS = """id::text, case_id::text, method, recipient_name, recipient_is_agent, carrier,
    tracking_number, decision_document_id::text, proof_file_name, proof_content_type, proof_size,
    proof_sha256, proof_blob_key, delivered_at, delivered_by::text, delivered_by_name,
    recorded_at"""


def _delivery(row: asyncpg.Record) -> Delivery:
    values: dict[str, Any] = dict(row)
    proof = None
    if values["proof_blob_key"] is not None:
        proof = DeliveryProof(
            file_name=values["proof_file_name"],
            content_type=values["proof_content_type"],
            size=values["proof_size"],
            sha256=values["proof_sha256"],
            blob_key=values["proof_blob_key"],
        )
    return struct_of(Delivery, {**values, "proof": proof})


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    case_id: str,
    method: str,
    recipient_name: str,
    recipient_is_agent: bool,
    carrier: str | None,
    tracking_number: str | None,
    decision_document_id: str | None,
    proof: DeliveryProof | None,
    delivered_at: Any,
    delivered_by: str,
    delivered_by_name: str,
    recorded_at: Any,
) -> str:
    delivery_id: str = await conn.fetchval(
        """INSERT INTO case_delivery (case_id, method, recipient_name, recipient_is_agent,
               carrier, tracking_number, decision_document_id, proof_file_name,
               proof_content_type, proof_size, proof_sha256, proof_blob_key, delivered_at,
               delivered_by, delivered_by_name, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::uuid, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           RETURNING id::text""",
        case_id,
        method,
        recipient_name,
        recipient_is_agent,
        carrier,
        tracking_number,
        decision_document_id,
        None if proof is None else proof.file_name,
        None if proof is None else proof.content_type,
        None if proof is None else proof.size,
        None if proof is None else proof.sha256,
        None if proof is None else proof.blob_key,
        delivered_at,
        delivered_by,
        delivered_by_name,
        recorded_at,
    )
    return delivery_id


async def deliveries_of(conn: asyncpg.Connection, *, case_ids: Sequence[str]) -> list[Delivery]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM case_delivery WHERE case_id = ANY($1::uuid[])", list(case_ids)
    )
    return [_delivery(r) for r in rows]


async def delivery_by_id(conn: asyncpg.Connection, *, delivery_id: str) -> Delivery | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM case_delivery WHERE id = $1::uuid", delivery_id
    )
    return None if row is None else _delivery(row)
