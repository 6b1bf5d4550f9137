"""Staff tokens: HS256 with the secret, RS256 with the configured public key, nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import decode_token
from shared.errors import Unauthorized
from shared.settings import AuthSettings, SettingsError
from tests.conftest import JWT_SECRET, public_pem
from tests.support import ServiceProcess

CLAIMS: dict[str, Any] = {"sub": "u1", "perms": {"m1": ["inquiry.find"]}}


def _claims(**extra: Any) -> dict[str, Any]:
    return {**CLAIMS, "exp": int(time.time()) + 300, **extra}


@pytest.fixture(scope="module")
def settings(rsa_private_key: rsa.RSAPrivateKey) -> AuthSettings:
    """Both keys configured, as in the services of this test session."""
    return AuthSettings(jwt_secret=JWT_SECRET, jwt_public_key=public_pem(rsa_private_key))


def test_rs256_token_signed_by_the_configured_key_is_accepted(
    settings: AuthSettings, rsa_private_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(_claims(), rsa_private_key, algorithm="RS256")
    principal = decode_token(token, settings)
    assert principal.sub == "u1"
    assert principal.can("m1", "inquiry.find")


def test_rs256_from_another_key_or_without_a_configured_key_is_refused(
    settings: AuthSettings, rsa_private_key: rsa.RSAPrivateKey
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthorized, match="Signature verification failed"):
        decode_token(jwt.encode(_claims(), stranger, algorithm="RS256"), settings)
    hs_only = AuthSettings(jwt_secret=JWT_SECRET)
    with pytest.raises(Unauthorized, match="'RS256' is not accepted"):
        decode_token(jwt.encode(_claims(), rsa_private_key, algorithm="RS256"), hs_only)


def _token(header: dict[str, str], key: bytes | None) -> str:
    """A hand-made JWT: lets a test sign the way an attacker would."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest() if key else b""
    return f"{signing_input}.{b64(signature)}"


def test_the_public_key_cannot_be_used_as_an_hmac_secret(settings: AuthSettings) -> None:
    # Algorithm confusion: an HS256 token "signed" with the (public) PEM must not pass.
    forged = _token({"alg": "HS256", "typ": "JWT"}, settings.jwt_public_key.encode())
    with pytest.raises(Unauthorized, match="Signature verification failed"):
        decode_token(forged, settings)


@pytest.mark.parametrize("algorithm", ["none", "HS512", "ES256"])
def test_other_algorithms_are_refused(settings: AuthSettings, algorithm: str) -> None:
    with pytest.raises(Unauthorized, match="is not accepted"):
        decode_token(_token({"alg": algorithm, "typ": "JWT"}, None), settings)


def test_a_bad_public_key_setting_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="JWT_PUBLIC_KEY"):
        AuthSettings.from_env({"JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nnope\n"})


def test_backoffice_accepts_rs256_tokens(
    base_env: dict[str, str], rsa_private_key: rsa.RSAPrivateKey
) -> None:
    backoffice = ServiceProcess("backoffice", base_env).start()
    try:
        good = jwt.encode(_claims(), rsa_private_key, algorithm="RS256")
        answer = httpx.get(
            f"{backoffice.url}/v1/inquiries",
            headers={"authorization": f"Bearer {good}", "x-merchant-id": "m1"},
        )
        assert answer.status_code == 200, answer.text
        forged = _token({"alg": "HS256", "typ": "JWT"}, base_env["JWT_PUBLIC_KEY"].encode())
        refused = httpx.get(
            f"{backoffice.url}/v1/inquiries",
            headers={"authorization": f"Bearer {forged}", "x-merchant-id": "m1"},
        )
        assert refused.status_code == 401
    finally:
        backoffice.stop()


def _raw_token(header: object, claims: object) -> str:
    """A token whose header and claims may be any JSON at all (signed with the secret)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": ["HS256"], "typ": "JWT"},
        {"alg": {"HS256": 1}},
        {"alg": 256},
        {"alg": None},
        {"typ": "JWT"},
        {"alg": "HS256", "kid": ["a"]},
        ["HS256"],
        "HS256",
    ],
)
def test_a_malformed_header_is_unauthorized(settings: AuthSettings, header: object) -> None:
    with pytest.raises(Unauthorized):
        decode_token(_raw_token(header, _claims()), settings)


@pytest.mark.parametrize(
    "claims",
    [
        _claims(sub="x" * 129),
        _claims(sub=""),
        _claims(sub=["u1"]),
        _claims(perms=["m1"]),
        _claims(perms={"m1": "inquiry.find"}),
        _claims(name={"first": "Ann"}),
        _claims(exp="tomorrow"),
        ["u1"],
    ],
)
def test_malformed_claims_are_unauthorized(settings: AuthSettings, claims: object) -> None:
    with pytest.raises(Unauthorized):
        decode_token(_raw_token({"alg": "HS256", "typ": "JWT"}, claims), settings)


def test_a_sub_of_128_characters_is_accepted(settings: AuthSettings) -> None:
    token = _raw_token({"alg": "HS256", "typ": "JWT"}, _claims(sub="x" * 128))
    assert decode_token(token, settings).sub == "x" * 128
