"""``X-Forwarded-For`` cannot beat the per-IP limit: only a trusted proxy's entry is believed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


@pytest.fixture
def intake_trusting(
    base_env: dict[str, str], run_id: str, redis_client: redis.Redis
) -> Iterator[Callable[[str], ServiceProcess]]:
    """Starts an intake that trusts the given proxies, from fresh per-IP counts."""
    # A shared Redis keeps an hour of counts for the addresses these tests use.
    for pattern in ("ratelimit:ip:127.0.0.1:*", "ratelimit:ip:203.0.113.*"):
        for key in redis_client.scan_iter(pattern):
            redis_client.delete(key)
    started: list[ServiceProcess] = []

    def start(trusted: str) -> ServiceProcess:
        env = {
            **base_env,
            "INTAKE_RATE_LIMIT_PER_IP": f"{LIMIT}/hour",  # hourly: never straddles a window
            "INTAKE_TRUSTED_PROXIES": trusted,
            "STREAM_KEY": f"test:{run_id}:xff",
        }
        started.append(ServiceProcess("intake", env).start())
        return started[-1]

    yield start
    for service in started:
        service.stop()


def test_rotating_header_without_trusted_proxy_is_ignored(
    intake_trusting: Callable[[str], ServiceProcess],
) -> None:
    rotating = [[("x-forwarded-for", f"198.51.100.{n}")] for n in range(LIMIT + 2)]
    statuses = _statuses(intake_trusting(""), rotating)
    assert statuses == [400] * LIMIT + [429, 429]


def test_forged_first_line_cannot_hide_the_address_the_proxy_added(
    intake_trusting: Callable[[str], ServiceProcess],
) -> None:
    proxied_intake = intake_trusting("127.0.0.1/32")  # the test plays the proxy
    # The client forges a fresh first line each time; the trusted proxy adds its own line
    # with the address it really saw.
    forged = [
        [("x-forwarded-for", f"198.51.100.{n}"), ("x-forwarded-for", "203.0.113.7")]
        for n in range(LIMIT + 2)
    ]
    assert _statuses(proxied_intake, forged) == [400] * LIMIT + [429, 429]
    # Another client behind the same proxy has its own window.
    assert _statuses(proxied_intake, [[("x-forwarded-for", "203.0.113.8")]]) == [400]
