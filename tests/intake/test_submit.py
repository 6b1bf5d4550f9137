"""A submit is stored as NEW with every field, and its event reaches the stream exactly once."""

from __future__ import annotations

import uuid

import httpx
import msgspec
import redis

from tests.support import Database, ServiceProcess, inquiry_body, stream_entries, wait_for


def _entries_for(client: redis.Redis, stream_key: str, inquiry_id: str) -> list[dict[bytes, bytes]]:
    return [
        fields
        for _, fields in stream_entries(client, stream_key)
        if fields[b"inquiry_id"].decode() == inquiry_id
    ]


def test_json_submit_stores_every_field_and_publishes_the_spec_payload(
    intake: ServiceProcess, db: Database, redis_client: redis.Redis, stream_key: str
) -> None:
    body = inquiry_body(name="  Ann Nguyen  ", message="Line one\r\nLine two")
    response = httpx.post(
        f"{intake.url}/v1/inquiries", json=body, headers={"x-merchant-id": "m-json"}
    )

    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"id", "status", "created_at"}
    assert answer["status"] == "NEW"
    assert uuid.UUID(answer["id"]).version == 7

    row = db.rows("SELECT * FROM inquiries WHERE id = %s", answer["id"])[0]
    assert row["merchant_id"] == "m-json"
    assert row["status"] == "NEW"
    assert row["name"] == "Ann Nguyen"  # trimmed
    assert row["message"] == "Line one\nLine two"  # CRLF from a browser kept as a line break
    for field in (
        "email",
        "phone",
        "business_name",
        "business_size",
        "industry",
        "website",
        "country",
        "subject",
        "type",
        "locale",
        "source",
    ):
        assert row[field] == body[field], field
    assert row["is_spam"] is False
    assert row["version"] == 1
    assert row["deleted_at"] is None

    entries = wait_for(lambda: _entries_for(redis_client, stream_key, answer["id"]))
    assert len(entries) == 1
    entry = entries[0]
    assert set(entry) == {
        b"topic",
        b"event_id",
        b"merchant_id",
        b"inquiry_id",
        b"occurred_at",
        b"data",
    }
    assert entry[b"topic"] == b"observation/outreach/inquiry/submitted"
    assert entry[b"merchant_id"] == b"m-json"
    uuid.UUID(entry[b"event_id"].decode())
    data = msgspec.json.decode(entry[b"data"])
    assert data == {
        "id": answer["id"],
        "merchant_id": "m-json",
        "type": "pricing",
        "name": "Ann Nguyen",
        "email": "ann@example.com",
        "business_name": "Acme Trading",
        "subject": "Pricing for 3 stores",
        "created_at": answer["created_at"],
        "duplicate_of": None,  # SPEC §13: the merchant's first inquiry from this email
    }
    audit = db.rows(
        "SELECT action, to_status FROM inquiry_events WHERE inquiry_id = %s", answer["id"]
    )
    assert audit == [{"action": "submitted", "to_status": "NEW"}]


def test_defaults_apply_when_optional_fields_are_absent(
    intake: ServiceProcess, db: Database
) -> None:
    body = {
        k: v
        for k, v in inquiry_body().items()
        if k in ("name", "email", "business_name", "subject", "message")
    }
    response = httpx.post(
        f"{intake.url}/v1/inquiries", json=body, headers={"x-merchant-id": "m-min"}
    )

    assert response.status_code == 201, response.text
    row = db.rows(
        "SELECT type, locale, phone, source FROM inquiries WHERE id = %s", response.json()["id"]
    )[0]
    assert row == {"type": "sales", "locale": "en", "phone": None, "source": None}


def test_form_submit_with_json_accept_answers_json(intake: ServiceProcess, db: Database) -> None:
    form = {k: v for k, v in inquiry_body().items() if k != "source"}
    form["source.utm_campaign"] = "spring"
    response = httpx.post(f"{intake.url}/v1/inquiries?merchant_id=m-form", data=form)

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "NEW"
    row = db.rows(
        "SELECT merchant_id, source, email FROM inquiries WHERE id = %s", response.json()["id"]
    )[0]
    assert row == {
        "merchant_id": "m-form",
        "source": {"utm_campaign": "spring"},
        "email": "ann@example.com",
    }


def test_browser_form_is_redirected_only_to_an_allowed_origin(
    intake: ServiceProcess, db: Database
) -> None:
    form = {k: v for k, v in inquiry_body().items() if k != "source"}
    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    allowed = httpx.post(
        f"{intake.url}/v1/inquiries?merchant_id=m-html",
        data={**form, "_next": "https://site.example/thanks"},
        headers=html,
    )
    assert allowed.status_code == 303
    assert allowed.headers["location"] == "https://site.example/thanks"

    foreign = httpx.post(
        f"{intake.url}/v1/inquiries?merchant_id=m-html",
        data={**form, "_next": "https://evil.example/phish", "locale": "vi"},
        headers=html,
    )
    assert foreign.status_code == 201
    assert foreign.headers["content-type"].startswith("text/html")
    assert "Cảm ơn bạn" in foreign.text
    assert "evil.example" not in foreign.text
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-html'") == 2


def test_browser_form_errors_come_back_as_a_readable_page(
    intake: ServiceProcess, db: Database
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries?merchant_id=m-html-bad",
        data={"name": "Ann", "email": "not-an-email", "locale": "vi"},
        headers={"accept": "text/html"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "phải là địa chỉ email hợp lệ" in response.text
    for field in ("email", "business_name", "subject", "message"):
        assert f"<strong>{field}</strong>" in response.text
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-html-bad'") == 0


def test_honeypot_is_stored_as_spam_and_never_notified(
    intake: ServiceProcess, db: Database, redis_client: redis.Redis, stream_key: str
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(_gotcha="http://spam.example"),
        headers={"x-merchant-id": "m-spam"},
    )
    ok = httpx.post(
        f"{intake.url}/v1/inquiries", json=inquiry_body(), headers={"x-merchant-id": "m-spam"}
    )

    assert response.status_code == 201
    spam_id = response.json()["id"]
    assert db.value("SELECT is_spam FROM inquiries WHERE id = %s", spam_id) is True
    # The honest submit after it is published; the spam one before it never is.
    wait_for(lambda: _entries_for(redis_client, stream_key, ok.json()["id"]))
    assert _entries_for(redis_client, stream_key, spam_id) == []
    assert db.value("SELECT count(*) FROM outbox WHERE inquiry_id = %s", spam_id) == 0


def test_same_idempotency_key_replays_the_first_answer(
    intake: ServiceProcess, db: Database
) -> None:
    headers = {"x-merchant-id": "m-idem", "idempotency-key": "order-42"}
    first = httpx.post(f"{intake.url}/v1/inquiries", json=inquiry_body(), headers=headers)
    again = httpx.post(f"{intake.url}/v1/inquiries", json=inquiry_body(), headers=headers)
    other_merchant = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(),
        headers={**headers, "x-merchant-id": "m-idem-2"},
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other_merchant.json()["id"] != first.json()["id"]
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-idem'") == 1


def test_same_idempotency_key_with_another_body_is_422(
    intake: ServiceProcess, db: Database
) -> None:
    headers = {"x-merchant-id": "m-idem-422", "idempotency-key": "k-1"}
    first = httpx.post(f"{intake.url}/v1/inquiries", json=inquiry_body(), headers=headers)
    changed = httpx.post(
        f"{intake.url}/v1/inquiries", json=inquiry_body(subject="Other"), headers=headers
    )

    assert first.status_code == 201
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()["detail"]
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-idem-422'") == 1


def test_cors_allows_only_the_configured_origins(intake: ServiceProcess) -> None:
    def preflight(origin: str) -> httpx.Response:
        return httpx.options(
            f"{intake.url}/v1/inquiries",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-merchant-id",
            },
        )

    allowed = preflight("https://site.example")
    assert allowed.status_code in (200, 204)
    assert allowed.headers["access-control-allow-origin"] == "https://site.example"
    refused = preflight("https://evil.example")
    assert refused.headers.get("access-control-allow-origin") != "https://evil.example"


def test_health_metrics_and_openapi(intake: ServiceProcess) -> None:
    ready = httpx.get(f"{intake.url}/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert httpx.get(f"{intake.url}/health/live").json() == {"status": "ok"}
    metrics = httpx.get(f"{intake.url}/metrics").text
    assert "intake_submits_total" in metrics
    assert "outbox_published_total" in metrics
    schema = httpx.get(f"{intake.url}/schema/openapi.json").json()
    assert "/v1/inquiries" in schema["paths"]
