"""Bearer JWT verification (HS256 in development, RS256 from a JWKS in production) and minting."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import msgspec

from tongban.auth.errors import TokenError
from tongban.auth.types import ROLES, Principal
from tongban.config import Settings
from tongban.errors import DomainError
from tongban.identifiers import (
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_resident_id,
)

CLAIMS_NAMESPACE = "tb"
# A verified token is remembered for this long (never past its expiry): a client sends the same
# token with every request, and checking its RS256 signature and claims again each time was
# ~5 % of a submission's CPU in the API. A signing key withdrawn from the JWKS stops being
# honoured within this time; revoking an officer (officer.active) is checked per request anyway.
VERIFIED_SECONDS = 60.0
# Bounds the memory: a valid signature is needed to add an entry, yet a leaked key must not be
# able to grow a process without limit.
_MAX_VERIFIED = 10_000


class TokenVerifier:
    def __init__(self, settings: Settings, now: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._algorithm = settings.jwt_algorithm
        self._now = now
        # token -> (its principal, until when it may be answered from here)
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._jwks: jwt.PyJWKSet | None = None
        self._jwks_client: jwt.PyJWKClient | None = None
        if self._algorithm == "RS256":
            if settings.jwt_jwks_file:
                self._jwks = jwt.PyJWKSet.from_json(Path(settings.jwt_jwks_file).read_text())
            else:
                # Caches keys and refetches on an unknown `kid`, so key rotation needs no restart.
                self._jwks_client = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)

    def _key_for(self, token: str) -> Any:
        if self._algorithm == "HS256":
            return self._settings.jwt_secret
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if self._jwks is not None:
            for key in self._jwks.keys:
                if kid is None or key.key_id == kid:
                    return key.key
            raise TokenError("invalid_signature", f"no signing key with kid {kid!r}")
        assert self._jwks_client is not None
        return self._jwks_client.get_signing_key_from_jwt(token).key

    def verify(self, token: str) -> Principal:
        """The token's principal, or TokenError. Only a token that passed every check is
        remembered, and only until it expires (the same leeway as PyJWT's own check)."""
        now = self._now()
        known = self._verified.get(token)
        if known is not None and now < known[1]:
            return known[0]
        principal = self._verify(token)
        if len(self._verified) >= _MAX_VERIFIED:
            self._verified.clear()
        expires_at = principal.expires_at or now
        until = min(now + VERIFIED_SECONDS, expires_at + self._settings.jwt_leeway_seconds)
        self._verified[token] = (principal, until)
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            key = self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._settings.jwt_leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except TokenError:
            raise
        except jwt.ExpiredSignatureError:
            raise TokenError("expired", "the access token has expired; sign in again") from None
        except jwt.InvalidSignatureError:
            raise TokenError("invalid_signature", "the access token signature is invalid") from None
        except jwt.DecodeError:
            raise TokenError("malformed", "the access token cannot be decoded") from None
        except jwt.PyJWKClientError as exc:
            raise TokenError("invalid_signature", f"signing key unavailable: {exc}") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError("invalid_claims", f"the access token is not valid: {exc}") from None
        # A token minted to live for months (a stolen signing key, a misconfigured identity
        # provider) would outlast every revocation short of rotating the key.
        lifetime = claims["exp"] - claims["iat"]
        if (
            not isinstance(lifetime, int | float)
            or lifetime > self._settings.jwt_max_lifetime_seconds
        ):
            raise TokenError(
                "invalid_claims",
                "the access token lives longer than "
                f"{self._settings.jwt_max_lifetime_seconds} seconds",
            )
        principal = principal_from_claims(claims)
        return msgspec.structs.replace(principal, expires_at=float(claims["exp"]))


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    extra = claims.get(CLAIMS_NAMESPACE)
    if not isinstance(extra, dict):
        raise TokenError("invalid_claims", f"the access token lacks the {CLAIMS_NAMESPACE!r} claim")
    kind = extra.get("kind")
    try:
        if kind == "officer":
            roles = frozenset(str(r) for r in extra["roles"])
            if not roles or not roles <= set(ROLES):
                raise ValueError("roles")
            clearance = int(extra.get("clearance", 0))
            if not 0 <= clearance <= 3:
                raise ValueError("clearance")
            return Principal(
                kind="officer",
                subject=str(claims["sub"]),
                name=str(extra.get("name", "")),
                officer_id=str(extra["officer_id"]),
                department_id=str(extra["department_id"]),
                region_code=str(extra["region_code"]),
                roles=roles,
                clearance=clearance,
            )
        if kind == "applicant":
            return _applicant(claims, extra)
    except DomainError as exc:
        raise TokenError(
            "invalid_claims", f"the access token has a bad claim: {exc.message}"
        ) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError("invalid_claims", f"the access token has a bad claim: {exc}") from None
    raise TokenError("invalid_claims", f"unknown principal kind {kind!r}")


def _optional(extra: dict[str, Any], name: str) -> str | None:
    value = extra.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError(name)
    return value


def _applicant(claims: dict[str, Any], extra: dict[str, Any]) -> Principal:
    """An applicant: either one of ours (``applicant_id``, tokens Tongban mints for
    development and tests) or a person or organisation verified by the province's identity
    provider (统一身份认证), named by ID number or credit code — see README, "Applicants"."""
    applicant_type = extra["applicant_type"]
    if applicant_type not in ("person", "organisation"):
        raise ValueError("applicant_type")
    applicant_id = _optional(extra, "applicant_id")
    id_number = _optional(extra, "id_number")
    credit_code = _optional(extra, "credit_code")
    name = str(extra.get("name", "")).strip()
    if applicant_id is None:
        # A verified identity must name who it is, by the identifier of its kind.
        if not name or len(name) > 100:
            raise ValueError("name")
        if applicant_type == "person":
            id_number = validate_resident_id(id_number or "", field="id_number")
            credit_code = None
        else:
            # Early real codes whose check character fails exist; the IdP verified them.
            credit_code = validate_credit_code(
                credit_code or "", mode="warn", field="credit_code"
            ).code
            id_number = None
    mobile = _optional(extra, "mobile")
    email = _optional(extra, "email")
    if mobile is not None:
        mobile = validate_mobile(mobile, field="mobile")
    if email is not None:
        email = validate_email(email, field="email")
    return Principal(
        kind="applicant",
        subject=str(claims["sub"]),
        name=name,
        applicant_id=applicant_id,
        applicant_type=applicant_type,
        id_number=id_number,
        credit_code=credit_code,
        legal_representative=_optional(extra, "legal_representative"),
        mobile=mobile,
        email=email,
    )


def mint_token(
    settings: Settings,
    principal: Principal,
    *,
    ttl_seconds: int = 8 * 3600,
    now: float | None = None,
    private_key: Any = None,
    kid: str | None = None,
) -> str:
    """Issue a token for ``principal`` (development tooling and tests; production uses an IdP)."""
    issued = int(now if now is not None else time.time())
    extra: dict[str, Any] = {"kind": principal.kind, "name": principal.name}
    if principal.is_officer:
        extra |= {
            "officer_id": principal.officer_id,
            "department_id": principal.department_id,
            "region_code": principal.region_code,
            "roles": sorted(principal.roles),
            "clearance": principal.clearance,
        }
    else:
        extra |= {
            "applicant_type": principal.applicant_type,
            **{
                name: value
                for name in (
                    "applicant_id",
                    "id_number",
                    "credit_code",
                    "legal_representative",
                    "mobile",
                    "email",
                )
                if (value := getattr(principal, name)) is not None
            },
        }
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": principal.subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        CLAIMS_NAMESPACE: extra,
    }
    if settings.jwt_algorithm == "HS256":
        return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, private_key, algorithm="RS256", headers=headers)


def jwks_json(public_keys: dict[str, Any]) -> str:
    """A JWKS document for ``{kid: public_key}`` (tests and key-rotation tooling)."""
    keys = []
    for kid, key in public_keys.items():
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
        keys.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
    return json.dumps({"keys": keys})
