"""A relay whose Redis or stream differs from its peers' is reported at start, not silent."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from shared.embedded import RedisServer
from tests.support import ROOT, ServiceProcess, wait_for

WARNING = "outbox relays on this database publish to different streams"


@pytest.fixture
def other_redis(run_id: str) -> Iterator[str]:
    """A second Redis server (under .data/: pytest's shared temporary root gets pruned)."""
    server = RedisServer(ROOT / ".data" / f"test-redis-other-{run_id}").start()
    yield server.url
    server.remove()


def test_a_relay_on_another_redis_is_reported(
    base_env: dict[str, str], own_database_url: str, other_redis: str, run_id: str
) -> None:
    env = {**base_env, "DATABASE_URL": own_database_url, "STREAM_KEY": f"test:{run_id}:relays"}
    # Two peers on the same stream, one of them reaching Redis by another host name.
    same_redis_elsewhere = env["REDIS_URL"].replace("127.0.0.1", "localhost")
    peers = [
        ServiceProcess("intake", env).start(),
        ServiceProcess("backoffice", {**env, "REDIS_URL": same_redis_elsewhere}).start(),
    ]
    misdirected = ServiceProcess("intake", {**env, "REDIS_URL": other_redis})
    try:
        time.sleep(1.5)  # both peers have announced their stream by now
        assert all(WARNING not in peer.log.read_text() for peer in peers)
        misdirected.start()
        wait_for(lambda: WARNING in misdirected.log.read_text(), timeout=10)
        # The peers notice the newcomer at their next announcement too.
        wait_for(lambda: all(WARNING in peer.log.read_text() for peer in peers), timeout=20)
    finally:
        for service in [*peers, misdirected]:
            service.stop()
