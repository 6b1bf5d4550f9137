"""What one notifier process holds: Redis clients, the stream reader, the hub and its sessions."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from services.notifier.hub import Hub
from services.notifier.session import GOING_AWAY, SERVICE_RESTART, Session, Transport
from services.notifier.stream import Stream, StreamReader
from shared.redis import answers, create_redis
from shared.settings import AuthSettings, NotifierSettings, RedisSettings

log = structlog.get_logger("notifier")

_DRAIN_SECONDS = 2.0


class Notifier:
    """The process-wide state; :meth:`serve` runs one connection."""

    def __init__(
        self, settings: NotifierSettings, redis: RedisSettings, auth: AuthSettings
    ) -> None:
        self.settings = settings
        self.auth = auth
        self.redis = create_redis(redis)
        # XREAD BLOCK holds the socket idle for block_ms: its timeout must be longer.
        self.blocking = create_redis(
            redis, read_timeout=settings.notifier_block_ms / 1000 + redis.redis_timeout_seconds + 5
        )
        self.stream = Stream(self.redis, redis.stream_key)
        self.hub = Hub(self.stream)
        self.reader = StreamReader(
            self.stream,
            self.blocking,
            self.hub.dispatch,
            self.reset,
            block_ms=settings.notifier_block_ms,
            count=settings.notifier_read_count,
        )
        self.hub.reader = self.reader
        self.sessions: set[Session] = set()
        self._drained = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def serve(self, transport: Transport) -> None:
        """Speak SPEC §8 on an accepted WebSocket until it ends."""
        session = Session(transport, self.hub, self.settings, self.auth)
        if self._drained:
            session.shut(GOING_AWAY, "server shutting down")
        self.sessions.add(session)
        self._idle.clear()
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if not self.sessions:
                self._idle.set()

    def reset(self, reason: str) -> None:
        """The stream was reset or read with a gap: every client resumes with ``since``."""
        for session in list(self.sessions):
            session.shut(SERVICE_RESTART, reason[:120])

    async def redis_ok(self) -> bool:
        """Redis answers PING within a second."""
        return await answers(self.redis)

    async def reader_ok(self) -> bool:
        """The stream reader loop is alive and its last read succeeded."""
        return self.reader.running

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state, ``ok`` or ``down``."""
        return {
            "redis": "ok" if await self.redis_ok() else "down",
            "stream_reader": "ok" if await self.reader_ok() else "down",
        }

    async def drain(self) -> None:
        """Close every socket with 1001 and wait (briefly) until their handlers end."""
        self._drained = True
        for session in list(self.sessions):
            session.shut(GOING_AWAY, "server shutting down")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), _DRAIN_SECONDS)

    async def close(self) -> None:
        """Drain sockets, stop the reader and close Redis."""
        await self.drain()
        await self.reader.stop()
        await self.redis.aclose()
        await self.blocking.aclose()
