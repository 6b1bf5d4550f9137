"""GET/PUT /v1/settings: default, bounds, types, permissions, and the target in force at create."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import ServiceProcess, inquiry_body


def target_of(api: httpx.Client, merchant: str) -> int:
    response = api.get("/v1/settings", headers=auth("u1", merchant, ["inquiry.find"]))
    assert response.status_code == 200, response.text
    value: int = response.json()["first_response_target_seconds"]
    return value


def test_the_default_until_set_then_the_merchants_own(api: httpx.Client) -> None:
    merchant, other = new_merchant(), new_merchant()
    assert api.get("/v1/settings", headers=auth("u1", merchant)).json() == {
        "first_response_target_seconds": 3600
    }
    for seconds in (60, 604800, 900):
        response = api.put(
            "/v1/settings",
            json={"first_response_target_seconds": seconds},
            headers=auth("u1", merchant, ["inquiry.update"]),
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"first_response_target_seconds": seconds}
    assert target_of(api, merchant) == 900
    assert target_of(api, other) == 3600


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"first_response_target_seconds": 59}, "first_response_target_seconds"),
        ({"first_response_target_seconds": 604801}, "first_response_target_seconds"),
        ({"first_response_target_seconds": "3600"}, "first_response_target_seconds"),
        ({"first_response_target_seconds": 3600.5}, "first_response_target_seconds"),
        ({"first_response_target_seconds": True}, "first_response_target_seconds"),
        ({"first_response_target_seconds": None}, "first_response_target_seconds"),
        ({}, "first_response_target_seconds"),
        ({"first_response_target_seconds": 600, "extra": 1}, "extra"),
        ([600], "body"),
    ],
)
def test_bad_bodies_are_400_naming_the_problem_and_change_nothing(
    api: httpx.Client, body: Any, named: str
) -> None:
    merchant = new_merchant()
    api.put(
        "/v1/settings", json={"first_response_target_seconds": 120}, headers=auth("u1", merchant)
    )
    response = api.put("/v1/settings", json=body, headers=auth("u1", merchant))
    assert response.status_code == 400, response.text
    assert named in response.json()["detail"]
    assert target_of(api, merchant) == 120


def test_not_json_is_400(api: httpx.Client) -> None:
    response = api.put(
        "/v1/settings",
        content=b"first_response_target_seconds=600",
        headers={**auth(), "content-type": "application/json"},
    )
    assert response.status_code == 400


def test_permissions(api: httpx.Client) -> None:
    merchant = new_merchant()
    body = {"first_response_target_seconds": 600}
    assert (
        api.get("/v1/settings", headers=auth("u1", merchant, ["inquiry.update"])).status_code == 403
    )
    put = api.put("/v1/settings", json=body, headers=auth("u1", merchant, ["inquiry.find"]))
    assert put.status_code == 403
    assert (
        api.put("/v1/settings", json=body, headers={"x-merchant-id": merchant}).status_code == 401
    )
    # A token for another merchant changes nothing here.
    foreign = {**auth("u1", new_merchant()), "x-merchant-id": merchant}
    assert api.put("/v1/settings", json=body, headers=foreign).status_code == 403
    assert target_of(api, merchant) == 3600


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_due_at_uses_the_target_in_force_at_creation(
    api: httpx.Client, intake: ServiceProcess
) -> None:
    merchant = new_merchant()
    before = create(api, merchant)
    assert _at(before["due_at"]) - _at(before["created_at"]) == timedelta(seconds=3600)
    api.put(
        "/v1/settings", json={"first_response_target_seconds": 120}, headers=auth("u1", merchant)
    )
    staff = create(api, merchant, email="bo@example.com")
    submitted = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(email="pub@example.com"),
        headers={"x-merchant-id": merchant},
    )
    assert submitted.status_code == 201, submitted.text
    public = api.get(f"/v1/inquiries/{submitted.json()['id']}", headers=auth("u1", merchant)).json()
    for row in (staff, public):
        assert _at(row["due_at"]) - _at(row["created_at"]) == timedelta(seconds=120)
        assert row["overdue"] is False
    # The earlier inquiry keeps the deadline it was created with.
    again = api.get(f"/v1/inquiries/{before['id']}", headers=auth("u1", merchant)).json()
    assert again["due_at"] == before["due_at"]
