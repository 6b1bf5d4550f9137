"""The same fan-out works on a real 3-node Redis Cluster (restarts: see test_epoch.py)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.cluster import RedisCluster

from shared.embedded import REDIS_CLI, RedisServer, free_port
from tests.notifier.conftest import Client, make_event, merchant, notifier_env, publish, token
from tests.support import ServiceProcess, wait_for


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is a free port too."""
    while True:
        port = free_port()
        if port + 10_000 > 65_535:
            continue  # most ephemeral ports: redis-server would refuse to start
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10_000))
            except OSError:
                continue
        return port


def _start_node(datadir: Path) -> RedisServer:
    # A free port can be taken by another process before redis-server binds it: try again.
    for attempt in range(3):
        try:
            return RedisServer(
                datadir / str(attempt),
                port=_cluster_port(),
                extra_args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
            ).start()
        except RuntimeError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def redis_cluster(tmp_path: Path) -> Iterator[str]:
    """Three primaries on loopback, slots spread by ``redis-cli --cluster create``."""
    nodes = []
    for i in range(3):
        nodes.append(_start_node(tmp_path / f"node{i}"))
    try:
        subprocess.run(
            [
                str(REDIS_CLI),
                "--cluster",
                "create",
                *(f"127.0.0.1:{n.port}" for n in nodes),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

        def healthy() -> bool:
            return all(
                b"cluster_state:ok"
                in subprocess.run(
                    [str(REDIS_CLI), "-p", str(n.port), "cluster", "info"],
                    capture_output=True,
                    check=False,
                ).stdout
                for n in nodes
            )

        wait_for(healthy, timeout=30, interval=0.2)
        yield f"redis://127.0.0.1:{nodes[0].port}/0"
    finally:
        for node in nodes:
            node.remove()


async def test_every_instance_delivers_on_a_redis_cluster(
    redis_cluster: str, base_env: dict[str, str]
) -> None:
    key = "outreach:inquiry:events"
    env = notifier_env(base_env, REDIS_URL=redis_cluster, REDIS_CLUSTER="1", STREAM_KEY=key)
    services = [ServiceProcess("notifier", env).start() for _ in range(2)]
    publisher: Any = RedisCluster.from_url(redis_cluster)
    try:
        m = merchant()
        clients = [await Client.open(s.port, token(m)) for s in services]
        for client in clients:
            await client.subscribe(f"inquiries:{m}")
        ids = [publish(publisher, key, make_event(m)) for _ in range(20)]
        for client in clients:
            assert [e["offset"] for e in await client.events(20)] == ids
        resumed = await Client.open(services[1].port, token(m))
        reply = await resumed.subscribe(f"inquiries:{m}", since=ids[9])
        assert reply["recovered"] is True
        assert [e["offset"] for e in await resumed.events(10)] == ids[10:]
        for client in (*clients, resumed):
            await client.close()
    finally:
        publisher.close()
        for service in services:
            service.stop()
