"""``/metrics``: no tenant ids on the public intake; ``METRICS_TOKEN`` guards it everywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support import ServiceProcess, inquiry_body

TOKEN = "metrics-token-for-the-tests-0123"  # noqa: S105 - a test value, not a JWT key


@pytest.fixture(scope="module")
def guarded(base_env: dict[str, str]) -> Iterator[list[ServiceProcess]]:
    """An intake, a backoffice and a notifier whose ``/metrics`` needs ``TOKEN``."""
    env = {**base_env, "METRICS_TOKEN": TOKEN}
    names = ("intake", "backoffice", "notifier")
    services = [ServiceProcess(name, env).start() for name in names]
    yield services
    for service in services:
        service.stop()


def _sample(exposition: str, name: str) -> float:
    """A sample's value in the text exposition (0 when it is not there yet)."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", exposition, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_intake_metrics_never_name_a_merchant(intake: ServiceProcess, run_id: str) -> None:
    merchant = f"m-tenant-{run_id}"
    labels = 'app_name="intake",method="POST",path="/v1/inquiries",status_code="201"'
    counted = f"intake_requests_total{{{labels}}}"
    timed = f"intake_request_duration_seconds_count{{{labels}}}"
    before = httpx.get(f"{intake.url}/metrics").text
    created = httpx.post(
        f"{intake.url}/v1/inquiries", json=inquiry_body(), headers={"x-merchant-id": merchant}
    )
    assert created.status_code == 201
    exposed = httpx.get(f"{intake.url}/metrics")
    assert exposed.status_code == 200
    assert "intake_submits_total" in exposed.text
    # Requests are counted per route template and status; probes and scrapes are not.
    assert _sample(exposed.text, counted) == _sample(before, counted) + 1
    assert _sample(exposed.text, timed) == _sample(before, timed) + 1
    assert 'path="/metrics"' not in exposed.text
    assert merchant not in exposed.text
    assert "merchant" not in exposed.text


def test_metrics_token_is_required_on_each_service(guarded: list[ServiceProcess]) -> None:
    for service in guarded:
        url = f"{service.url}/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(url, headers={"authorization": TOKEN}).status_code == 401  # no scheme
        allowed = httpx.get(url, headers={"authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 200, service.name
        assert "# HELP" in allowed.text
        # Probes stay open; the OpenAPI document does not list /metrics.
        assert httpx.get(f"{service.url}/health/live").status_code == 200
        if service.name == "notifier":  # no OpenAPI document: a WebSocket protocol
            continue
        paths = httpx.get(f"{service.url}/schema/openapi.json").json()["paths"]
        assert not any(path.startswith(("/metrics", "/health")) for path in paths)


def test_the_schema_pages_load_nothing_from_another_host(guarded: list[ServiceProcess]) -> None:
    # Litestar's browsable renderers (Swagger UI and the rest) fetch their scripts from a CDN:
    # only the document itself is served, at /schema and /schema/openapi.json.
    for service in guarded:
        if service.name == "notifier":
            continue
        for path in ("/schema", "/schema/openapi.json"):
            document = httpx.get(f"{service.url}{path}")
            assert document.status_code == 200, path
            assert document.json()["openapi"].startswith("3.")
        for page in ("swagger", "redoc", "elements", "rapidoc", "scalar"):
            assert httpx.get(f"{service.url}/schema/{page}").status_code == 404, page
