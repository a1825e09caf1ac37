"""Downloads through signed links: the link carries its permission, so no bearer token."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.audit import service as audit
from tongban.cases import downloads
from tongban.errors import DomainError, NotFoundError
from tongban.identifiers import is_uuid
from tongban.logs import request_id_var


async def _signed_file(
    request: Request[Any, Any, Any],
    state: State,
    kind: downloads.CaseFileKind,
    file_id: str,
    link: dict[str, str],
) -> Response[Any]:
    """The file a signed link names (its words: expires, signature, by). An officer's
    download is recorded (personal-data access audit) before a byte is sent; when that fails,
    nothing is sent."""
    by = link["by"]
    try:
        if not is_uuid(file_id) or (by and not is_uuid(by)):
            raise NotFoundError("no such file", problem="MATERIAL_NOT_FOUND")
        async with state.pool.acquire() as conn, conn.transaction():
            # A link expires in real time, whatever the platform clock reads.
            found = await downloads.file_for_download(
                conn, state.settings, kind, file_id, now=time.time(), **link
            )
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


def _download_route(segment: str, kind: downloads.CaseFileKind, what: str) -> HTTPRouteHandler:
    """The route of one kind of file: ``/files/<segment>/<id>`` with the link's words as query
    parameters (handed out as the file's ``downloadUrl``)."""

    async def download(
        file_id: str,
        request: Request[Any, Any, Any],
        state: State,
        expires: str = "",
        signature: str = "",
        by: str = "",
    ) -> Response[Any]:
        link = {"expires": expires, "signature": signature, "by": by}
        return await _signed_file(request, state, kind, file_id, link)

    download.__doc__ = f"{what} through its signed link."
    route = get(f"/files/{segment}/{{file_id:str}}", include_in_schema=False, name=f"{kind}_file")
    return route(download)


download_material = _download_route("materials", "material", "A material (Material.downloadUrl)")
download_decision_document = _download_route(
    "decisions", "decision", "A decision document (DecisionDocument.downloadUrl)"
)
download_delivery_proof = _download_route(
    "delivery-proofs", "delivery_proof", "A delivery's proof (DeliveryProof.downloadUrl)"
)
download_licence = _download_route(
    "licences", "licence", "An electronic licence's PDF (Licence.downloadUrl)"
)
