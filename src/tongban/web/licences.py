"""Public verification of electronic licences (电子证照): no token, limited per address.

Anyone holding a licence's number and its PDF can ask whether it is genuine and in force; the
public keys are published so the detached signature can be checked offline as well.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from tongban.api.errors import graphql_error_body
from tongban.errors import DomainError
from tongban.licences import verification


@get("/licences/verify", include_in_schema=False)
async def verify_licence(state: State, number: str = "", sha256: str = "") -> Response[Any]:
    """{valid, status, type, number, holderName, issuer, validFrom, validUntil, signatureValid,
    keyId}: valid only when the licence exists, the hash is its document's, the signature
    holds and it is neither revoked nor expired on the platform's clock."""
    try:
        async with state.pool.acquire() as conn:
            answer = await verification.verify(
                conn, state.settings, number=number, sha256=sha256, now=state.clock.now()
            )
    except DomainError as exc:
        return Response(graphql_error_body(exc), status_code=400)
    return Response(answer, headers={"cache-control": "no-store"})


@get("/licences/signing-keys", include_in_schema=False)
async def licence_signing_keys(state: State) -> dict[str, Any]:
    """The public keys licences are signed with (JWKS, RFC 8037 OKP/Ed25519)."""
    return verification.signing_keys(state.settings)
