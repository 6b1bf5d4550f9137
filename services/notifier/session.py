"""One WebSocket connection speaking SPEC §8, independent of the server that carries it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any, Protocol

import msgspec
import structlog

from services.notifier import metrics
from services.notifier.hub import Hub
from services.notifier.schemas import (
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
from shared.auth import InquiryPermissions, Principal, decode_token
from shared.errors import Unauthorized
from shared.settings import AuthSettings, NotifierSettings

log = structlog.get_logger("notifier.session")

UNAUTHORIZED = 4001
TOO_SLOW = 4008
GOING_AWAY = 1001
INTERNAL = 1011
SERVICE_RESTART = 1012


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


class Session:
    """Authenticates, then serves subscribe/unsubscribe/ping; frames go out through an outbox.

    A frame is written straight to the socket while its write buffer has room. Only when it is
    full do frames wait in a bounded deque, drained by a task that exists only while something
    waits; more than ``notifier_queue_size`` waiting frames close the socket with 4008. So an
    idle socket costs one task (the one reading it), and a slow one never delays the others.
    """

    def __init__(
        self, transport: Transport, hub: Hub, settings: NotifierSettings, auth: AuthSettings
    ) -> None:
        self.transport = transport
        self.hub = hub
        self.settings = settings
        self.auth = auth
        self.outbox: deque[bytes] = deque()
        self.rooms: dict[str, Room] = {}
        self.close_code: int | None = None
        self.close_reason = ""
        self._done = False
        self._writer: asyncio.Task[None] | None = None
        self._space: asyncio.Future[None] | None = None  # replay waits here for outbox room
        self._reader: asyncio.Task[Any] | None = None  # set while the read loop may be cancelled
        self._interrupted = False
        self.principal: Principal | None = None
        self._expiry: asyncio.TimerHandle | None = None

    # --- Sink (what the hub calls) ---------------------------------------------------------

    @property
    def queue_limit(self) -> int:
        """Frames allowed to wait before the client counts as too slow."""
        return self.settings.notifier_queue_size

    def offer(self, frame: bytes) -> None:
        """Send without waiting; an overfull outbox means the client fell too far behind."""
        if self._done:
            return
        if self._writer is None:
            if self.transport.send_nowait(frame):
                return
            self._writer = asyncio.create_task(self._write())
        if len(self.outbox) >= self.queue_limit:
            self.overflow()
        else:
            self.outbox.append(frame)

    def overflow(self) -> None:
        """Close with 4008: the client resumes with ``since`` instead of holding memory here."""
        if not self._done:
            metrics.SLOW_CLOSES.inc()
            self.shut(TOO_SLOW, "client too slow")

    async def put(self, frame: bytes) -> None:
        """Send, waiting for outbox room (only this connection's own replay waits here)."""
        while not self._done and len(self.outbox) >= self.queue_limit:
            self._space = asyncio.get_running_loop().create_future()
            await self._space
        self.offer(frame)

    def shut(self, code: int, reason: str) -> None:
        """End the session with ``code`` (first reason wins)."""
        if self._done:
            return
        self.close_code, self.close_reason = code, reason
        self._stop()

    def _stop(self) -> None:
        """Stop sending, and interrupt the read loop unless it is the caller (it checks)."""
        if self._done:
            return
        self._done = True
        self.outbox.clear()
        if self._writer is not None:
            self._writer.cancel()
        self._wake()
        reader = self._reader
        if reader is not None and reader is not asyncio.current_task():
            self._interrupted = True
            reader.cancel()

    def _wake(self) -> None:
        if self._space is not None and not self._space.done():
            self._space.set_result(None)

    # --- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until the peer leaves or the server closes it."""
        task = self._reader = asyncio.current_task()
        try:
            principal = None if self._done else await self._authenticate()
            if principal is not None:
                await self._serve(principal)
        except asyncio.CancelledError:
            # Ours (``_stop`` from another task) is absorbed; the server's own propagates.
            if not self._interrupted or task is None or task.uncancel() > 0:
                raise
        finally:
            self._reader = None
            self._stop()
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self._close()

    async def _serve(self, principal: Principal) -> None:
        metrics.CONNECTIONS.inc()
        self._grant(principal)
        try:
            self.offer(encode(Ready()))
            await self._read()
        finally:
            if self._expiry is not None:
                self._expiry.cancel()
            for room in self.rooms.values():
                self.hub.remove(self, room)
            metrics.CONNECTIONS.dec()

    def _grant(self, principal: Principal) -> None:
        """Act as ``principal`` until its ``exp`` (a timer, not a sleeping task per socket)."""
        self.principal = principal
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.get_running_loop().call_later(
            max(0.0, principal.exp - time.time()), self.shut, UNAUTHORIZED, "token expired"
        )

    def _refresh(self, token: str) -> None:
        """SPEC §8 token refresh: the new token replaces the old; rooms it does not cover go."""
        current = self.principal
        try:
            principal = decode_token(token, self.auth)
        except Unauthorized as exc:
            log.info("refresh refused", reason=str(exc)[:200])
            self.shut(UNAUTHORIZED, "unauthorized")
            return
        if current is None or principal.sub != current.sub:
            log.info("refresh refused", reason="token of another subject")
            self.shut(UNAUTHORIZED, "unauthorized")
            return
        self._grant(principal)
        self.offer(encode(Ready()))
        for name, room in list(self.rooms.items()):
            needed = _needed(room)
            if not principal.can(room.merchant_id, needed):
                del self.rooms[name]
                self.hub.remove(self, room)
                self.offer(encode(Error("forbidden", detail=f"needs {needed.value}", room=name)))

    async def _close(self) -> None:
        if self.close_code is None:
            return
        # A slow client's close frame waits behind its unsent data: bound the wait.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.settings.notifier_close_timeout_seconds):
                await self.transport.close(self.close_code, self.close_reason)

    async def _authenticate(self) -> Principal | None:
        try:
            async with asyncio.timeout(self.settings.notifier_auth_timeout_seconds):
                raw = await self.transport.receive()
        except TimeoutError:
            self.shut(UNAUTHORIZED, "no auth message in time")
            return None
        except Disconnected:
            return None
        try:
            message = decode_client(raw)
            if not isinstance(message, Auth):
                raise Unauthorized("the first message must be auth")
            principal = decode_token(message.token, self.auth)
        except (msgspec.DecodeError, Unauthorized) as exc:
            self.shut(UNAUTHORIZED, "unauthorized")
            log.info("auth refused", reason=str(exc)[:200])
            return None
        structlog.contextvars.bind_contextvars(sub=principal.sub)
        return principal

    async def _write(self) -> None:
        """Drain the outbox at the client's pace, then end (the next frame goes out directly)."""
        try:
            while self.outbox:
                frame = self.outbox.popleft()
                self._wake()
                await self.transport.send(frame)
        except Disconnected:
            self._stop()
        finally:
            if asyncio.current_task() is self._writer:
                self._writer = None

    async def _read(self) -> None:
        try:
            while not self._done:
                raw = await self.transport.receive()
                try:
                    message = decode_client(raw)
                except msgspec.DecodeError as exc:
                    self.offer(encode(Error("bad_request", detail=str(exc)[:200])))
                    continue
                await self._handle(message)
        except Disconnected:
            return
        except Exception:
            log.exception("session failed")
            self.shut(INTERNAL, "internal error")

    async def _handle(self, message: object) -> None:
        if isinstance(message, Ping):
            self.offer(encode(Pong()))
        elif isinstance(message, Subscribe):
            await self._subscribe(message)
        elif isinstance(message, Auth):
            self._refresh(message.token)
        elif isinstance(message, Unsubscribe):
            room = self.rooms.pop(message.room, None)
            if room is not None:
                self.hub.remove(self, room)
            self.offer(encode(Unsubscribed(message.room)))

    async def _subscribe(self, message: Subscribe) -> None:
        name = message.room
        room = parse_room(name)
        if room is None:
            detail = "room must be inquiries:{merchant} or inquiries:{merchant}:{inquiry_id}"
            self.offer(encode(Error("bad_request", detail=detail, room=name)))
            return
        needed = _needed(room)
        if self.principal is None or not self.principal.can(room.merchant_id, needed):
            self.offer(encode(Error("forbidden", detail=f"needs {needed.value}", room=name)))
            return
        if message.since is not None and parse_id(message.since) is None:
            detail = "since must be a stream ID such as 1700000000000-0"
            self.offer(encode(Error("bad_request", detail=detail, room=name)))
            return
        if name not in self.rooms and len(self.rooms) >= self.settings.notifier_max_subscriptions:
            self.offer(encode(Error("bad_request", detail="too many subscriptions", room=name)))
            return
        self.rooms[name] = room
        await self.hub.subscribe(
            self,
            room,
            message.since,
            message.epoch,
            catch_up_seconds=2.0,
            batch=self.settings.notifier_read_count,
        )


def _needed(room: Room) -> InquiryPermissions:
    """The permission a room needs: SPEC §8."""
    return InquiryPermissions.FIND if room.inquiry_id is None else InquiryPermissions.FIND_BY_ID
