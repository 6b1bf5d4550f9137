"""Notifier fixtures: real notifier processes, a WebSocket client helper and a publisher."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from shared.auth import InquiryPermissions, mint_token
from shared.events import Event, Topic, to_stream_fields
from shared.settings import AuthSettings
from tests.conftest import JWT_SECRET
from tests.support import ServiceProcess

AUTH = AuthSettings(jwt_secret=JWT_SECRET)
ALL_PERMS = [p.value for p in InquiryPermissions]


def token(
    merchant: str, perms: list[str] | None = None, ttl: int = 3600, sub: str | None = None
) -> str:
    """A token for one merchant (every permission unless ``perms``), its user ``u-{merchant}``."""
    chosen = ALL_PERMS if perms is None else perms
    user = sub or f"u-{merchant}"
    return mint_token(AUTH, sub=user, merchant_id=merchant, perms=chosen, ttl_seconds=ttl)


def make_event(merchant: str, inquiry_id: uuid.UUID | None = None, **data: Any) -> Event:
    """A submitted event as the relay would write it."""
    inquiry = inquiry_id or uuid.uuid4()
    now = datetime.now(UTC)
    return Event(
        topic=Topic.SUBMITTED,
        event_id=uuid.uuid4(),
        merchant_id=merchant,
        inquiry_id=inquiry,
        occurred_at=now,
        data={"id": str(inquiry), "merchant_id": merchant, "name": "Ann", **data},
    )


def publish(client: Any, stream_key: str, event: Event) -> str:
    """Append like the shared publisher; returns the entry ID."""
    entry_id = client.xadd(stream_key, to_stream_fields(event))
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def merchant() -> str:
    """A merchant id nobody else in this session uses."""
    return f"m-{uuid.uuid4().hex[:8]}"


class Client:
    """A real ``websockets`` client speaking SPEC §8."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def open(cls, port: int, tok: str | None = None, **kwargs: Any) -> Client:
        """Connect and, with ``tok``, authenticate (expects ``ready``)."""
        ws = await connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10, **kwargs)
        client = cls(ws)
        if tok is not None:
            await client.send({"op": "auth", "token": tok})
            assert await client.recv() == {"op": "ready"}
        return client

    async def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message."""
        await self.ws.send(json.dumps(message))

    async def recv(self, wait: float = 10) -> dict[str, Any]:
        """The next JSON message."""
        raw = await asyncio.wait_for(self.ws.recv(), wait)
        result: dict[str, Any] = json.loads(raw)
        return result

    async def subscribe(
        self, room: str, since: str | None = None, epoch: str | None = None
    ) -> dict[str, Any]:
        """Subscribe and return the ``subscribed`` reply."""
        message: dict[str, Any] = {"op": "subscribe", "room": room}
        if since is not None:
            message["since"] = since
        if epoch is not None:
            message["epoch"] = epoch
        await self.send(message)
        reply = await self.recv()
        assert reply["op"] == "subscribed", reply
        return reply

    async def events(self, count: int, wait: float = 15) -> list[dict[str, Any]]:
        """The next ``count`` event messages."""
        found: list[dict[str, Any]] = []
        while len(found) < count:
            message = await self.recv(wait)
            assert message["op"] == "event", message
            found.append(message)
        return found

    async def until_closed(self, offsets: list[str] | None = None, wait: float = 15) -> int:
        """Read until the server closes; return the close code (event offsets go to ``offsets``)."""
        while True:
            try:
                message = await self.recv(wait)
            except ConnectionClosed:
                return self.ws.close_code or 0
            if offsets is not None and message["op"] == "event":
                offsets.append(message["offset"])

    async def close(self) -> None:
        """Close from the client side."""
        await self.ws.close()


def notifier_env(base_env: dict[str, str], **extra: str) -> dict[str, str]:
    """Environment of a notifier process (short auth deadline so the test is quick)."""
    return {
        **base_env,
        "NOTIFIER_AUTH_TIMEOUT_SECONDS": "1",
        "NOTIFIER_BLOCK_MS": "2000",
        **extra,
    }


@pytest.fixture(scope="session")
def notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """One notifier on the session's Redis, shared by tests that stop nothing."""
    service = ServiceProcess("notifier", notifier_env(base_env)).start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def notifier2(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A second notifier on the same stream."""
    service = ServiceProcess("notifier", notifier_env(base_env)).start()
    yield service
    service.stop()


@pytest.fixture
def publisher(redis_client: redis.Redis, stream_key: str) -> Any:
    """``publisher(event) -> entry id`` on the session stream."""
    return lambda event: publish(redis_client, stream_key, event)
