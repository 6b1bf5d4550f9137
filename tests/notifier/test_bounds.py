"""Bounded replay (count, age, cost per room), the replay rate, and the socket caps of SPEC §8."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from shared.events import to_stream_fields
from tests.notifier.conftest import Client, make_event, merchant, notifier_env, publish, token
from tests.support import ServiceProcess, wait_for


@pytest.fixture
def key() -> str:
    """A stream of this test alone."""
    return f"bounds:{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def _running(base_env: dict[str, str], key: str, **extra: str) -> Iterator[ServiceProcess]:
    """A notifier of this test on ``key``, stopped after."""
    service = ServiceProcess("notifier", notifier_env(base_env, STREAM_KEY=key, **extra)).start()
    try:
        yield service
    finally:
        service.stop(kill=True)


@pytest.fixture
def bounded(base_env: dict[str, str], key: str) -> Iterator[ServiceProcess]:
    """A notifier with small bounds: 100 entries of replay, 3 resumes, 2 sockets per user."""
    with _running(
        base_env,
        key,
        NOTIFIER_REPLAY_MAX_ENTRIES="100",
        NOTIFIER_REPLAY_RATE="3/minute",
        NOTIFIER_MAX_CONNECTIONS_PER_USER="2",
        NOTIFIER_MAX_UNAUTHENTICATED="2",
        NOTIFIER_AUTH_TIMEOUT_SECONDS="10",
    ) as service:
        yield service


def _ready(service: ServiceProcess) -> bool:
    return httpx.get(f"{service.url}/health/ready").status_code == 200


def _flood(client: redis.Redis, key: str, count: int, m: str | None = None) -> list[str]:
    """``count`` events (of fresh merchants unless ``m``) appended in one round trip."""
    pipe = client.pipeline(transaction=False)
    for _ in range(count):
        fields: Any = to_stream_fields(make_event(m or merchant()))
        pipe.xadd(key, fields)
    return [i.decode() for i in pipe.execute()]


async def test_a_since_beyond_the_entry_bound_is_not_recovered(
    bounded: ServiceProcess, redis_client: redis.Redis, key: str
) -> None:
    m = merchant()
    old = publish(redis_client, key, make_event(m))
    _flood(redis_client, key, 150)  # other merchants push it out of the 100-entry window
    recent = publish(redis_client, key, make_event(m))
    last = publish(redis_client, key, make_event(m))
    client = await Client.open(bounded.port, token(m))
    for since in (old, "0-0"):
        reply = await client.subscribe(f"inquiries:{m}", since=since)
        assert reply["recovered"] is False, since
    reply = await client.subscribe(f"inquiries:{m}", since=recent)
    assert reply["recovered"] is True
    assert [e["offset"] for e in await client.events(1)] == [last]
    await client.close()


async def test_a_notifier_started_later_replays_what_came_before_it(
    base_env: dict[str, str], redis_client: redis.Redis, key: str
) -> None:
    m = merchant()
    ids = [publish(redis_client, key, make_event(m)) for _ in range(4)]
    with _running(base_env, key) as service:
        client = await Client.open(service.port, token(m))
        for since in ("0-0", ids[0]):
            reply = await client.subscribe(f"inquiries:{m}", since=since)
            assert reply["recovered"] is True
            expected = ids if since == "0-0" else ids[1:]
            assert [e["offset"] for e in await client.events(len(expected))] == expected
        await client.close()


async def test_a_since_older_than_the_age_bound_is_not_recovered(
    base_env: dict[str, str], redis_client: redis.Redis, key: str
) -> None:
    with _running(base_env, key, NOTIFIER_REPLAY_MAX_AGE_SECONDS="2") as service:
        m = merchant()
        first = publish(redis_client, key, make_event(m))
        publish(redis_client, key, make_event(m))
        client = await Client.open(service.port, token(m))
        assert (await client.subscribe(f"inquiries:{m}", since=first))["recovered"] is True
        await client.events(1)
        await asyncio.sleep(2.5)
        assert (await client.subscribe(f"inquiries:{m}", since=first))["recovered"] is False
        await client.close()


async def test_replays_cost_what_the_room_holds_not_the_stream(
    base_env: dict[str, str], redis_client: redis.Redis, key: str
) -> None:
    m = merchant()
    start = publish(redis_client, key, make_event(merchant()))
    _flood(redis_client, key, 20_000)  # a busy stream of other merchants
    mine = [publish(redis_client, key, make_event(m)) for _ in range(3)]
    with _running(base_env, key, NOTIFIER_REPLAY_MAX_ENTRIES="50000") as service:
        await asyncio.to_thread(wait_for, lambda: _ready(service), 30)  # the window is filled
        resumers = [await Client.open(service.port, token(m, sub=f"r{i}")) for i in range(20)]
        watcher = await Client.open(service.port, token(m, sub="watcher"))
        started = time.monotonic()
        for client in resumers:  # twenty resumes from the start of the stream at once
            await client.send({"op": "subscribe", "room": f"inquiries:{m}", "since": start})
        await watcher.send({"op": "ping"})
        assert await watcher.recv() == {"op": "pong"}
        for client in resumers:
            reply = await client.recv()
            assert reply["recovered"] is True
            assert [e["offset"] for e in await client.events(3)] == mine
            await client.close()
        # Walking 20,000 entries per resume took a second of CPU each; three entries take none.
        assert time.monotonic() - started < 5.0
        await watcher.close()


async def test_resubscribing_with_since_is_rate_limited_per_socket(
    bounded: ServiceProcess, redis_client: redis.Redis, key: str
) -> None:
    m = merchant()
    since = publish(redis_client, key, make_event(m))
    client = await Client.open(bounded.port, token(m))
    for _ in range(3):
        assert (await client.subscribe(f"inquiries:{m}", since=since))["recovered"] is True
    await client.send({"op": "subscribe", "room": f"inquiries:{m}", "since": since})
    refused = await client.recv()
    assert (refused["op"], refused["code"]) == ("error", "rate_limited")
    assert refused["room"] == f"inquiries:{m}"
    assert "recovered" not in await client.subscribe(f"inquiries:{m}")  # live still works
    other = await Client.open(bounded.port, token(m, sub="someone-else"))
    assert (await other.subscribe(f"inquiries:{m}", since=since))["recovered"] is True
    await asyncio.gather(client.close(), other.close())


async def test_a_user_holds_at_most_the_configured_sockets(bounded: ServiceProcess) -> None:
    m = merchant()
    first = await Client.open(bounded.port, token(m))
    second = await Client.open(bounded.port, token(m))
    third = await Client.open(bounded.port)
    await third.send({"op": "auth", "token": token(m)})
    assert await third.until_closed() == 4029
    stranger = await Client.open(bounded.port, token(m, sub="another-user"))  # per user
    await first.close()
    await asyncio.sleep(0.2)
    again = await Client.open(bounded.port, token(m))  # a freed slot is free again
    for client in (second, stranger, again):
        await client.send({"op": "ping"})
        assert await client.recv() == {"op": "pong"}
        await client.close()


async def test_unauthenticated_sockets_are_bounded(bounded: ServiceProcess) -> None:
    m = merchant()
    waiting = [await Client.open(bounded.port) for _ in range(2)]
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{bounded.port}/v1/ws", open_timeout=10)
    assert refused.value.response.status_code == 503
    await waiting[0].send({"op": "auth", "token": token(m)})
    assert await waiting[0].recv() == {"op": "ready"}
    admitted = await Client.open(bounded.port, token(m, sub="later"))
    for client in (*waiting, admitted):
        await client.close()
