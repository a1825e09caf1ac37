"""What the public verification of a licence answers (电子证照核验)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import asyncpg

from tongban.clock import local_day
from tongban.config import Settings
from tongban.errors import ValidationError
from tongban.identifiers import mask_id_number
from tongban.licences import repository as repo
from tongban.licences import signing

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MAX_NUMBER = 100


def _masked_name(name: str) -> str:
    """A person's name to the public: the family name and stars (张**)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


async def verify(
    conn: asyncpg.Connection, settings: Settings, *, number: str, sha256: str, now: datetime
) -> dict[str, Any]:
    number, digest = number.strip(), sha256.strip().lower()
    if not number or len(number) > _MAX_NUMBER:
        raise ValidationError(
            "name the licence number", field="number", problem="INVALID_LICENCE_QUERY"
        )
    if not _SHA256.match(digest):
        raise ValidationError(
            "the document's SHA-256 is 64 hexadecimal characters",
            field="sha256",
            problem="INVALID_LICENCE_QUERY",
        )
    licence = await repo.licence_by_number(conn, number=number)
    if licence is None:
        return {"valid": False, "status": "unknown", "number": number}
    status = licence.status_on(local_day(now, settings.timezone))
    signature_valid = licence.sha256 == digest and signing.verify(
        _public_key(settings, licence.key_id), digest, licence.signature
    )
    person = licence.holder_kind == "person"
    return {
        "valid": signature_valid and status == "valid",
        "status": status,
        "type": licence.type_name,
        "typeCode": licence.type_code,
        "number": licence.number,
        "holderName": _masked_name(licence.holder_name) if person else licence.holder_name,
        "holderIdentifier": mask_id_number(licence.holder_identifier)
        if person
        else licence.holder_identifier,
        "issuer": licence.issuer_name,
        "issuedOn": licence.issued_on.isoformat(),
        "validFrom": licence.valid_from.isoformat(),
        "validUntil": None if licence.valid_until is None else licence.valid_until.isoformat(),
        "signatureValid": signature_valid,
        "documentMatches": licence.sha256 == digest,
        "keyId": licence.key_id,
    }


def _public_key(settings: Settings, key_id: str) -> bytes:
    # One key in force; a licence naming an unknown key cannot be checked (rotation keeps the
    # retired public keys here once there is one to keep).
    if key_id != settings.licence_key_id:
        return b""
    return signing.public_raw(settings.licence_signing_key)


def signing_keys(settings: Settings) -> dict[str, Any]:
    return {"keys": [signing.jwk(settings.licence_signing_key, settings.licence_key_id)]}
