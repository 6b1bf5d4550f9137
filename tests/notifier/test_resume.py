"""since/recovered, several instances, and resuming on another instance after a crash."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.notifier.conftest import Client, make_event, merchant, notifier_env, publish, token
from tests.support import ServiceProcess


class Feeder:
    """Appends events for one merchant from a thread, at a steady pace, until stopped."""

    def __init__(self, client: Any, stream_key: str, m: str, interval: float = 0.01) -> None:
        self.client, self.key, self.m, self.interval = client, stream_key, m, interval
        self.ids: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.ids.append(publish(self.client, self.key, make_event(self.m)))
            time.sleep(self.interval)

    def __enter__(self) -> Feeder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> list[str]:
        """Stop and return every appended ID, in order."""
        self._stop.set()
        self._thread.join()
        return self.ids


async def _collect_until(client: Client, last_id: str, into: list[str]) -> None:
    while not into or into[-1] != last_id:
        message = await client.recv(15)
        assert message["op"] == "event", message
        into.append(message["offset"])


async def test_since_replays_without_gap_or_duplicate_at_the_seam(
    notifier: ServiceProcess, redis_client: redis.Redis, stream_key: str, publisher: Any
) -> None:
    m = merchant()
    before = [publisher(make_event(m)) for _ in range(5)]
    with Feeder(redis_client, stream_key, m) as feeder:
        await asyncio.sleep(0.3)  # events keep coming while the replay runs
        client = await Client.open(notifier.port, token(m))
        reply = await client.subscribe(f"inquiries:{m}", since=before[1])
        assert reply["recovered"] is True
        await asyncio.sleep(0.3)
    appended = feeder.ids
    got: list[str] = []
    await _collect_until(client, appended[-1], got)
    assert got == before[2:] + appended
    await client.close()


async def test_since_zero_replays_the_room_from_the_start(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    ids = [publisher(make_event(m)) for _ in range(3)]
    publisher(make_event(merchant()))  # another merchant: not replayed
    client = await Client.open(notifier.port, token(m))
    reply = await client.subscribe(f"inquiries:{m}", since="0-0")
    assert reply["recovered"] is True
    assert [e["offset"] for e in await client.events(3)] == ids
    await client.close()


async def test_single_inquiry_room_replays_only_its_inquiry(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    inquiry = uuid.uuid4()
    start = publisher(make_event(m))
    mine = [
        publisher(make_event(m, inquiry)),
        publisher(make_event(m)),
        publisher(make_event(m, inquiry)),
    ]
    client = await Client.open(notifier.port, token(m))
    reply = await client.subscribe(f"inquiries:{m}:{inquiry}", since=start)
    assert reply["recovered"] is True
    got = await client.events(2)
    assert [e["offset"] for e in got] == [mine[0], mine[2]]
    assert {e["room"] for e in got} == {f"inquiries:{m}:{inquiry}"}
    await client.close()


async def test_trimmed_or_future_since_is_not_recovered(
    notifier: ServiceProcess, redis_client: redis.Redis, stream_key: str, publisher: Any
) -> None:
    m = merchant()
    gone = publisher(make_event(m))
    publisher(make_event(m))
    redis_client.xdel(stream_key, gone)  # what MAXLEN trimming does to an old entry
    for since in (gone, "99999999999999-0"):
        client = await Client.open(notifier.port, token(m))
        reply = await client.subscribe(f"inquiries:{m}", since=since)
        assert reply["recovered"] is False
        assert reply["offset"] != since
        live = publisher(make_event(m))
        (event,) = await client.events(1)
        assert event["offset"] == live  # nothing replayed, live goes on
        await client.close()


async def test_subscribed_offset_is_the_newest_entry(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    newest = publisher(make_event(m))
    client = await Client.open(notifier.port, token(m))
    reply = await client.subscribe(f"inquiries:{m}")
    assert "recovered" not in reply
    assert reply["offset"] == newest or reply["offset"] > newest
    await client.close()


async def test_every_instance_delivers_every_event_once(
    notifier: ServiceProcess, notifier2: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    clients = [
        await Client.open(port, token(m)) for port in (notifier.port, notifier2.port) for _ in "ab"
    ]
    for client in clients:
        await client.subscribe(f"inquiries:{m}")
    ids = [publisher(make_event(m)) for _ in range(30)]
    for client in clients:
        assert [e["offset"] for e in await client.events(30)] == ids
        await client.send({"op": "ping"})
        assert await client.recv() == {"op": "pong"}  # and nothing more
        await client.close()


@pytest.fixture
def two_notifiers(base_env: dict[str, str]) -> Iterator[list[ServiceProcess]]:
    """Two notifiers this test may kill."""
    services = [ServiceProcess("notifier", notifier_env(base_env)).start() for _ in range(2)]
    yield services
    for service in services:
        service.stop(kill=True)


async def test_reconnect_to_the_other_instance_after_a_crash(
    two_notifiers: list[ServiceProcess], redis_client: redis.Redis, stream_key: str
) -> None:
    doomed, survivor = two_notifiers
    m = merchant()
    client = await Client.open(doomed.port, token(m))
    reply = await client.subscribe(f"inquiries:{m}")
    got: list[str] = []
    last = reply["offset"]
    with Feeder(redis_client, stream_key, m, interval=0.02) as feeder:
        while len(got) < 10:
            got.append((await client.recv())["offset"])
        doomed.stop(kill=True)
        assert await client.until_closed(got) != 1000
        last = got[-1]
        client = await Client.open(survivor.port, token(m))
        assert (await client.subscribe(f"inquiries:{m}", since=last))["recovered"] is True
        await asyncio.sleep(0.5)  # events keep coming during and after the switch
    appended = feeder.ids
    await _collect_until(client, appended[-1], got)
    assert got == appended
    await client.close()


async def test_shutdown_closes_sockets_with_1001(base_env: dict[str, str]) -> None:
    service = ServiceProcess("notifier", notifier_env(base_env)).start()
    try:
        m = merchant()
        client = await Client.open(service.port, token(m))
        await client.subscribe(f"inquiries:{m}")
        await asyncio.to_thread(service.stop)
        assert await client.until_closed() == 1001
    finally:
        service.stop(kill=True)
