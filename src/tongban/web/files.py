"""Downloads through signed links: the link carries its permission, so no bearer token."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.cases import downloads
from tongban.config import Settings
from tongban.errors import DomainError, NotFoundError
from tongban.identifiers import is_uuid

_File = tuple[str, str, str]
"""Blob key, content type and the name the download is saved under."""


_Link = dict[str, Any]
"""The link's own words (expires, signature) and the time it is checked at."""


async def _material(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.material_for_download(conn, settings, material_id=file_id, **link)
    return found.blob_key, found.content_type, found.name


async def _decision(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.decision_document_for_download(
        conn, settings, document_id=file_id, **link
    )
    return found.blob_key, found.content_type, found.file_name


async def _delivery_proof(
    conn: asyncpg.Connection, settings: Settings, file_id: str, link: _Link
) -> _File:
    found = await downloads.delivery_proof_for_download(conn, settings, delivery_id=file_id, **link)
    return found.blob_key, found.content_type, found.file_name


async def _signed_file(
    state: State,
    file_id: str,
    expires: str,
    signature: str,
    load: Callable[[asyncpg.Connection, Settings, str, _Link], Awaitable[_File]],
) -> Response[Any]:
    """The file a signed link names: ``load`` checks the link and gives (blob key, type, name)."""
    # A link expires in real time, whatever the platform clock reads.
    link: _Link = {"expires": expires, "signature": signature, "now": time.time()}
    try:
        if not is_uuid(file_id):
            raise NotFoundError("no such file", problem="MATERIAL_NOT_FOUND")
        async with state.pool.acquire() as conn:
            blob_key, content_type, name = await load(conn, state.settings, file_id, link)
        data = await state.blobs.get(blob_key)
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFoundError) else 403
        return Response(graphql_error_body(exc), status_code=status)
    return Response(
        data,
        media_type=content_type,
        headers={
            "content-disposition": downloads.content_disposition(name),
            # Personal documents: never kept by a shared cache, never sniffed into HTML.
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


@get("/files/materials/{material_id:str}", include_in_schema=False)
async def download_material(
    material_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A material through its signed link (handed out as Material.downloadUrl)."""
    return await _signed_file(state, material_id, expires, signature, _material)


@get("/files/decisions/{document_id:str}", include_in_schema=False)
async def download_decision_document(
    document_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A decision document through its signed link (DecisionDocument.downloadUrl)."""
    return await _signed_file(state, document_id, expires, signature, _decision)


@get("/files/delivery-proofs/{delivery_id:str}", include_in_schema=False)
async def download_delivery_proof(
    delivery_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A delivery's proof through its signed link (DeliveryProof.downloadUrl)."""
    return await _signed_file(state, delivery_id, expires, signature, _delivery_proof)
