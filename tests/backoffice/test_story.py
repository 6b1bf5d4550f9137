"""The whole story: a public submit is claimed, answered and closed, audited and streamed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import redis

from tests.backoffice.conftest import auth, new_merchant
from tests.support import ServiceProcess, inquiry_body, stream_entries, wait_for

TOPIC = "observation/outreach/inquiry/"


def _events_of(redis_client: redis.Redis, stream_key: str, inquiry_id: str) -> list[dict[str, Any]]:
    return [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in stream_entries(redis_client, stream_key)
        if fields[b"inquiry_id"].decode() == inquiry_id
    ]


def _submit(intake: ServiceProcess, merchant: str, **overrides: Any) -> str:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(**overrides),
        headers={"x-merchant-id": merchant},
    )
    assert response.status_code == 201, response.text
    inquiry_id: str = response.json()["id"]
    return inquiry_id


def test_submit_assign_reply_convert_and_lose(
    api: httpx.Client, intake: ServiceProcess, redis_client: redis.Redis, stream_key: str
) -> None:
    merchant = new_merchant()
    rep = auth("rep-1", merchant)
    won = _submit(intake, merchant, subject="Won lead")

    listing = api.get("/v1/inquiries", headers=rep).json()
    assert [(i["id"], i["status"]) for i in listing["items"]] == [(won, "NEW")]

    assigned = api.post(f"/v1/inquiries/{won}/assign", headers=rep)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "ASSIGNED"
    assert assigned.json()["assignee_id"] == "rep-1"
    assert assigned.json()["assigned_by"] == "rep-1"

    replied = api.post(f"/v1/inquiries/{won}/reply", json={"message": "Happy to help"}, headers=rep)
    assert replied.status_code == 200, replied.text
    body = replied.json()
    assert body["status"] == "REPLIED"
    assert body["replied_by"] == "rep-1"
    assert body["replied_at"] is not None
    assert body["first_replied_at"] == body["replied_at"]
    assert body["last_reply_message"] == "Happy to help"

    converted = api.post(f"/v1/inquiries/{won}/convert", json={"note": "signed"}, headers=rep)
    assert converted.status_code == 200, converted.text
    assert converted.json()["status"] == "CONVERTED"
    assert converted.json()["converted_at"] is not None

    lost = _submit(intake, merchant, subject="Lost lead")
    response = api.post(
        f"/v1/inquiries/{lost}/lose", json={"reason": "no_budget", "note": "next year"}, headers=rep
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "LOST"
    assert response.json()["lost_reason"] == "no_budget"
    assert response.json()["lost_note"] == "next year"
    assert response.json()["labels"]["lost_reason"] == {
        "en": "No budget",
        "vi": "Không có ngân sách",
    }

    trail = api.get(f"/v1/inquiries/{won}/events", headers=rep).json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("submitted", None, "NEW"),
        ("assigned", "NEW", "ASSIGNED"),
        ("replied", "ASSIGNED", "REPLIED"),
        ("converted", "REPLIED", "CONVERTED"),
    ]
    assert [e["actor_id"] for e in trail[1:]] == ["rep-1"] * 3
    assert all(e["at"] for e in trail)
    assert trail[2]["data"]["message"] == "Happy to help"
    lost_trail = api.get(f"/v1/inquiries/{lost}/events", headers=rep).json()
    assert [e["action"] for e in lost_trail] == ["submitted", "lost"]
    assert lost_trail[1]["data"]["reason"] == "no_budget"

    won_events = wait_for(
        lambda: (e := _events_of(redis_client, stream_key, won)) and len(e) == 4 and e
    )
    assert [e["topic"] for e in won_events] == [
        TOPIC + "submitted",
        TOPIC + "assigned",
        TOPIC + "replied",
        TOPIC + "converted",
    ]
    for entry in won_events[1:]:
        data = json.loads(entry["data"])
        assert entry["merchant_id"] == merchant
        assert data["id"] == won
        assert data["merchant_id"] == merchant
        assert data["actor_id"] == "rep-1"
        assert data["at"]
    statuses = [json.loads(e["data"])["status"] for e in won_events[1:]]
    assert statuses == ["ASSIGNED", "REPLIED", "CONVERTED"]
    assert json.loads(won_events[1]["data"])["assignee_id"] == "rep-1"
    lost_events = wait_for(
        lambda: (e := _events_of(redis_client, stream_key, lost)) and len(e) == 2 and e
    )
    assert lost_events[1]["topic"] == TOPIC + "lost"
    assert json.loads(lost_events[1]["data"])["reason"] == "no_budget"

    stats = api.get("/v1/inquiries/stats", headers=rep).json()
    assert stats["counts"]["CONVERTED"] == 1
    assert stats["counts"]["LOST"] == 1
    assert stats["conversion_rate"] == 0.5
    assert stats["first_reply_seconds"]["median"] > 0


def test_staff_created_lead_is_submitted_like_a_public_one(
    api: httpx.Client, redis_client: redis.Redis, stream_key: str
) -> None:
    merchant = new_merchant()
    response = api.post("/v1/inquiries", json=inquiry_body(), headers=auth("rep-2", merchant))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "NEW"
    assert created["merchant_id"] == merchant
    events = wait_for(lambda: _events_of(redis_client, stream_key, created["id"]))
    assert [e["topic"] for e in events] == [TOPIC + "submitted"]
    assert json.loads(events[0]["data"])["business_name"] == "Acme Trading"
    trail = api.get(f"/v1/inquiries/{created['id']}/events", headers=auth("rep-2", merchant))
    assert [(e["action"], e["actor_id"]) for e in trail.json()] == [("created", "rep-2")]


def test_labels_for_any_valid_token(api: httpx.Client) -> None:
    response = api.get("/v1/labels", headers=auth("u1", "m1", perms=[]))
    assert response.status_code == 200
    labels = response.json()
    assert labels["statuses"]["NEW"] == {"en": "New", "vi": "Mới"}
    assert set(labels["types"]) == {"sales", "demo", "pricing", "partnership", "other"}
    assert "competitor" in labels["lost_reasons"]
    assert api.get("/v1/labels").status_code == 401


def test_health_metrics_and_openapi(api: httpx.Client) -> None:
    assert api.get("/health/live").status_code == 200
    ready = api.get("/health/ready")
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    merchant = new_merchant()
    created = api.post("/v1/inquiries", json=inquiry_body(), headers=auth("u1", merchant)).json()
    api.post(f"/v1/inquiries/{created['id']}/assign", headers=auth("u1", merchant))
    api.post(
        f"/v1/inquiries/{created['id']}/reply", json={"message": "hi"}, headers=auth("u1", merchant)
    )
    text = api.get("/metrics").text
    assert 'backoffice_lifecycle_transitions_total{action="assign"}' in text
    assert "backoffice_first_reply_seconds_count" in text
    schema = api.get("/schema/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert "/v1/inquiries/{inquiry_id}/lose" in schema["paths"]
