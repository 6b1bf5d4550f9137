"""The send side of one socket: frames written straight through, or held in a bounded backlog."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Disconnected(Exception):
    """The peer is gone."""


class Transport(Protocol):
    """What a session needs from the WebSocket server (the ``websockets`` one, see server.py)."""

    async def receive(self) -> str | bytes:
        """The next message; raises :class:`Disconnected` when the peer left."""

    def send_nowait(self, frame: bytes) -> bool:
        """Write one text frame now if the socket's write buffer has room; else ``False``."""

    async def send(self, frame: bytes) -> None:
        """Send one text frame, waiting for the peer; raises :class:`Disconnected`."""

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame."""


class Backlog:
    """Frames on their way to one socket (what the hub sees of a connection).

    A frame is written straight to the socket while its write buffer has room. Only when it is
    full do frames wait here, drained by a task that exists only while something waits; more
    than ``limit`` waiting frames call ``on_overflow`` (the session closes with 4008). So an
    idle socket costs no task here, and a slow one never delays the others.
    """

    __slots__ = (
        "_space",
        "_writer",
        "frames",
        "limit",
        "on_gone",
        "on_overflow",
        "stopped",
        "transport",
    )

    def __init__(
        self,
        transport: Transport,
        limit: int,
        on_overflow: Callable[[], None],
        on_gone: Callable[[], None],
    ) -> None:
        self.transport = transport
        self.limit = limit
        self.on_overflow = on_overflow
        self.on_gone = on_gone
        self.frames: deque[bytes] = deque()
        self.stopped = False
        self._writer: asyncio.Task[None] | None = None
        self._space: asyncio.Future[None] | None = None  # a replay waits here for room

    @property
    def queue_limit(self) -> int:
        """Frames allowed to wait before the client counts as too slow."""
        return self.limit

    @property
    def writing(self) -> bool:
        """Whether a task is draining waiting frames."""
        return self._writer is not None

    def offer(self, frame: bytes) -> None:
        """Send without waiting; an overfull backlog means the client fell too far behind."""
        if self.stopped:
            return
        if self._writer is None:
            if self.transport.send_nowait(frame):
                return
            self._writer = asyncio.create_task(self._write())
        if len(self.frames) >= self.limit:
            self.overflow()
        else:
            self.frames.append(frame)

    def overflow(self) -> None:
        """The client fell too far behind: it resumes with ``since`` instead of holding memory."""
        if not self.stopped:
            self.on_overflow()

    async def put(self, frame: bytes) -> None:
        """Send, waiting for backlog room (only this connection's own replay waits here)."""
        while not self.stopped and len(self.frames) >= self.limit:
            self._space = asyncio.get_running_loop().create_future()
            await self._space
        self.offer(frame)

    def stop(self) -> None:
        """Send nothing more: drop what waits, stop the writer, release a waiting ``put``."""
        if self.stopped:
            return
        self.stopped = True
        self.frames.clear()
        if self._writer is not None:
            self._writer.cancel()
        self._wake()

    async def finished(self) -> None:
        """Wait until the writer task (if any) has ended."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    def _wake(self) -> None:
        if self._space is not None and not self._space.done():
            self._space.set_result(None)

    async def _write(self) -> None:
        """Drain the backlog at the client's pace, then end (the next frame goes out directly)."""
        try:
            while self.frames:
                frame = self.frames.popleft()
                self._wake()
                await self.transport.send(frame)
        except Disconnected:
            self.on_gone()
        finally:
            if asyncio.current_task() is self._writer:
                self._writer = None
