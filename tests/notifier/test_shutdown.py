"""SPEC §14 on SIGTERM: ``/health/ready`` answers 503 first, then sockets close with 1001."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.notifier.conftest import Client, merchant, notifier_env, token
from tests.support import ServiceProcess


def _ready(service: ServiceProcess) -> httpx.Response:
    return httpx.get(f"{service.url}/health/ready", timeout=5)


async def test_sigterm_turns_unready_then_closes_sockets_with_1001_then_exits(
    base_env: dict[str, str],
) -> None:
    env = notifier_env(base_env, NOTIFIER_SHUTDOWN_DELAY_SECONDS="1.5")
    service = ServiceProcess("notifier", env).start()
    process = service.process
    assert process is not None
    try:
        m = merchant()
        client = await Client.open(service.port, token(m))
        await client.subscribe(f"inquiries:{m}")
        assert (await asyncio.to_thread(_ready, service)).status_code == 200
        stopping = asyncio.create_task(asyncio.to_thread(service.stop))  # a real SIGTERM
        deadline = time.monotonic() + 5
        while (ready := await asyncio.to_thread(_ready, service)).status_code != 503:
            assert time.monotonic() < deadline
        assert ready.json()["checks"]["accepting"] == "down"
        await client.send({"op": "ping"})  # not ready, yet its sockets are still served
        assert await client.recv() == {"op": "pong"}
        assert await client.until_closed() == 1001
        await stopping
        assert process.returncode == 0
    finally:
        service.stop(kill=True)
