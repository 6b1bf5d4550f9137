"""The send backlog in-process: direct writes, a writer only while frames wait, 4008."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from services.notifier.access import ConnectionCaps
from services.notifier.backlog import Disconnected
from services.notifier.hub import Hub
from services.notifier.schemas import TOO_SLOW
from services.notifier.session import Session
from shared.settings import AuthSettings, NotifierSettings
from tests.conftest import JWT_SECRET
from tests.notifier.conftest import merchant, token

LIMIT = 10


class FakeTransport:
    """A socket whose write buffer is full while ``paused``; ``send`` waits until it is not."""

    def __init__(self) -> None:
        self.paused = False
        self.sent: list[bytes] = []
        self.closed: tuple[int, str] | None = None
        self.resumed = asyncio.Event()
        self.incoming: asyncio.Queue[str] = asyncio.Queue()

    async def receive(self) -> str | bytes:
        message = await self.incoming.get()
        if message == "":
            raise Disconnected
        return message

    def send_nowait(self, frame: bytes) -> bool:
        if self.paused:
            return False
        self.sent.append(frame)
        return True

    async def send(self, frame: bytes) -> None:
        while self.paused:
            await self.resumed.wait()
        self.sent.append(frame)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def resume(self) -> None:
        self.paused = False
        self.resumed.set()
        self.resumed = asyncio.Event()


def session(transport: FakeTransport) -> Session:
    settings = NotifierSettings(notifier_queue_size=LIMIT)
    auth = AuthSettings(jwt_secret=JWT_SECRET)
    return Session(transport, cast(Hub, None), settings, auth, ConnectionCaps(20, 100))


def frames(n: int, start: int = 0) -> list[bytes]:
    return [str(i).encode() for i in range(start, start + n)]


async def test_frames_go_straight_out_without_a_task() -> None:
    transport = FakeTransport()
    s = session(transport)
    for frame in frames(100):
        s.backlog.offer(frame)
    assert transport.sent == frames(100)
    assert not s.backlog.writing
    assert not s.backlog.frames


async def test_a_full_buffer_queues_in_order_then_the_writer_ends() -> None:
    transport = FakeTransport()
    s = session(transport)
    s.backlog.offer(b"0")
    transport.paused = True
    for frame in frames(LIMIT, 1):
        s.backlog.offer(frame)
    assert s.backlog.writing
    assert len(s.backlog.frames) == LIMIT
    transport.resume()
    await asyncio.sleep(0.01)
    s.backlog.offer(b"late")
    assert transport.sent == [*frames(LIMIT + 1), b"late"]
    assert not s.backlog.writing
    assert s.close_code is None


async def test_overflow_closes_with_4008_and_drops_the_backlog() -> None:
    transport = FakeTransport()
    s = session(transport)
    transport.paused = True
    for frame in frames(LIMIT + 1):
        s.backlog.offer(frame)
    assert s.close_code == TOO_SLOW
    assert not s.backlog.frames
    s.backlog.offer(b"after")  # ignored once closed
    assert not s.backlog.frames


async def test_replay_waits_for_room_instead_of_overflowing() -> None:
    transport = FakeTransport()
    s = session(transport)
    transport.paused = True
    replay = asyncio.create_task(_put_all(s, frames(3 * LIMIT)))
    await asyncio.sleep(0.01)
    assert not replay.done()
    assert s.close_code is None
    transport.resume()
    await asyncio.wait_for(replay, 1)
    await asyncio.sleep(0.01)
    assert transport.sent == frames(3 * LIMIT)


async def test_a_stop_from_elsewhere_interrupts_the_read_and_closes() -> None:
    transport = FakeTransport()
    s = session(transport)
    run = asyncio.create_task(s.run())
    await asyncio.sleep(0.01)  # waiting for the auth message
    s.shut(1001, "server shutting down")
    await asyncio.wait_for(run, 1)
    assert transport.closed == (1001, "server shutting down")


async def test_an_outside_cancel_still_cancels() -> None:
    transport = FakeTransport()
    s = session(transport)
    run: asyncio.Task[Any] = asyncio.create_task(s.run())
    await asyncio.sleep(0.01)
    run.cancel()
    await asyncio.gather(run, return_exceptions=True)
    assert run.cancelled()


async def _put_all(s: Session, items: list[bytes]) -> None:
    for frame in items:
        await s.backlog.put(frame)


class BrokenTransport(FakeTransport):
    """A transport that fails in an unforeseen way on the message after ``auth``."""

    async def receive(self) -> str | bytes:
        message = await super().receive()
        if message == "boom":
            raise RuntimeError("unforeseen")
        return message


async def test_an_unforeseen_failure_closes_only_that_socket_with_1011() -> None:
    transport = BrokenTransport()
    s = session(transport)
    run = asyncio.create_task(s.run())
    transport.incoming.put_nowait(json.dumps({"op": "auth", "token": token(merchant())}))
    transport.incoming.put_nowait("boom")
    await asyncio.wait_for(run, 1)
    assert transport.closed == (1011, "internal error")
    assert transport.sent == [b'{"op":"ready"}']
