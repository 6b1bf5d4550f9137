"""Rate limits are counted in Redis, so every intake instance shares them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from services.intake.ratelimit import client_ip
from shared.settings import IntakeSettings
from tests.support import ServiceProcess, inquiry_body


@pytest.fixture
def two_intakes(
    base_env: dict[str, str], run_id: str, redis_client: redis.Redis
) -> Iterator[list[ServiceProcess]]:
    """Two intake processes with small hourly limits and the same Redis."""
    # Hourly windows: a test never straddles a window edge. A shared Redis may still hold
    # this IP's count from an earlier run within the hour: start from zero.
    for key in redis_client.scan_iter("ratelimit:ip:127.0.0.1:*"):
        redis_client.delete(key)
    env = {
        **base_env,
        "INTAKE_RATE_LIMIT_PER_MERCHANT": "6/hour",
        "INTAKE_RATE_LIMIT_PER_IP": "10/hour",
        "STREAM_KEY": f"test:{run_id}:rl",
    }
    services = [ServiceProcess("intake", env).start(), ServiceProcess("intake", env).start()]
    yield services
    for service in services:
        service.stop()


def test_merchant_limit_is_shared_across_instances_and_counts_only_accepted_submits(
    two_intakes: list[ServiceProcess], run_id: str
) -> None:
    merchant = f"m-rl-{run_id}"
    responses = []
    for n in range(10):
        service = two_intakes[n % 2]
        body = inquiry_body() if n >= 3 else {"name": ""}  # junk counts against the IP only
        responses.append(
            httpx.post(
                f"{service.url}/v1/inquiries", json=body, headers={"x-merchant-id": merchant}
            )
        )

    assert [r.status_code for r in responses] == [400] * 3 + [201] * 6 + [429]
    limited = responses[-1]
    assert 1 <= int(limited.headers["retry-after"]) <= 3600
    assert "merchant" in limited.json()["detail"]


def test_ip_limit_applies_across_merchants(two_intakes: list[ServiceProcess], run_id: str) -> None:
    # The merchant test above may have used some of this IP's window: count until refused.
    statuses = [
        httpx.post(
            f"{two_intakes[n % 2].url}/v1/inquiries",
            json=inquiry_body(),
            headers={"x-merchant-id": f"m-ip-{run_id}-{n}"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    assert set(statuses[: statuses.index(429)]) <= {201}


def test_client_ip_believes_only_trusted_proxies() -> None:
    trusted = IntakeSettings(intake_trusted_proxies="10.0.0.0/8,127.0.0.1/32").trusted_proxies
    assert client_ip("127.0.0.1", "203.0.113.9", trusted) == "203.0.113.9"
    assert client_ip("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3", trusted) == "203.0.113.9"
    assert client_ip("192.0.2.7", "203.0.113.9", trusted) == "192.0.2.7"  # untrusted peer
    assert client_ip("127.0.0.1", None, trusted) == "127.0.0.1"
