"""What one notifier process holds: Redis clients, the stream reader, the hub and its sessions."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from services.notifier.access import ConnectionCaps
from services.notifier.backlog import Transport
from services.notifier.hub import Hub
from services.notifier.reader import StreamReader
from services.notifier.schemas import GOING_AWAY, SERVICE_RESTART
from services.notifier.session import Session
from services.notifier.stream import Entry, Stream
from services.notifier.window import ReplayWindow
from shared.health import ReadinessCheck
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
        window = ReplayWindow(
            settings.notifier_replay_max_entries, settings.notifier_replay_max_age_seconds
        )
        self.reader = StreamReader(
            Stream(self.redis, redis.stream_key),
            self.blocking,
            window,
            self._dispatch,
            self.reset,
            block_ms=settings.notifier_block_ms,
            count=settings.notifier_read_count,
        )
        self.hub = Hub(self.reader)
        self.caps = ConnectionCaps(
            settings.notifier_max_connections_per_user, settings.notifier_max_unauthenticated
        )
        self.sessions: set[Session] = set()
        self.stopping = False
        self._idle = asyncio.Event()
        self._idle.set()

    def _dispatch(self, entries: list[Entry]) -> None:
        self.hub.dispatch(entries)

    async def serve(self, transport: Transport) -> None:
        """Speak SPEC §8 on an accepted WebSocket until it ends."""
        session = Session(transport, self.hub, self.settings, self.auth, self.caps)
        if self.stopping:
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

    @property
    def checks(self) -> dict[str, ReadinessCheck]:
        """What ``/health/ready`` asks; once shutting down, ``accepting`` is down."""
        checks: dict[str, ReadinessCheck] = {
            "redis": lambda: answers(self.redis),
            "stream_reader": self._reader_ok,
        }
        if self.stopping:
            checks["accepting"] = self._accepting
        return checks

    async def _reader_ok(self) -> bool:
        return self.reader.running

    async def _accepting(self) -> bool:
        return not self.stopping

    async def drain(self) -> None:
        """Close every socket with 1001 and wait (briefly) until their handlers end."""
        self.stopping = True
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
