"""A client that never reads is closed with 4008 without slowing the others or growing memory."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.notifier.conftest import Client, make_event, merchant, notifier_env, token
from tests.support import ServiceProcess

EVENTS = 2000
PAYLOAD = "x" * 16000


@pytest.fixture
def small_queue_notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A notifier of its own, so its memory and metrics are this test's alone."""
    service = ServiceProcess(
        "notifier",
        notifier_env(
            base_env,
            NOTIFIER_QUEUE_SIZE="300",
            NOTIFIER_READ_COUNT="100",
            # The close frame waits behind unread data until the test reads again.
            NOTIFIER_CLOSE_TIMEOUT_SECONDS="60",
        ),
    ).start()
    yield service
    service.stop()


def _rss_mb(service: ServiceProcess) -> float:
    assert service.process is not None
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match[1]) / 1024


def _metric(service: ServiceProcess, name: str) -> float:
    text = httpx.get(f"{service.url}/metrics").text
    match = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match[1]) if match else 0.0


async def test_a_client_that_never_reads(
    small_queue_notifier: ServiceProcess, redis_client: redis.Redis, stream_key: str
) -> None:
    service = small_queue_notifier
    m = merchant()
    room = f"inquiries:{m}"
    fast = [await Client.open(service.port, token(m)) for _ in range(2)]
    # The slow one: its library stops reading the socket after one unread frame.
    slow = await Client.open(service.port, token(m), max_queue=1, ping_interval=None)
    for client in (*fast, slow):
        await client.subscribe(room)
    rss_before = _rss_mb(service)

    started = time.monotonic()
    counts = [0, 0]
    batch = 100
    for _ in range(EVENTS // batch):
        pipe = redis_client.pipeline(transaction=False)
        for _ in range(batch):
            pipe.xadd(stream_key, to_fields(m))
        await asyncio.to_thread(pipe.execute)
        # The readers set the pace (on a loaded machine too); the slow one is not waited for.
        got = await asyncio.gather(*(_count_events(c, batch) for c in fast))
        counts = [total + n for total, n in zip(counts, got, strict=True)]
    elapsed = time.monotonic() - started
    assert counts == [EVENTS, EVENTS]
    assert elapsed < 120
    assert _metric(service, "notifier_slow_client_closes_total") >= 1
    # 32 MB went through; the stuck socket holds at most its queue and the kernel buffers.
    assert _rss_mb(service) - rss_before < 40
    # Once it reads again, the slow client finds the 4008 behind what was already in flight.
    assert await slow.until_closed() == 4008
    for client in fast:
        await client.send({"op": "ping"})
        assert await client.recv() == {"op": "pong"}
        await client.close()


def to_fields(m: str) -> Any:
    """A big event (16 KB of data), so the kernel buffers fill quickly."""
    from shared.events import to_stream_fields

    return to_stream_fields(make_event(m, note=PAYLOAD))


async def _count_events(client: Client, expected: int) -> int:
    return len(await client.events(expected, wait=30))
