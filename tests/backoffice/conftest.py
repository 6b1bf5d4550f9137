"""Backoffice fixtures: one running backoffice process and tokens for staff of any merchant."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from shared.auth import InquiryPermissions
from tests.conftest import JWT_SECRET
from tests.support import ServiceProcess, inquiry_body

ALL_PERMS = [p.value for p in InquiryPermissions]


def make_token(
    sub: str = "u1",
    merchant: str = "m1",
    perms: list[str] | None = None,
    *,
    ttl: int = 600,
    secret: str = JWT_SECRET,
    **claims: Any,
) -> str:
    """A signed staff token; ``claims`` override or add claims."""
    payload: dict[str, Any] = {
        "sub": sub,
        "name": sub,
        "exp": int(time.time()) + ttl,
        "perms": {merchant: ALL_PERMS if perms is None else perms},
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def auth(sub: str = "u1", merchant: str = "m1", perms: list[str] | None = None) -> dict[str, str]:
    """Headers of a staff request for ``merchant``."""
    return {
        "Authorization": f"Bearer {make_token(sub, merchant, perms)}",
        "x-merchant-id": merchant,
    }


def new_merchant() -> str:
    """A merchant id no other test uses, so listings see only this test's inquiries."""
    return "m" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="session")
def backoffice(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """One backoffice process shared by the backoffice tests."""
    service = ServiceProcess("backoffice", base_env).start()
    yield service
    service.stop()


@pytest.fixture
def api(backoffice: ServiceProcess) -> Iterator[httpx.Client]:
    """An HTTP client on the backoffice."""
    with httpx.Client(base_url=backoffice.url, timeout=10) as client:
        yield client


def create(api: httpx.Client, merchant: str, sub: str = "u1", **overrides: Any) -> dict[str, Any]:
    """A staff-entered inquiry for ``merchant``; its JSON."""
    response = api.post(
        "/v1/inquiries", json=inquiry_body(**overrides), headers=auth(sub, merchant)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
