"""Health answers and the access line, shared by the Litestar services and the notifier."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

log = structlog.get_logger("http")

ReadinessCheck = Callable[[], Awaitable[bool]]

LIVE: dict[str, str] = {"status": "ok"}


async def readiness(checks: Mapping[str, ReadinessCheck]) -> tuple[int, dict[str, Any]]:
    """``/health/ready``: each dependency's state; ``503`` when one is down."""
    states = {name: "ok" if await check() else "down" for name, check in checks.items()}
    ok = all(state == "ok" for state in states.values())
    return (200 if ok else 503), {"status": "ok" if ok else "unavailable", "checks": states}


def log_request(method: str, path: str, status: int, started: float) -> None:
    """The access line: method, path (escaped by the console renderer), status, time."""
    ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("request", method=method, path=path, status=status, ms=ms)
