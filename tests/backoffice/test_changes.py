"""PATCH with ETags, soft delete and restore, and bad input that writes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import redis

from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import Database, inquiry_body, stream_entries, wait_for


def _writes(db: Database, merchant: str) -> tuple[int, int, int]:
    """Rows of every kind this merchant has: inquiries, audit entries, and the versions sum."""
    return (
        db.value("SELECT count(*) FROM inquiries WHERE merchant_id = %s", merchant),
        db.value("SELECT count(*) FROM inquiry_events WHERE merchant_id = %s", merchant),
        db.value(
            "SELECT coalesce(sum(version), 0) FROM inquiries WHERE merchant_id = %s", merchant
        ),
    )


def test_patch_with_if_match(api: httpx.Client, redis_client: redis.Redis, stream_key: str) -> None:
    merchant = new_merchant()
    h = auth("u1", merchant)
    inquiry = create(api, merchant)["id"]
    got = api.get(f"/v1/inquiries/{inquiry}", headers=h)
    etag = got.headers["etag"]
    assert etag == '"1"'
    assert got.json()["labels"]["type"] == {"en": "Pricing", "vi": "Báo giá"}

    changed = api.patch(
        f"/v1/inquiries/{inquiry}",
        json={"subject": "  New subject ", "locale": "vi"},
        headers={**h, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["subject"] == "New subject"
    assert changed.headers["etag"] == '"2"'

    stale = api.patch(
        f"/v1/inquiries/{inquiry}", json={"subject": "lost update"}, headers={**h, "If-Match": etag}
    )
    assert stale.status_code == 412
    blind = api.patch(f"/v1/inquiries/{inquiry}", json={"phone": None}, headers=h)
    assert blind.status_code == 200
    assert blind.json()["phone"] is None
    assert blind.json()["subject"] == "New subject"
    assert blind.json()["version"] == 3

    trail = api.get(f"/v1/inquiries/{inquiry}/events", headers=h).json()
    assert [e["action"] for e in trail] == ["created", "updated", "updated"]
    assert trail[1]["data"]["changes"] == {"subject": "New subject", "locale": "vi"}

    def updated() -> list[dict[str, Any]]:
        return [
            json.loads(f[b"data"])
            for _, f in stream_entries(redis_client, stream_key)
            if f[b"inquiry_id"].decode() == inquiry and f[b"topic"].endswith(b"/updated")
        ]

    events = wait_for(lambda: len(updated()) == 2 and updated())
    assert events[0]["changes"]["subject"] == "New subject"
    assert events[0]["actor_id"] == "u1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "CONVERTED"}, "status"),
        ({"assignee_id": "me"}, "assignee_id"),
        ({"colour": "blue"}, "colour"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"message": "a\x00b"}, "message"),
        ({"type": "bogus"}, "type"),
        ({}, "body"),
    ],
)
def test_patch_rejects_bad_fields(
    api: httpx.Client, db: Database, body: dict[str, Any], field: str
) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    before = _writes(db, merchant)
    response = api.patch(f"/v1/inquiries/{inquiry}", json=body, headers=auth("u1", merchant))
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert field in response.json()["detail"]
    assert _writes(db, merchant) == before


def test_soft_delete_and_restore(api: httpx.Client, db: Database) -> None:
    merchant = new_merchant()
    h = auth("u1", merchant)
    inquiry = create(api, merchant)["id"]
    assert api.post(f"/v1/inquiries/{inquiry}/restore", headers=h).status_code == 409
    assert api.delete(f"/v1/inquiries/{inquiry}", headers=h).status_code == 204
    assert api.get(f"/v1/inquiries/{inquiry}", headers=h).status_code == 404
    assert api.get(f"/v1/inquiries/{inquiry}/events", headers=h).status_code == 404
    assert api.get("/v1/inquiries", headers=h).json()["items"] == []
    assert api.get("/v1/inquiries/count", headers=h).json() == {"count": 0}
    assert api.delete(f"/v1/inquiries/{inquiry}", headers=h).status_code == 404
    assert api.post(f"/v1/inquiries/{inquiry}/assign", headers=h).status_code == 404
    assert db.value("SELECT deleted_at IS NOT NULL FROM inquiries WHERE id = %s", inquiry)

    restored = api.post(f"/v1/inquiries/{inquiry}/restore", headers=h)
    assert restored.status_code == 200
    assert restored.json()["status"] == "NEW"
    assert [i["id"] for i in api.get("/v1/inquiries", headers=h).json()["items"]] == [inquiry]
    assert api.get("/v1/inquiries/count", headers=h).json() == {"count": 1}
    trail = api.get(f"/v1/inquiries/{inquiry}/events", headers=h).json()
    assert [(e["action"], e["actor_id"]) for e in trail] == [
        ("created", "u1"),
        ("deleted", "u1"),
        ("restored", "u1"),
    ]
    missing = "01900000-0000-7000-8000-000000000000"
    assert api.post(f"/v1/inquiries/{missing}/restore", headers=h).status_code == 404


BAD_ACTIONS: list[tuple[str, Any, str]] = [
    ("assign", {"assignee_id": ""}, "assignee_id"),
    ("assign", {"reassign": "yes"}, "reassign"),
    ("assign", {"whom": "x"}, "whom"),
    ("reply", {}, "message"),
    ("reply", {"message": ""}, "message"),
    ("reply", {"message": "   "}, "message"),
    ("reply", {"message": "x" * 5001}, "message"),
    ("reply", {"message": "bad\x07bell"}, "message"),
    ("convert", {"note": 5}, "note"),
    ("lose", {}, "reason"),
    ("lose", {"reason": "bored"}, "reason"),
    ("lose", {"reason": "other", "note": "x" * 5001}, "note"),
]


@pytest.mark.parametrize(("action", "body", "field"), BAD_ACTIONS)
def test_lifecycle_bodies_are_validated(
    api: httpx.Client, db: Database, action: str, body: Any, field: str
) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    api.post(f"/v1/inquiries/{inquiry}/assign", headers=auth("u1", merchant))
    before = _writes(db, merchant)
    response = api.post(
        f"/v1/inquiries/{inquiry}/{action}", json=body, headers=auth("u1", merchant)
    )
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert field in response.json()["detail"]
    assert _writes(db, merchant) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("sort=name", "sort"),
        ("status=OPEN", "status"),
        ("type=bogus", "type"),
        ("created_after=monday", "created_after"),
        ("include_spam=maybe", "include_spam"),
        ("cursor=garbage", "cursor"),
    ],
)
def test_listing_params_are_validated(api: httpx.Client, query: str, field: str) -> None:
    response = api.get(f"/v1/inquiries?{query}", headers=auth())
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_create_rejects_every_bad_field_and_writes_nothing(api: httpx.Client, db: Database) -> None:
    merchant = new_merchant()
    body = inquiry_body(email="nope", country="XX", status="CONVERTED")
    del body["name"]
    response = api.post("/v1/inquiries", json=body, headers=auth("u1", merchant))
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "email", "country", "status"}
    for bad in ("[1, 2]", "not json"):
        raw = api.post(
            "/v1/inquiries",
            content=bad,
            headers={**auth("u1", merchant), "content-type": "application/json"},
        )
        assert raw.status_code == 400, raw.text
    assert _writes(db, merchant) == (0, 0, 0)
    stale = api.patch(
        f"/v1/inquiries/{create(api, merchant)['id']}",
        json={"subject": "x"},
        headers={**auth("u1", merchant), "If-Match": "banana"},
    )
    assert stale.status_code == 400
    assert stale.json()["errors"][0]["field"] == "If-Match"
