"""SPEC §8 token refresh: a second ``auth`` replaces the token on the open socket."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.notifier.conftest import Client, make_event, merchant, token
from tests.support import ServiceProcess


async def test_refresh_answers_ready_and_the_new_exp_applies(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    client = await Client.open(notifier.port, token(m, ttl=2))
    await client.subscribe(f"inquiries:{m}")
    await client.send({"op": "auth", "token": token(m, ttl=3600)})
    assert await client.recv() == {"op": "ready"}
    await asyncio.sleep(3)  # past the first token's exp: the socket stays open
    await client.send({"op": "ping"})
    assert await client.recv() == {"op": "pong"}
    live = publisher(make_event(m))
    assert [e["offset"] for e in await client.events(1)] == [live]  # still subscribed
    await client.close()


async def test_a_shorter_refreshed_token_expires_the_socket(notifier: ServiceProcess) -> None:
    m = merchant()
    client = await Client.open(notifier.port, token(m, ttl=3600))
    await client.send({"op": "auth", "token": token(m, ttl=2)})
    assert await client.recv() == {"op": "ready"}
    assert await client.until_closed() == 4001


async def test_an_invalid_refresh_closes_4001(notifier: ServiceProcess) -> None:
    m = merchant()
    for bad in ("not-a-jwt", token(m, ttl=-5)):
        client = await Client.open(notifier.port, token(m))
        await client.send({"op": "auth", "token": bad})
        assert await client.until_closed() == 4001


async def test_a_refresh_for_another_user_closes_4001(notifier: ServiceProcess) -> None:
    m = merchant()
    client = await Client.open(notifier.port, token(m, sub="alice"))
    await client.send({"op": "auth", "token": token(m, sub="mallory")})
    assert await client.until_closed() == 4001


async def test_rooms_the_new_token_lacks_are_dropped(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    inquiry = uuid.uuid4()
    collection, single = f"inquiries:{m}", f"inquiries:{m}:{inquiry}"
    client = await Client.open(notifier.port, token(m))
    await client.subscribe(collection)
    await client.subscribe(single)
    await client.send({"op": "auth", "token": token(m, ["inquiry.find_by_id"])})
    assert await client.recv() == {"op": "ready"}
    dropped = await client.recv()
    assert dropped["op"] == "error"
    assert dropped["code"] == "forbidden"
    assert dropped["room"] == collection
    live = publisher(make_event(m, inquiry))
    (event,) = await client.events(1)
    assert (event["room"], event["offset"]) == (single, live)
    await client.send({"op": "ping"})
    assert await client.recv() == {"op": "pong"}  # no collection event followed
    await client.send({"op": "subscribe", "room": collection})
    assert (await client.recv())["code"] == "forbidden"
    await client.close()
