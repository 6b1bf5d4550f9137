"""Malformed and hostile bodies, built from the service's own OpenAPI schema, never get a 500."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.support import ServiceProcess, inquiry_body

HOSTILE_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**63,
    1.5e308,
    True,
    [],
    ["a"],
    {},
    {"$gt": ""},
    "",
    " ",
    "x" * 6000,
    "\u202eevil",
    "zero\u200bwidth",
    "e\u0301\u0301\u0301",
    "😀" * 50,
    "'; DROP TABLE inquiries;--",
    "<script>alert(1)</script>",
    "\x00",
    "line\nbreak",
    "%00",
    "\\u0000",
    "\ufeffbom",
    "http://",
    "https://" + "a" * 3000 + ".com",
    "a@b",
    "@",
    "VN\x00",
    "..",
    "../../etc/passwd",
]


def _bodies(properties: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = [*properties, "_gotcha", "_next", "status", "id", "merchant_id", "__proto__"]
    bodies = []
    for _ in range(count):
        body: dict[str, Any] = inquiry_body() if rng.random() < 0.5 else {}
        for name in rng.sample(names, rng.randint(1, 6)):
            body[name] = rng.choice(HOSTILE_VALUES)
        bodies.append(body)
    return bodies


@pytest.fixture(scope="module")
def submit_properties(intake: ServiceProcess) -> dict[str, Any]:
    """The request body's fields as the service documents them."""
    schema = httpx.get(f"{intake.url}/schema/openapi.json").json()
    body = schema["paths"]["/v1/inquiries"]["post"]["requestBody"]
    properties: dict[str, Any] = body["content"]["application/json"]["schema"]["properties"]
    assert {"name", "email", "business_name", "subject", "message"} <= set(properties)
    return properties


def test_hostile_json_bodies_never_yield_a_500(
    intake: ServiceProcess, submit_properties: dict[str, Any]
) -> None:
    with httpx.Client(base_url=intake.url, headers={"x-merchant-id": "m-fuzz"}) as client:
        for body in _bodies(submit_properties, 150, seed=7):
            response = client.post("/v1/inquiries", json=body)
            assert response.status_code in (201, 400, 413), (body, response.text)
            assert response.json()["status_code" if response.status_code != 201 else "status"]


def test_hostile_form_bodies_never_yield_a_500(
    intake: ServiceProcess, submit_properties: dict[str, Any]
) -> None:
    with httpx.Client(base_url=intake.url, headers={"x-merchant-id": "m-fuzz"}) as client:
        for body in _bodies(submit_properties, 100, seed=11):
            form = {k: v if isinstance(v, str) else str(v) for k, v in body.items()}
            response = client.post("/v1/inquiries", data=form)
            assert response.status_code in (201, 400, 413), (form, response.text)


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "\\ud800"}',
        b"\xff\xfe{}",
        b'{"a":' * 5000,
        b"name=%ED%A0%80&email=a%40b.co",
        b"name=%FF",
    ],
)
def test_broken_encodings_are_400(intake: ServiceProcess, content: bytes) -> None:
    content_type = (
        "application/json"
        if content.startswith((b"{", b"\xff"))
        else ("application/x-www-form-urlencoded")
    )
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        content=content,
        headers={"x-merchant-id": "m-fuzz", "content-type": content_type},
    )
    assert response.status_code == 400, response.text
