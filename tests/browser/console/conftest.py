"""Console browser-test fixtures: a notifier and a backoffice configured as `make run` does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import ServiceProcess


@pytest.fixture(scope="package")
def notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """The notifier the console's live updates come from."""
    service = ServiceProcess("notifier", base_env).start()
    yield service
    service.stop()


@pytest.fixture(scope="package")
def backoffice(base_env: dict[str, str], notifier: ServiceProcess) -> Iterator[ServiceProcess]:
    """A backoffice as `make run` starts it: console, dev sign-in, the notifier's address."""
    env = {
        **base_env,
        "CONSOLE_NOTIFIER_URL": f"ws://127.0.0.1:{notifier.port}",
        "CONSOLE_DEV_LOGIN": "1",
    }
    service = ServiceProcess("backoffice", env).start()
    yield service
    service.stop()
