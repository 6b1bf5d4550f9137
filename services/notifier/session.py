"""One WebSocket connection speaking SPEC §8, independent of the server that carries it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

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


class Disconnected(Exception):
    """The peer is gone."""


class Transport(Protocol):
    """What a session needs from the WebSocket server (Litestar/uvicorn today)."""

    async def receive(self) -> str | bytes:
        """The next message; raises :class:`Disconnected` when the peer left."""

    async def send(self, text: str) -> None:
        """Send one text frame; raises :class:`Disconnected` when the peer left."""

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame."""


class Session:
    """Authenticates, then serves subscribe/unsubscribe/ping while a writer drains the queue."""

    def __init__(
        self, transport: Transport, hub: Hub, settings: NotifierSettings, auth: AuthSettings
    ) -> None:
        self.transport = transport
        self.hub = hub
        self.settings = settings
        self.auth = auth
        self.queue: asyncio.Queue[str] = asyncio.Queue(settings.notifier_queue_size)
        self.rooms: dict[str, Room] = {}
        self.close_code: int | None = None
        self.close_reason = ""
        self._done = asyncio.Event()

    # --- Sink (what the hub calls) ---------------------------------------------------------

    @property
    def queue_limit(self) -> int:
        """Frames allowed to wait before the client counts as too slow."""
        return self.settings.notifier_queue_size

    def offer(self, frame: str) -> None:
        """Queue without waiting; a full queue means the client fell too far behind."""
        if self._done.is_set():
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflow()

    def overflow(self) -> None:
        """Close with 4008: the client resumes with ``since`` instead of holding memory here."""
        if not self._done.is_set():
            metrics.SLOW_CLOSES.inc()
            self.shut(TOO_SLOW, "client too slow")

    async def put(self, frame: str) -> None:
        """Queue, waiting for room (only this connection's own replay waits here)."""
        await self.queue.put(frame)

    def shut(self, code: int, reason: str) -> None:
        """End the session with ``code`` (first reason wins)."""
        if not self._done.is_set():
            self.close_code, self.close_reason = code, reason
            self._done.set()

    # --- lifecycle ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until the peer leaves or the server closes it."""
        principal = await self._authenticate()
        if principal is None:
            await self._close()
            return
        metrics.CONNECTIONS.inc()
        self.offer(encode(Ready()))
        tasks = [
            asyncio.create_task(self._write()),
            asyncio.create_task(self._read(principal)),
            asyncio.create_task(self._expire(principal.exp)),
            asyncio.create_task(self._done.wait()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for room in self.rooms.values():
                self.hub.remove(self, room)
            metrics.CONNECTIONS.dec()
        await self._close()

    async def _close(self) -> None:
        if self.close_code is None:
            return
        # A slow client's close frame waits behind its unsent data: bound the wait.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self.transport.close(self.close_code, self.close_reason),
                self.settings.notifier_close_timeout_seconds,
            )

    async def _authenticate(self) -> Principal | None:
        try:
            raw = await asyncio.wait_for(
                self.transport.receive(), self.settings.notifier_auth_timeout_seconds
            )
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

    async def _expire(self, exp: int) -> None:
        await asyncio.sleep(max(0.0, exp - time.time()))
        self.shut(UNAUTHORIZED, "token expired")

    async def _write(self) -> None:
        try:
            while True:
                await self.transport.send(await self.queue.get())
        except Disconnected:
            return

    async def _read(self, principal: Principal) -> None:
        try:
            while True:
                raw = await self.transport.receive()
                try:
                    message = decode_client(raw)
                except msgspec.DecodeError as exc:
                    self.offer(encode(Error("bad_request", detail=str(exc)[:200])))
                    continue
                await self._handle(message, principal)
        except Disconnected:
            return
        except Exception:
            log.exception("session failed")
            self.shut(INTERNAL, "internal error")

    async def _handle(self, message: object, principal: Principal) -> None:
        if isinstance(message, Ping):
            self.offer(encode(Pong()))
        elif isinstance(message, Subscribe):
            await self._subscribe(message, principal)
        elif isinstance(message, Unsubscribe):
            room = self.rooms.pop(message.room, None)
            if room is not None:
                self.hub.remove(self, room)
            self.offer(encode(Unsubscribed(message.room)))
        else:
            self.offer(encode(Error("bad_request", detail="already authenticated")))

    async def _subscribe(self, message: Subscribe, principal: Principal) -> None:
        name = message.room
        room = parse_room(name)
        if room is None:
            detail = "room must be inquiries:{merchant} or inquiries:{merchant}:{inquiry_id}"
            self.offer(encode(Error("bad_request", detail=detail, room=name)))
            return
        needed = (
            InquiryPermissions.FIND if room.inquiry_id is None else InquiryPermissions.FIND_BY_ID
        )
        if not principal.can(room.merchant_id, needed):
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
            catch_up_seconds=2.0,
            batch=self.settings.notifier_read_count,
        )
