"""Downloads of a case's files (materials, decision documents, delivery proofs, licences) and of
exports through short-lived signed URLs.

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
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import quote

import asyncpg
import msgspec

from tongban.cases import delivery_repository as delivery_repo
from tongban.cases import material_repository as material_repo
from tongban.config import Settings
from tongban.errors import ForbiddenError, NotFoundError
from tongban.licences import repository as licence_repo

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


def check_link(
    settings: Settings,
    kind: FileKind,
    file_id: str,
    *,
    expires: str,
    signature: str,
    now: float,
    by: str,
) -> None:
    """Refuse a forged, altered, other-kind or expired link (``now``: real time)."""
    if not expires.isdigit() or not signature:
        raise DownloadRefusedError("a download link needs its expiry and signature")
    expected = _signature(settings.download_secret, kind, file_id, int(expires), by)
    if not hmac.compare_digest(expected, signature):
        raise DownloadRefusedError("the download link is not valid")
    if int(expires) < now:
        raise DownloadRefusedError("the download link has expired; ask for a new one")


class DownloadFile(msgspec.Struct, frozen=True):
    """What a link to a case's file hands out, and how the access audit names it."""

    blob_key: str
    content_type: str
    name: str
    """The name the download is saved under."""
    case_id: str
    audited_as: str
    """The field of the access record: ``material:<id>``, ``decision_document:<id>`` …"""


async def _material(conn: asyncpg.Connection, file_id: str) -> DownloadFile:
    m = await material_repo.material_by_id(conn, material_id=file_id)
    if m is None:
        raise NotFoundError("no such material", problem="MATERIAL_NOT_FOUND")
    return DownloadFile(m.blob_key, m.content_type, m.name, m.case_id, f"material:{m.id}")


async def _decision(conn: asyncpg.Connection, file_id: str) -> DownloadFile:
    d = await material_repo.decision_document_by_id(conn, document_id=file_id)
    if d is None:
        raise NotFoundError("no such decision document")
    return DownloadFile(
        d.blob_key, d.content_type, d.file_name, d.case_id, f"decision_document:{d.id}"
    )


async def _delivery_proof(conn: asyncpg.Connection, file_id: str) -> DownloadFile:
    """The proof of the delivery the link names."""
    d = await delivery_repo.delivery_by_id(conn, delivery_id=file_id)
    if d is None or d.proof is None:
        raise NotFoundError("no such delivery proof")
    p = d.proof
    return DownloadFile(
        p.blob_key, p.content_type, p.file_name, d.case_id, f"delivery_proof:{d.id}"
    )


async def _licence(conn: asyncpg.Connection, file_id: str) -> DownloadFile:
    lic = await licence_repo.licence_by_id(conn, licence_id=file_id)
    if lic is None:
        raise NotFoundError("no such licence", problem="LICENCE_NOT_FOUND")
    name = f"{lic.type_name}-{lic.number}.pdf"
    return DownloadFile(lic.blob_key, "application/pdf", name, lic.case_id, f"e_licence:{lic.id}")


CaseFileKind = Literal["material", "decision", "delivery_proof", "licence"]
_LOADERS: dict[CaseFileKind, Callable[[asyncpg.Connection, str], Awaitable[DownloadFile]]] = {
    "material": _material,
    "decision": _decision,
    "delivery_proof": _delivery_proof,
    "licence": _licence,
}


async def file_for_download(
    conn: asyncpg.Connection,
    settings: Settings,
    kind: CaseFileKind,
    file_id: str,
    *,
    expires: str,
    signature: str,
    now: float,
    by: str = "",
) -> DownloadFile:
    """The case's file a signed link names, once the link is checked."""
    check_link(settings, kind, file_id, expires=expires, signature=signature, now=now, by=by)
    return await _LOADERS[kind](conn, file_id)


def content_disposition(name: str) -> str:
    """``attachment`` (never rendered in the API's origin), with the UTF-8 name (RFC 6266)."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "") or "material"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
