"""Every kind of bad submit gets its status and a message naming the problem; none is stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support import Database, ServiceProcess, inquiry_body


@pytest.fixture
def merchant(db: Database) -> Iterator[str]:
    """A merchant no other test uses; after the test it must still have no inquiry."""
    merchant_id = f"m-bad-{uuid.uuid4().hex[:8]}"
    yield merchant_id
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = %s", merchant_id) == 0
    assert db.value("SELECT count(*) FROM outbox WHERE merchant_id = %s", merchant_id) == 0


BAD_FIELDS: list[tuple[dict[str, Any], str, str]] = [
    ({"name": None}, "name", "is required"),
    ({"name": "   "}, "name", "must not be empty"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"email": "ann@"}, "email", "valid email"),
    ({"email": "a" * 250 + "@x.io"}, "email", "at most 254"),
    ({"phone": "1" * 33}, "phone", "at most 32"),
    ({"business_name": ""}, "business_name", "must not be empty"),
    ({"business_size": "huge"}, "business_size", "one of"),
    ({"industry": "i" * 101}, "industry", "at most 100"),
    ({"website": "javascript:alert(1)"}, "website", "http or https URL"),
    ({"country": "XX"}, "country", "ISO 3166"),
    ({"subject": 42}, "subject", "must be text"),
    ({"message": "m" * 5001}, "message", "at most 5000"),
    ({"message": "nul\x00byte"}, "message", "control characters"),
    ({"subject": "bell\x07"}, "subject", "control characters"),
    ({"name": "tab\tin name"}, "name", "control characters"),
    ({"type": "urgent"}, "type", "one of"),
    ({"locale": "fr"}, "locale", "one of"),
    ({"source": "google"}, "source", "must be an object"),
    ({"source": {"page_url": "p" * 513}}, "source.page_url", "at most 512"),
    ({"source": {"tracker": "x"}}, "source.tracker", "not a field"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_FIELDS)
def test_a_bad_field_is_400_naming_it(
    intake: ServiceProcess, merchant: str, change: dict[str, Any], field: str, words: str
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(**change),
        headers={"x-merchant-id": merchant},
    )

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status_code"] == 400
    assert field in body["detail"]
    assert [e["field"] for e in body["errors"]] == [field]
    assert words in body["errors"][0]["message"]


def test_every_bad_field_is_listed_at_once_in_the_submit_locale(
    intake: ServiceProcess, merchant: str
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json={"email": "nope", "website": "ftp://x", "locale": "vi"},
        headers={"x-merchant-id": merchant},
    )

    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"name", "email", "business_name", "subject", "message", "website"}
    assert errors["name"] == "là bắt buộc"
    assert errors["email"] == "phải là địa chỉ email hợp lệ"


@pytest.mark.parametrize(
    ("headers", "query", "words"),
    [
        ({}, "", "is required"),
        ({"x-merchant-id": "bad merchant!"}, "", "A-Z"),
        ({"x-merchant-id": "m" * 65}, "", "A-Z"),
        ({}, "?merchant_id=m1%0A", "A-Z"),
        ({"x-merchant-id": "m-a"}, "?merchant_id=m-b", "differs"),
    ],
)
def test_missing_malformed_or_conflicting_merchant_is_400(
    intake: ServiceProcess, db: Database, headers: dict[str, str], query: str, words: str
) -> None:
    before = db.value("SELECT count(*) FROM inquiries")
    response = httpx.post(f"{intake.url}/v1/inquiries{query}", json=inquiry_body(), headers=headers)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "x-merchant-id"
    assert words in response.json()["errors"][0]["message"]
    assert db.value("SELECT count(*) FROM inquiries") == before


@pytest.mark.parametrize(
    ("content", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", 400, "JSON object"),
        (b"", "application/json", 400, "not valid JSON"),
        (b"name=\xff", "application/x-www-form-urlencoded", 400, "UTF-8"),
        (b"<inquiry/>", "application/xml", 415, "not supported"),
        (b"name=a", "text/plain", 415, "not supported"),
        (b'{"name": "' + b"x" * 33_000 + b'"}', "application/json", 413, ""),
    ],
)
def test_unreadable_bodies_are_rejected(  # noqa: PLR0913 - fixtures and parameters
    intake: ServiceProcess,
    merchant: str,
    content: bytes,
    content_type: str,
    status: int,
    words: str,
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        content=content,
        headers={"x-merchant-id": merchant, "content-type": content_type},
    )

    assert response.status_code == status, response.text
    assert response.json()["status_code"] == status
    assert words in response.json()["detail"]


def test_an_overlong_idempotency_key_is_400(intake: ServiceProcess, merchant: str) -> None:
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(),
        headers={"x-merchant-id": merchant, "idempotency-key": "k" * 256},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_form_with_source_and_source_fields_is_400(intake: ServiceProcess, merchant: str) -> None:
    form = {k: v for k, v in inquiry_body().items() if k != "source"}
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        data={**form, "source": "x", "source.page_url": "https://site.example/a"},
        headers={"x-merchant-id": merchant},
    )

    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["source"]
