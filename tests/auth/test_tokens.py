import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.conftest import GraphQLClient, running

from tongban.app import create_app
from tongban.auth.errors import TokenError
from tongban.auth.tokens import VERIFIED_SECONDS, TokenVerifier, jwks_json, mint_token
from tongban.auth.types import Principal
from tongban.config import Settings, load_settings

VIEWER = "{ viewer { kind name officer { username roles department { code region { code } } } } }"


async def test_without_a_token_only_the_public_catalogue_can_be_read(client: GraphQLClient) -> None:
    public = await client.post("{ matters(first: 3) { edges { node { code } } } }")
    assert public.status_code == 200
    assert len(public.json()["data"]["matters"]["edges"]) == 3

    private = await client.post(VIEWER)
    body = private.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["details"] == {"reason": "missing"}


async def test_a_valid_officer_token_becomes_the_principal(client: GraphQLClient) -> None:
    token = await client.officer_token("th.scjg.reviewer")
    data = await client.execute(VIEWER, token=token)
    assert data["viewer"]["kind"] == "OFFICER"
    officer = data["viewer"]["officer"]
    assert officer["username"] == "th.scjg.reviewer"
    assert officer["roles"] == ["REVIEWER"]
    assert officer["department"] == {"code": "TH-SCJG", "region": {"code": "440106"}}


async def test_an_expired_token_gets_the_typed_error(client: GraphQLClient) -> None:
    token = await client.officer_token("th.window", now=time.time() - 7200, ttl_seconds=600)
    response = await client.post(VIEWER, token=token)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "expired"}
    assert "invalid_token" in response.headers["www-authenticate"]


async def test_a_forged_token_gets_the_typed_error(client: GraphQLClient) -> None:
    genuine = await client.officer_token("th.window")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    claims["tb"]["roles"] = ["admin"]
    forged = jwt.encode(claims, "not-the-platform-secret-0123456789abcdef", algorithm="HS256")
    response = await client.post(VIEWER, token=forged)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "invalid_signature"

    unsigned = jwt.encode(claims, None, algorithm="none")
    response = await client.post(VIEWER, token=unsigned)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_garbage_and_wrong_scheme_get_the_typed_error(client: GraphQLClient) -> None:
    response = await client.post(VIEWER, token="not.a.jwt")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "malformed"
    response = await client.http.post(
        "/graphql", json={"query": VIEWER}, headers={"authorization": "Basic dXNlcjpwYXNz"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "malformed"


async def test_a_token_for_another_audience_is_refused(client: GraphQLClient) -> None:
    other = Settings(**{**_fields(client.settings), "jwt_audience": "another-system"})
    principal = Principal(
        kind="applicant", subject="applicant:1", applicant_id="1", applicant_type="person"
    )
    response = await client.post(VIEWER, token=mint_token(other, principal))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["reason"] == "invalid_claims"


async def test_health_and_metrics_need_no_token(client: GraphQLClient) -> None:
    response = await client.http.get("/health/live", headers={"authorization": "Bearer junk"})
    assert response.status_code == 200


async def test_rs256_tokens_verify_against_a_jwks_file(
    database: str, redis_url: str, tmp_path: Path
) -> None:

    old_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path / "jwks.json"
    # Both keys published during a rotation: tokens signed by either verify.
    jwks.write_text(jwks_json({"k1": old_key.public_key(), "k2": new_key.public_key()}))
    settings = load_settings(
        {},
        env="test",
        database_url=database,
        redis_url=redis_url,
        jwt_algorithm="RS256",
        jwt_jwks_file=str(jwks),
    )
    principal = Principal(
        kind="applicant",
        subject="applicant:7",
        name="张三",
        applicant_id="7",
        applicant_type="person",
    )
    async with running(create_app(settings)) as http:
        for kid, key in (("k1", old_key), ("k2", new_key)):
            token = mint_token(settings, principal, private_key=key, kid=kid)
            response = await http.post(
                "/graphql",
                json={"query": "{ viewer { kind name } }"},
                headers={"authorization": f"Bearer {token}"},
            )
            assert response.json()["data"]["viewer"] == {"kind": "APPLICANT", "name": "张三"}
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = mint_token(settings, principal, private_key=stranger, kid="k1")
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { kind } }"},
            headers={"authorization": f"Bearer {forged}"},
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["reason"] == "invalid_signature"


def _fields(settings: Settings) -> dict[str, object]:
    import msgspec

    return {f.name: getattr(settings, f.name) for f in msgspec.structs.fields(settings)}


class _CountedVerifier(TokenVerifier):
    """Counts the full checks (signature and claims) and can be told to refuse them."""

    def __init__(self, settings: Settings, clock: list[float]) -> None:
        super().__init__(settings, now=lambda: clock[0])
        self.checks = 0
        self.refuse = False

    def _verify(self, token: str) -> Principal:
        self.checks += 1
        if self.refuse:
            raise TokenError("expired", "the access token has expired; sign in again")
        return super()._verify(token)


_APPLICANT = Principal(
    kind="applicant", subject="applicant:9", applicant_id="9", applicant_type="person"
)


def test_a_verified_token_is_remembered_for_a_minute() -> None:
    settings = load_settings({}, env="test")
    clock = [time.time()]
    verifier = _CountedVerifier(settings, clock)
    token = mint_token(settings, _APPLICANT)
    first = verifier.verify(token)
    clock[0] += VERIFIED_SECONDS - 1
    assert verifier.verify(token) == first
    assert verifier.checks == 1
    clock[0] += 2
    assert verifier.verify(token) == first
    assert verifier.checks == 2


def test_a_remembered_token_is_checked_again_once_it_expires() -> None:
    settings = load_settings({}, env="test")
    started = time.time()
    clock = [started]
    verifier = _CountedVerifier(settings, clock)
    # Expires in 10 s; PyJWT accepts it for the leeway after that, and so does the memory.
    token = mint_token(settings, _APPLICANT, now=started - 590, ttl_seconds=600)
    verifier.verify(token)
    clock[0] = started + 10 + settings.jwt_leeway_seconds - 1
    verifier.verify(token)
    assert verifier.checks == 1
    clock[0] += 1
    verifier.refuse = True
    with pytest.raises(TokenError):
        verifier.verify(token)
    # A token that failed its check is not remembered either.
    with pytest.raises(TokenError):
        verifier.verify(token)
    assert verifier.checks == 3
