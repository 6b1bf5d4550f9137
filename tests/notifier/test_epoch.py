"""SPEC §8 stream epoch: a reset or a trim gap closes sockets with 1012, never replays as live."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from shared.embedded import RedisServer
from shared.events import to_stream_fields
from tests.notifier.conftest import Client, make_event, merchant, notifier_env, publish, token
from tests.support import ServiceProcess, wait_for

KEY = "events"
SERVICE_RESTART = 1012


@pytest.fixture
def own_notifier(own_redis: RedisServer, base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A notifier on ``own_redis``."""
    env = notifier_env(base_env, REDIS_URL=own_redis.url, STREAM_KEY=KEY)
    service = ServiceProcess("notifier", env).start()
    yield service
    service.stop(kill=True)


def _ready(service: ServiceProcess) -> bool:
    return httpx.get(f"{service.url}/health/ready").status_code == 200


async def test_subscribed_carries_the_epoch_and_another_epoch_is_not_recovered(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    first = publisher(make_event(m))
    publisher(make_event(m))
    client = await Client.open(notifier.port, token(m))
    epoch = (await client.subscribe(f"inquiries:{m}"))["epoch"]
    assert isinstance(epoch, str)
    assert len(epoch) >= 16
    same = await client.subscribe(f"inquiries:{m}", since=first, epoch=epoch)
    assert (same["epoch"], same["recovered"]) == (epoch, True)
    await client.events(1)
    other = await client.subscribe(f"inquiries:{m}", since=first, epoch="an-older-incarnation")
    assert (other["epoch"], other["recovered"]) == (epoch, False)
    await client.send({"op": "ping"})
    assert await client.recv() == {"op": "pong"}  # nothing was replayed
    await client.close()


async def test_redis_restarted_empty_closes_1012_and_resume_is_not_recovered(
    own_redis: RedisServer, own_notifier: ServiceProcess
) -> None:
    m, client, epoch, first = await _subscribed_after_one_event(own_redis, own_notifier)
    own_redis.stop()  # a crash: the stream and its epoch are gone with it (no persistence)
    own_redis.start()
    assert await client.until_closed(wait=30) == SERVICE_RESTART
    await asyncio.to_thread(wait_for, lambda: _ready(own_notifier), 30)

    resumed = await _resumed_unrecovered(own_notifier, m, first, epoch)
    after = redis.Redis.from_url(own_redis.url)
    ids = [publish(after, KEY, make_event(m)) for _ in range(3)]
    assert [e["offset"] for e in await resumed.events(3)] == ids
    after.close()
    await resumed.close()


async def test_a_flushall_under_a_running_notifier_closes_1012(
    own_redis: RedisServer, own_notifier: ServiceProcess
) -> None:
    m, client, epoch, first = await _subscribed_after_one_event(own_redis, own_notifier)
    with redis.Redis.from_url(own_redis.url) as admin:
        admin.flushall()  # no restart: the reader's blocking connection stays open
    assert await client.until_closed(wait=30) == SERVICE_RESTART
    resumed = await _resumed_unrecovered(own_notifier, m, first, epoch)
    await resumed.close()


async def _subscribed_after_one_event(
    own_redis: RedisServer, own_notifier: ServiceProcess
) -> tuple[str, Client, str, str]:
    """A merchant, its client subscribed to its room, the epoch, and one event it received."""
    m = merchant()
    client = await Client.open(own_notifier.port, token(m))
    epoch = (await client.subscribe(f"inquiries:{m}"))["epoch"]
    with redis.Redis.from_url(own_redis.url) as before:
        first = publish(before, KEY, make_event(m))
    assert [e["offset"] for e in await client.events(1)] == [first]
    return m, client, epoch, first


async def _resumed_unrecovered(
    own_notifier: ServiceProcess, m: str, since: str, epoch: str
) -> Client:
    """A new client resuming after ``since`` of ``epoch``: told it is not recovered, new epoch."""
    resumed = await Client.open(own_notifier.port, token(m))
    reply = await resumed.subscribe(f"inquiries:{m}", since=since, epoch=epoch)
    assert reply["recovered"] is False
    assert reply["epoch"] != epoch
    return resumed


async def test_an_older_snapshot_is_never_pushed_as_live(
    own_redis: RedisServer, own_notifier: ServiceProcess
) -> None:
    m = merchant()
    writer = redis.Redis.from_url(own_redis.url)
    client = await Client.open(own_notifier.port, token(m))
    epoch = (await client.subscribe(f"inquiries:{m}"))["epoch"]
    old = [publish(writer, KEY, make_event(m)) for _ in range(3)]
    writer.save()  # the snapshot a restore will bring back (with the same epoch key)
    newer = [publish(writer, KEY, make_event(m)) for _ in range(3)]
    writer.close()
    got: list[str] = []
    while len(got) < 6:
        got.append((await client.recv())["offset"])
    assert got == old + newer

    own_redis.stop()  # crash; the restart loads the older snapshot
    own_redis.start()
    assert redis.Redis.from_url(own_redis.url).xlen(KEY) == 3
    assert await client.until_closed(got, wait=30) == SERVICE_RESTART
    assert got == old + newer  # the snapshot's entries were not delivered again

    # The rewound stream is a new incarnation: even an offset it still holds is not recovered.
    resumed = await Client.open(own_notifier.port, token(m))
    reply = await resumed.subscribe(f"inquiries:{m}", since=old[0], epoch=epoch)
    assert reply["recovered"] is False
    assert reply["epoch"] != epoch
    await resumed.close()


async def test_a_reader_behind_the_trim_closes_1012_instead_of_skipping(
    own_redis: RedisServer, own_notifier: ServiceProcess
) -> None:
    m = merchant()
    client = await Client.open(own_notifier.port, token(m))
    await client.subscribe(f"inquiries:{m}")
    writer = redis.Redis.from_url(own_redis.url)
    assert own_notifier.process is not None
    os.kill(own_notifier.process.pid, signal.SIGSTOP)  # the reader falls behind
    try:
        pipe = writer.pipeline(transaction=False)
        for _ in range(3000):
            fields: Any = to_stream_fields(make_event(m))
            pipe.xadd(KEY, fields, maxlen=1000, approximate=False)
        ids = [i.decode() for i in pipe.execute()]
    finally:
        os.kill(own_notifier.process.pid, signal.SIGCONT)
    writer.close()
    got: list[str] = []
    assert await client.until_closed(got, wait=30) == SERVICE_RESTART
    assert got == ids[: len(got)]  # what was delivered has no gap
    assert len(got) < 2000  # and it stopped at the trimmed part
