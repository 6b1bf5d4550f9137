"""Tokens, permissions and tenant isolation on every route."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from shared.auth import InquiryPermissions as P
from tests.backoffice.conftest import ALL_PERMS, auth, create, make_token, new_merchant
from tests.conftest import JWT_SECRET
from tests.support import inquiry_body

# Every guarded route: (method, path template, JSON body, the permission it needs).
ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/v1/inquiries", None, P.FIND),
    ("GET", "/v1/inquiries/count", None, P.COUNT),
    ("GET", "/v1/inquiries/stats", None, P.COUNT),
    ("GET", "/v1/inquiries/{id}", None, P.FIND_BY_ID),
    ("GET", "/v1/inquiries/{id}/events", None, P.FIND_BY_ID),
    ("POST", "/v1/inquiries", inquiry_body(), P.CREATE),
    ("PATCH", "/v1/inquiries/{id}", {"subject": "changed"}, P.UPDATE),
    ("POST", "/v1/inquiries/{id}/assign", {}, P.UPDATE),
    ("POST", "/v1/inquiries/{id}/reply", {"message": "hi"}, P.UPDATE),
    ("POST", "/v1/inquiries/{id}/convert", {}, P.UPDATE),
    ("POST", "/v1/inquiries/{id}/lose", {"reason": "other"}, P.UPDATE),
    ("DELETE", "/v1/inquiries/{id}", None, P.DELETE),
    ("POST", "/v1/inquiries/{id}/restore", None, P.DELETE),
]
BY_ID = [route for route in ROUTES if "{id}" in route[1]]


def _call(
    api: httpx.Client, route: tuple[str, str, Any, str], inquiry_id: str, headers: dict[str, str]
) -> httpx.Response:
    method, path, body, _ = route
    return api.request(method, path.format(id=inquiry_id), json=body, headers=headers)


def _alg_none(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


GOOD_CLAIMS = {"sub": "u1", "exp": int(time.time()) + 3600, "perms": {"m1": ALL_PERMS}}
OTHER_SECRET = "another-secret-0123456789-0123456789-xyz"  # noqa: S105
BAD_TOKENS = {
    "expired": make_token(ttl=-60),
    "wrong key": make_token(secret=OTHER_SECRET),
    "alg none": _alg_none(GOOD_CLAIMS),
    "no sub": make_token(sub=None),  # type: ignore[arg-type]
    "no exp": jwt.encode(
        {"sub": "u1", "perms": {"m1": ALL_PERMS}},
        JWT_SECRET,
        algorithm="HS256",
    ),
    "garbage": "not.a.jwt",
}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_missing_and_bad_tokens_are_401(
    api: httpx.Client, route: tuple[str, str, Any, str]
) -> None:
    inquiry = create(api, "m1")
    missing = _call(api, route, inquiry["id"], {"x-merchant-id": "m1"})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    for name, token in BAD_TOKENS.items():
        headers = {"Authorization": f"Bearer {token}", "x-merchant-id": "m1"}
        response = _call(api, route, inquiry["id"], headers)
        assert response.status_code == 401, (name, response.text)
    # nothing was changed by any rejected call
    assert api.get(f"/v1/inquiries/{inquiry['id']}", headers=auth()).json()["version"] == 1


@pytest.mark.parametrize("permission", list(P), ids=str)
def test_a_token_without_a_permission_gets_403_on_exactly_its_routes(
    api: httpx.Client, permission: P
) -> None:
    merchant = new_merchant()
    others = [p for p in ALL_PERMS if p != permission]
    for route in ROUTES:
        # a fresh ASSIGNED inquiry each time, so every allowed call has a valid transition
        inquiry = create(api, merchant)
        api.post(f"/v1/inquiries/{inquiry['id']}/assign", headers=auth("u1", merchant))
        if route[1].endswith("/restore"):
            api.delete(f"/v1/inquiries/{inquiry['id']}", headers=auth("u1", merchant))
        response = _call(api, route, inquiry["id"], auth("u1", merchant, others))
        if route[3] == permission:
            assert response.status_code == 403, (route, response.text)
            assert permission in response.json()["detail"]
        else:
            assert response.status_code in (200, 201, 204), (route, response.text)


def test_perms_for_another_merchant_grant_nothing_here(api: httpx.Client) -> None:
    response = api.get("/v1/inquiries", headers={**auth("u1", "other"), "x-merchant-id": "m1"})
    assert response.status_code == 403


def test_missing_merchant_header_is_400(api: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {make_token()}"}
    response = api.get("/v1/inquiries", headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "x-merchant-id"


def test_tenant_isolation_on_every_route(api: httpx.Client) -> None:
    a, b = new_merchant(), new_merchant()
    theirs = create(api, b, subject="B secret")
    api.post(f"/v1/inquiries/{theirs['id']}/assign", headers=auth("ub", b))
    for route in BY_ID:
        response = _call(api, route, theirs["id"], auth("ua", a))
        assert response.status_code == 404, (route, response.text)
    create(api, a, subject="A own")
    items = api.get("/v1/inquiries", headers=auth("ua", a)).json()["items"]
    assert [i["subject"] for i in items] == ["A own"]
    assert api.get("/v1/inquiries?q=secret", headers=auth("ua", a)).json()["items"] == []
    assert api.get("/v1/inquiries/count", headers=auth("ua", a)).json() == {"count": 1}
    stats = api.get("/v1/inquiries/stats", headers=auth("ua", a)).json()
    assert stats["counts"] == {"NEW": 1, "ASSIGNED": 0, "REPLIED": 0, "CONVERTED": 0, "LOST": 0}
    # B's inquiry is untouched by all of A's attempts
    mine = api.get(f"/v1/inquiries/{theirs['id']}", headers=auth("ub", b)).json()
    assert (mine["status"], mine["subject"], mine["version"]) == ("ASSIGNED", "B secret", 2)
