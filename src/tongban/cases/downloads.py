"""Downloads of uploaded materials, decision documents and delivery proofs through short-lived signed URLs.

A browser follows a link without the API's bearer token, so the link itself carries the
permission: what it names (a material or a decision document, by id) and an expiry, signed with
``TONGBAN_DOWNLOAD_SECRET``. The kind is part of what is signed, so a material's link can never
be turned into a decision document's. Links are handed out only to those who may see the file
unmasked (the applicant, officers working on the case) and expire after
``TONGBAN_DOWNLOAD_URL_SECONDS`` (real time: a security window, not a legal date). An officer's
link also names the officer (``by``, signed with the rest): the download carries no token, and
the personal-data access audit records it against whom the link was issued to.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal
from urllib.parse import quote

import asyncpg

from tongban.cases import delivery_repository as delivery_repo
from tongban.cases import material_repository as material_repo
from tongban.cases.types import DecisionDocument, Delivery, Material
from tongban.config import Settings
from tongban.errors import ForbiddenError, NotFoundError
from tongban.licences import repository as licence_repo
from tongban.licences.types import Licence

FileKind = Literal["material", "decision", "delivery_proof", "export", "licence"]
PATH = "/files/materials/"
PATHS: dict[FileKind, str] = {
    "material": PATH,
    "decision": "/files/decisions/",
    # A delivery's proof (送达回证, post receipt), named by the delivery's id.
    "delivery_proof": "/files/delivery-proofs/",
    # A finished background export (exports.service), named by its job's id.
    "export": "/files/exports/",
    # An electronic licence's PDF (电子证照), named by the licence's id.
    "licence": "/files/licences/",
}


def _signature(secret: str, kind: FileKind, file_id: str, expires: int, by: str) -> str:
    message = f"{kind}:{file_id}:{expires}:{by}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_path(
    settings: Settings,
    file_id: str,
    *,
    now: float,
    kind: FileKind = "material",
    seconds: int | None = None,
    by: str = "",
) -> str:
    """The path of a link to the file, valid ``seconds`` (by default the download setting);
    ``by``: the officer the link is issued to (empty for the applicant)."""
    expires = int(now) + (settings.download_url_seconds if seconds is None else seconds)
    signature = _signature(settings.download_secret, kind, file_id, expires, by)
    named = f"&by={by}" if by else ""
    return f"{PATHS[kind]}{file_id}?expires={expires}{named}&signature={signature}"


class DownloadRefusedError(ForbiddenError):
    """The link was forged, altered or has expired: ask the API for a new one."""


def _check_link(
    settings: Settings,
    kind: FileKind,
    file_id: str,
    expires: str,
    signature: str,
    now: float,
    by: str,
) -> None:
    if not expires.isdigit() or not signature:
        raise DownloadRefusedError("a download link needs its expiry and signature")
    expected = _signature(settings.download_secret, kind, file_id, int(expires), by)
    if not hmac.compare_digest(expected, signature):
        raise DownloadRefusedError("the download link is not valid")
    if int(expires) < now:
        raise DownloadRefusedError("the download link has expired; ask for a new one")


def check_export_link(
    settings: Settings, *, job_id: str, expires: str, signature: str, now: float, by: str
) -> None:
    """An export's link is issued to its requester only (``by``)."""
    _check_link(settings, "export", job_id, expires, signature, now, by)


async def decision_document_for_download(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    document_id: str,
    expires: str,
    signature: str,
    now: float,
    by: str = "",
) -> DecisionDocument:
    _check_link(settings, "decision", document_id, expires, signature, now, by)
    found = await material_repo.decision_document_by_id(conn, document_id=document_id)
    if found is None:
        raise NotFoundError("no such decision document")
    return found


async def delivery_proof_for_download(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    delivery_id: str,
    expires: str,
    signature: str,
    now: float,
    by: str = "",
) -> Delivery:
    """The delivery whose proof the link names (it has one)."""
    _check_link(settings, "delivery_proof", delivery_id, expires, signature, now, by)
    found = await delivery_repo.delivery_by_id(conn, delivery_id=delivery_id)
    if found is None or found.proof is None:
        raise NotFoundError("no such delivery proof")
    return found


async def material_for_download(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    material_id: str,
    expires: str,
    signature: str,
    now: float,
    by: str = "",
) -> Material:
    _check_link(settings, "material", material_id, expires, signature, now, by)
    found = await material_repo.material_by_id(conn, material_id=material_id)
    if found is None:
        raise NotFoundError("no such material", problem="MATERIAL_NOT_FOUND")
    return found


async def licence_for_download(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    licence_id: str,
    expires: str,
    signature: str,
    now: float,
    by: str = "",
) -> Licence:
    _check_link(settings, "licence", licence_id, expires, signature, now, by)
    found = await licence_repo.licence_by_id(conn, licence_id=licence_id)
    if found is None:
        raise NotFoundError("no such licence", problem="LICENCE_NOT_FOUND")
    return found


def content_disposition(name: str) -> str:
    """``attachment`` (never rendered in the API's origin), with the UTF-8 name (RFC 6266)."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "") or "material"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
