"""Health answers and the access line, shared by the Litestar services and the notifier."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

log = structlog.get_logger("http")

ReadinessCheck = Callable[[], Awaitable[bool]]

LIVE: dict[str, str] = {"status": "ok"}


async def readiness(
    checks: Mapping[str, ReadinessCheck], optional: frozenset[str] = frozenset()
) -> tuple[int, dict[str, Any]]:
    """``/health/ready``: each dependency's state; ``503`` when a required one is down.

    An ``optional`` dependency that is down makes the answer ``degraded`` but still ``200``: the
    service keeps its promise without it (intake and backoffice queue events in the outbox while
    Redis is away), so a load balancer must not take every instance out of service for it.
    """
    states = {name: "ok" if await check() else "down" for name, check in checks.items()}
    down = {name for name, state in states.items() if state != "ok"}
    if down - optional:
        return 503, {"status": "unavailable", "checks": states}
    return 200, {"status": "degraded" if down else "ok", "checks": states}


def log_request(method: str, path: str, status: int, started: float) -> None:
    """The access line: method, path (escaped by the console renderer), status, time."""
    ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("request", method=method, path=path, status=status, ms=ms)


def metrics_allowed(authorization: str | None, token: str) -> bool:
    """Whether a request may read ``/metrics``: always without ``METRICS_TOKEN``, else only
    with ``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time).
    """
    if not token:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
