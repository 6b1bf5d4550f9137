"""Fixtures of the browser client's tests: the page's origin, notifiers, isolated backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.embedded import RedisServer
from tests.browser.client.dashboard import page_server
from tests.notifier.conftest import notifier_env
from tests.support import ServiceProcess


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The dashboard page's origin."""
    with page_server() as url:
        yield url


@pytest.fixture
def notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A notifier of this test alone (tests kill it)."""
    service = ServiceProcess("notifier", notifier_env(base_env)).start()
    yield service
    service.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis this test may empty or restart."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.remove()


@pytest.fixture
def isolated(
    base_env: dict[str, str], own_database_url: str, own_redis: RedisServer
) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    """Intake and notifier on a Redis and a database of this test alone."""
    env = {**base_env, "REDIS_URL": own_redis.url, "DATABASE_URL": own_database_url}
    own_intake = ServiceProcess("intake", env).start()
    own_notifier = ServiceProcess("notifier", notifier_env(env)).start()
    yield own_intake, own_notifier
    own_notifier.stop()
    own_intake.stop()
