"""``X-Forwarded-For`` cannot beat the per-IP limit: only a trusted proxy's entry is believed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.support import ServiceProcess

LIMIT = 3


def _statuses(service: ServiceProcess, headers_of: list[list[tuple[str, str]]]) -> list[int]:
    """POST an (invalid, so nothing is stored) submit per header list; every request counts."""
    return [
        httpx.post(
            f"{service.url}/v1/inquiries",
            json={},
            headers=[("x-merchant-id", "m-xff"), *headers],
        ).status_code
        for headers in headers_of
    ]


def _intake(base_env: dict[str, str], run_id: str, trusted: str) -> ServiceProcess:
    env = {
        **base_env,
        "INTAKE_RATE_LIMIT_PER_IP": f"{LIMIT}/hour",  # hourly: a test never straddles a window
        "INTAKE_TRUSTED_PROXIES": trusted,
        "STREAM_KEY": f"test:{run_id}:xff",
    }
    return ServiceProcess("intake", env).start()


@pytest.fixture
def fresh_counts(redis_client: redis.Redis) -> None:
    """Start from zero for the addresses these tests use (a shared Redis keeps an hour)."""
    for pattern in ("ratelimit:ip:127.0.0.1:*", "ratelimit:ip:203.0.113.*"):
        for key in redis_client.scan_iter(pattern):
            redis_client.delete(key)


@pytest.fixture
def untrusting_intake(
    base_env: dict[str, str], run_id: str, fresh_counts: None
) -> Iterator[ServiceProcess]:
    """An intake with no trusted proxy."""
    service = _intake(base_env, run_id, "")
    yield service
    service.stop()


@pytest.fixture
def proxied_intake(
    base_env: dict[str, str], run_id: str, fresh_counts: None
) -> Iterator[ServiceProcess]:
    """An intake behind a trusted proxy on loopback (the test plays the proxy)."""
    service = _intake(base_env, run_id, "127.0.0.1/32")
    yield service
    service.stop()


def test_rotating_header_without_trusted_proxy_is_ignored(
    untrusting_intake: ServiceProcess,
) -> None:
    rotating = [[("x-forwarded-for", f"198.51.100.{n}")] for n in range(LIMIT + 2)]
    statuses = _statuses(untrusting_intake, rotating)
    assert statuses == [400] * LIMIT + [429, 429]


def test_forged_first_line_cannot_hide_the_address_the_proxy_added(
    proxied_intake: ServiceProcess,
) -> None:
    # The client forges a fresh first line each time; the trusted proxy adds its own line
    # with the address it really saw.
    forged = [
        [("x-forwarded-for", f"198.51.100.{n}"), ("x-forwarded-for", "203.0.113.7")]
        for n in range(LIMIT + 2)
    ]
    assert _statuses(proxied_intake, forged) == [400] * LIMIT + [429, 429]
    # Another client behind the same proxy has its own window.
    assert _statuses(proxied_intake, [[("x-forwarded-for", "203.0.113.8")]]) == [400]
