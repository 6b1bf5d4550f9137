"""Hostile token claims and headers are a 401 on every backoffice write, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest

from tests.backoffice.conftest import ALL_PERMS, create, make_token, new_merchant
from tests.conftest import JWT_SECRET
from tests.support import Database, inquiry_body


def _signed(header: object) -> str:
    """An HS256-signed token with an arbitrary header."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {"sub": "u1", "exp": int(time.time()) + 300, "perms": {"m1": ALL_PERMS}}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_a_sub_over_128_characters_is_401_on_create_assign_and_reply(
    api: httpx.Client, db: Database
) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    long = {"Authorization": f"Bearer {make_token('x' * 129, merchant)}", "x-merchant-id": merchant}
    for path, body in (
        ("/v1/inquiries", inquiry_body()),
        (f"/v1/inquiries/{inquiry}/assign", {}),
        (f"/v1/inquiries/{inquiry}/reply", {"message": "hello"}),
    ):
        response = api.post(path, json=body, headers=long)
        assert response.status_code == 401, (path, response.text)
        assert "sub" in response.json()["detail"]
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = %s", merchant) == 1
    assert db.value("SELECT status FROM inquiries WHERE id = %s", inquiry) == "NEW"


@pytest.mark.parametrize("header", [{"alg": ["HS256"]}, {"alg": {"a": 1}}, ["HS256"], {"alg": 1}])
def test_a_malformed_header_is_401(api: httpx.Client, header: object) -> None:
    response = api.get(
        "/v1/inquiries",
        headers={"Authorization": f"Bearer {_signed(header)}", "x-merchant-id": "m1"},
    )
    assert response.status_code == 401, response.text
    assert JWT_SECRET not in response.text
