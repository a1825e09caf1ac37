"""The key that signs electronic licences: a detached Ed25519 signature over the SHA-256 of the
licence's PDF, so anyone holding the document can check it offline against the published public
key (/licences/signing-keys), and online by number and hash (/licences/verify).

Production reads the private key (PEM, PKCS#8) from TONGBAN_LICENCE_SIGNING_KEY, a Secret, and
refuses to start without one. Development and tests use a fixed key derived from a public seed:
every process of a development stack (API, workers) signs alike and a restart keeps earlier
licences verifiable — and since the seed is public, nothing it signed is ever trusted. Make a
production key with ``openssl genpkey -algorithm ed25519``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_DEV_SEED = hashlib.sha256(b"tongban development licence signing key (public, never trusted)")


class SigningKeyError(ValueError):
    """The configured signing key is not an Ed25519 private key in PEM."""


@lru_cache(maxsize=4)
def private_key(pem: str) -> Ed25519PrivateKey:
    """The configured key, or (empty) the development key."""
    if not pem.strip():
        return Ed25519PrivateKey.from_private_bytes(_DEV_SEED.digest())
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the licence signing key must be an Ed25519 key")
    return key


def sign(pem: str, sha256_hex: str) -> str:
    """The base64 signature over the document's SHA-256 (its 32 raw bytes)."""
    return base64.b64encode(private_key(pem).sign(bytes.fromhex(sha256_hex))).decode()


def public_raw(pem: str) -> bytes:
    return (
        private_key(pem)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def verify(public: bytes, sha256_hex: str, signature_b64: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.b64decode(signature_b64), bytes.fromhex(sha256_hex)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def jwk(pem: str, key_id: str) -> dict[str, str]:
    """The public key as a JWK (RFC 8037: OKP, Ed25519)."""
    x = base64.urlsafe_b64encode(public_raw(pem)).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id, "use": "sig", "alg": "EdDSA"}
