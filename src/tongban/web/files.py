"""Downloads through signed links: the link carries its permission, so no bearer token."""

from __future__ import annotations

import time
from typing import Any

from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.cases import downloads
from tongban.config import Settings
from tongban.errors import DomainError, NotFoundError
from tongban.identifiers import is_uuid


@get("/files/materials/{material_id:str}", include_in_schema=False)
async def download_material(
    material_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A material through its signed link (handed out as Material.downloadUrl)."""
    settings: Settings = state.settings
    try:
        if not is_uuid(material_id):
            raise NotFoundError("no such material")
        async with state.pool.acquire() as conn:
            material = await downloads.material_for_download(
                conn,
                settings,
                material_id=material_id,
                expires=expires,
                signature=signature,
                # A link expires in real time, whatever the platform clock reads.
                now=time.time(),
            )
        data = await state.blobs.get(material.blob_key)
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFoundError) else 403
        return Response(graphql_error_body(exc), status_code=status)
    return Response(
        data,
        media_type=material.content_type,
        headers={
            "content-disposition": downloads.content_disposition(material.name),
            # Personal documents: never kept by a shared cache, never sniffed into HTML.
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )
