"""One WebSocket connection speaking SPEC §8, independent of the server that carries it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec
import structlog

from services.notifier import metrics
from services.notifier.access import (
    ConnectionCaps,
    Grant,
    Refused,
    TokenBucket,
    authenticate,
    check_token,
    needed,
)
from services.notifier.backlog import Backlog, Disconnected, Transport
from services.notifier.hub import Hub
from services.notifier.schemas import (
    INTERNAL,
    TOO_MANY,
    TOO_SLOW,
    UNAUTHORIZED,
    Auth,
    Error,
    Ping,
    Pong,
    Ready,
    Room,
    Subscribe,
    Unsubscribe,
    Unsubscribed,
    decode_client,
    encode,
    parse_id,
    parse_room,
)
from shared.auth import Principal
from shared.settings import AuthSettings, NotifierSettings

log = structlog.get_logger("notifier.session")


class Session:
    """Authenticates, then serves subscribe/unsubscribe/ping/refresh until the socket ends.

    Frames go out through a :class:`Backlog`; ``shut`` ends the session from any task (the
    hub's fan-out, a timer, shutdown) by interrupting the read loop.
    """

    def __init__(
        self,
        transport: Transport,
        hub: Hub,
        settings: NotifierSettings,
        auth: AuthSettings,
        caps: ConnectionCaps,
    ) -> None:
        self.transport = transport
        self.hub = hub
        self.settings = settings
        self.auth = auth
        self.caps = caps
        self.backlog = Backlog(transport, settings.notifier_queue_size, self._too_slow, self._stop)
        self.rooms: dict[str, Room] = {}
        self.grant: Grant | None = None
        self.replays = TokenBucket(settings.replay_rate)
        self.close_code: int | None = None
        self.close_reason = ""
        self._done = False
        self._reader: asyncio.Task[Any] | None = None  # set while the read loop may be cancelled
        self._interrupted = False

    def shut(self, code: int, reason: str) -> None:
        """End the session with ``code`` (first reason wins)."""
        if self._done:
            return
        self.close_code, self.close_reason = code, reason
        self._stop()

    def _too_slow(self) -> None:
        metrics.SLOW_CLOSES.inc()
        self.shut(TOO_SLOW, "client too slow")

    def _stop(self) -> None:
        """Stop sending, and interrupt the read loop unless it is the caller (it checks)."""
        if self._done:
            return
        self._done = True
        self.backlog.stop()
        reader = self._reader
        if reader is not None and reader is not asyncio.current_task():
            self._interrupted = True
            reader.cancel()

    # --- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until the peer leaves or the server closes it."""
        task = self._reader = asyncio.current_task()
        try:
            await self._live()
        except asyncio.CancelledError:
            # Ours (``_stop`` from another task) is absorbed; the server's own propagates.
            if not self._interrupted or task is None or task.uncancel() > 0:
                raise
        except Disconnected:
            pass
        except Exception:  # whatever failed, only this socket ends, and cleanly
            log.exception("session failed")  # a traceback, never frame locals (shared.logging)
            self.shut(INTERNAL, "internal error")
        finally:
            self._reader = None
            self._stop()
        await self.backlog.finished()
        await self._close()

    async def _live(self) -> None:
        if self._done:
            return
        self.caps.unauthenticated += 1
        try:
            within = self.settings.notifier_auth_timeout_seconds
            principal = await authenticate(self.transport, self.auth, within)
        except Refused as refused:
            self.shut(refused.code, refused.reason)
            return
        finally:
            self.caps.unauthenticated -= 1
        if not self.caps.admit(principal.sub):
            log.info("connection refused: too many for this user", sub=principal.sub)
            self.shut(TOO_MANY, "too many connections for this user")
            return
        structlog.contextvars.bind_contextvars(sub=principal.sub)
        metrics.CONNECTIONS.inc()
        self.grant = Grant(principal, self._expired)
        try:
            self.backlog.offer(encode(Ready()))
            await self._read()
        finally:
            self.grant.cancel()
            for room in self.rooms.values():
                self.hub.remove(self.backlog, room)
            metrics.CONNECTIONS.dec()
            self.caps.release(principal.sub)

    def _expired(self) -> None:
        self.shut(UNAUTHORIZED, "token expired")

    async def _close(self) -> None:
        if self.close_code is None:
            return
        # A slow client's close frame waits behind its unsent data: bound the wait.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.settings.notifier_close_timeout_seconds):
                await self.transport.close(self.close_code, self.close_reason)

    # --- protocol -------------------------------------------------------------------------

    async def _read(self) -> None:
        while not self._done:
            raw = await self.transport.receive()
            try:
                message = decode_client(raw)
            except msgspec.DecodeError as exc:
                self.backlog.offer(encode(Error("bad_request", detail=str(exc)[:200])))
                continue
            if isinstance(message, Ping):
                self.backlog.offer(encode(Pong()))
            elif isinstance(message, Subscribe):
                await self._subscribe(message)
            elif isinstance(message, Unsubscribe):
                room = self.rooms.pop(message.room, None)
                if room is not None:
                    self.hub.remove(self.backlog, room)
                self.backlog.offer(encode(Unsubscribed(message.room)))
            elif isinstance(message, Auth):
                self._refresh(message.token)

    def _refresh(self, token: str) -> None:
        """SPEC §8 token refresh: the new token replaces the old; rooms it does not cover go."""
        if self.grant is None:
            return
        try:
            principal = check_token(token, self.auth)
        except Refused as refused:
            self.shut(refused.code, refused.reason)
            return
        if principal.sub != self.grant.principal.sub:
            # Its connection count and its log lines belong to the first subject.
            log.info("refresh refused", reason="a token of another subject")
            self.shut(UNAUTHORIZED, "unauthorized")
            return
        self.grant.replace(principal)
        self.backlog.offer(encode(Ready()))
        for name, room in list(self.rooms.items()):
            if not self._allowed(principal, room):
                del self.rooms[name]
                self.hub.remove(self.backlog, room)
                detail = f"needs {needed(room).value}"
                self.backlog.offer(encode(Error("forbidden", detail=detail, room=name)))

    @staticmethod
    def _allowed(principal: Principal, room: Room) -> bool:
        return principal.can(room.merchant_id, needed(room))

    def _refuse(self, code: str, detail: str, room: str) -> None:
        self.backlog.offer(encode(Error(code, detail=detail, room=room)))

    async def _subscribe(self, message: Subscribe) -> None:
        name = message.room
        room = parse_room(name)
        if room is None:
            detail = "room must be inquiries:{merchant} or inquiries:{merchant}:{inquiry_id}"
            self._refuse("bad_request", detail, name)
        elif self.grant is None or not self._allowed(self.grant.principal, room):
            self._refuse("forbidden", f"needs {needed(room).value}", name)
        elif message.since is not None and parse_id(message.since) is None:
            self._refuse("bad_request", "since must be a stream ID such as 1700000000000-0", name)
        elif name not in self.rooms and len(self.rooms) >= self.settings.notifier_max_subscriptions:
            self._refuse("bad_request", "too many subscriptions", name)
        elif message.since is not None and not self.replays.take():
            # Each replay costs this process work: a client resumes once per reconnect.
            self._refuse("rate_limited", "too many subscribes with since; retry later", name)
        else:
            self.rooms[name] = room
            await self.hub.subscribe(self.backlog, room, message.since, message.epoch)
