"""compose.yaml's healthcheck commands, run as written against real services: 0 when ready,
non-zero once a dependency is down (Redis really stopped)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from shared.embedded import RedisServer
from tests.deploy.conftest import Manifest
from tests.support import ServiceProcess, wait_for


def healthcheck(compose: Manifest, service: str, port: int) -> int:
    """Run the service's compose healthcheck against ``port``; its exit code."""
    test: list[str] = compose["services"][service]["healthcheck"]["test"]
    kind, program, *args = test
    assert (kind, program) == ("CMD", "python")
    published = compose["services"][service]["ports"][0].rsplit(":", 1)[1]
    command = [a.replace(f"127.0.0.1:{published}/", f"127.0.0.1:{port}/") for a in args]
    # The image's python is the one the services run on: this interpreter here.
    return subprocess.run([sys.executable, *command], capture_output=True, timeout=10).returncode


@pytest.mark.parametrize(("service", "needs_redis"), [("intake", False), ("notifier-1", True)])
def test_healthcheck_follows_readiness(
    service: str,
    needs_redis: bool,
    compose: Manifest,
    own_redis: RedisServer,
    own_database_url: str,
    base_env: dict[str, str],
) -> None:
    """The notifier is unready without Redis; intake only degraded (its outbox holds events)."""
    env = {**base_env, "DATABASE_URL": own_database_url, "REDIS_URL": own_redis.url}
    process = ServiceProcess(service.split("-")[0], env).start()
    try:
        assert wait_for(lambda: healthcheck(compose, service, process.port) == 0)
        own_redis.stop()
        if needs_redis:
            assert wait_for(lambda: healthcheck(compose, service, process.port) != 0, timeout=15)
        else:
            ready = httpx.get(f"{process.url}/health/ready", timeout=5)
            checks = {"database": "ok", "redis": "down"}
            assert ready.json() == {"status": "degraded", "checks": checks}
            assert ready.status_code == 200
            assert healthcheck(compose, service, process.port) == 0
    finally:
        process.stop()
