"""Downloads through signed links: the link carries its permission, so no bearer token."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import asyncpg
from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.audit import service as audit
from tongban.cases import downloads
from tongban.config import Settings
from tongban.errors import DomainError, NotFoundError
from tongban.identifiers import is_uuid
from tongban.logs import request_id_var


class _File(NamedTuple):
    blob_key: str
    content_type: str
    name: str
    """The name the download is saved under."""
    case_id: str
    audited_as: str
    """The field of the access record: ``material:<id>`` or ``decision_document:<id>``."""


_Link = dict[str, Any]
"""The link's own words (expires, signature) and the time it is checked at."""


async def _material(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.material_for_download(conn, settings, material_id=file_id, **link)
    return _File(
        found.blob_key, found.content_type, found.name, found.case_id, f"material:{found.id}"
    )


async def _decision(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.decision_document_for_download(
        conn, settings, document_id=file_id, **link
    )
    return _File(
        found.blob_key,
        found.content_type,
        found.file_name,
        found.case_id,
        f"decision_document:{found.id}",
    )


async def _delivery_proof(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.delivery_proof_for_download(conn, settings, delivery_id=file_id, **link)
    proof = found.proof
    assert proof is not None
    return _File(
        proof.blob_key,
        proof.content_type,
        proof.file_name,
        found.case_id,
        f"delivery_proof:{found.id}",
    )


async def _licence(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.licence_for_download(conn, settings, licence_id=file_id, **link)
    return _File(
        found.blob_key,
        "application/pdf",
        f"{found.type_name}-{found.number}.pdf",
        found.case_id,
        f"e_licence:{found.id}",
    )


async def _signed_file(
    request: Request[Any, Any, Any],
    state: State,
    file_id: str,
    link: _Link,
    load: Callable[[asyncpg.Connection, Settings, str, _Link], Awaitable[_File]],
) -> Response[Any]:
    """The file a signed link names: ``load`` checks the link and finds the file. An
    officer's download is recorded (personal-data access audit) before a byte is sent; when
    that fails, nothing is sent."""
    # A link expires in real time, whatever the platform clock reads.
    link = {**link, "now": time.time()}
    by = str(link["by"])
    try:
        if not is_uuid(file_id) or (by and not is_uuid(by)):
            raise NotFoundError("no such file", problem="MATERIAL_NOT_FOUND")
        async with state.pool.acquire() as conn, conn.transaction():
            found = await load(conn, state.settings, file_id, link)
            if by:
                await audit.record_download(
                    conn,
                    officer_id=by,
                    case_id=found.case_id,
                    field=found.audited_as,
                    at=state.clock.now(),
                    request_id=request_id_var.get(),
                    client_address=request.client.host if request.client else None,
                )
        data = await state.blobs.get(found.blob_key)
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFoundError) else 403
        return Response(graphql_error_body(exc), status_code=status)
    return Response(
        data,
        media_type=found.content_type,
        headers={
            "content-disposition": downloads.content_disposition(found.name),
            # Personal documents: never kept by a shared cache, never sniffed into HTML.
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


@get("/files/materials/{material_id:str}", include_in_schema=False)
async def download_material(
    material_id: str,
    request: Request[Any, Any, Any],
    state: State,
    expires: str = "",
    signature: str = "",
    by: str = "",
) -> Response[Any]:
    """A material through its signed link (handed out as Material.downloadUrl)."""
    link: _Link = {"expires": expires, "signature": signature, "by": by}
    return await _signed_file(request, state, material_id, link, _material)


@get("/files/decisions/{document_id:str}", include_in_schema=False)
async def download_decision_document(
    document_id: str,
    request: Request[Any, Any, Any],
    state: State,
    expires: str = "",
    signature: str = "",
    by: str = "",
) -> Response[Any]:
    """A decision document through its signed link (DecisionDocument.downloadUrl)."""
    link: _Link = {"expires": expires, "signature": signature, "by": by}
    return await _signed_file(request, state, document_id, link, _decision)


@get("/files/delivery-proofs/{delivery_id:str}", include_in_schema=False)
async def download_delivery_proof(
    delivery_id: str,
    request: Request[Any, Any, Any],
    state: State,
    expires: str = "",
    signature: str = "",
    by: str = "",
) -> Response[Any]:
    """A delivery's proof through its signed link (DeliveryProof.downloadUrl)."""
    link: _Link = {"expires": expires, "signature": signature, "by": by}
    return await _signed_file(request, state, delivery_id, link, _delivery_proof)


@get("/files/licences/{licence_id:str}", include_in_schema=False)
async def download_licence(
    licence_id: str,
    request: Request[Any, Any, Any],
    state: State,
    expires: str = "",
    signature: str = "",
    by: str = "",
) -> Response[Any]:
    """An electronic licence's PDF through its signed link (Licence.downloadUrl)."""
    link: _Link = {"expires": expires, "signature": signature, "by": by}
    return await _signed_file(request, state, licence_id, link, _licence)
