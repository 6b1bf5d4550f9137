"""The WebSocket route: adapts a Litestar socket to the transport a session speaks through."""

from __future__ import annotations

from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.handlers import WebsocketRouteHandler

from services.notifier.service import Notifier
from services.notifier.session import Disconnected


class LitestarTransport:
    """ASGI messages in and out; disconnects become :class:`Disconnected`."""

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self.socket = socket

    async def receive(self) -> str | bytes:
        """The next text or binary message."""
        try:
            message = await self.socket.receive()
        except (WebSocketDisconnect, OSError) as exc:
            raise Disconnected from exc
        if message["type"] != "websocket.receive":
            raise Disconnected
        return message.get("text") or message.get("bytes") or ""

    def send_nowait(self, frame: bytes) -> bool:
        """Never: an ASGI send is a coroutine, so every frame goes through the outbox."""
        return False

    async def send(self, frame: bytes) -> None:
        """One text frame (waits while the peer's TCP window is full)."""
        try:
            message = {"type": "websocket.send", "text": frame.decode(), "bytes": None}
            await self.socket.send(message)  # type: ignore[arg-type]
        except (WebSocketDisconnect, OSError) as exc:
            raise Disconnected from exc

    async def close(self, code: int, reason: str) -> None:
        """Send the close frame."""
        try:
            await self.socket.close(code, reason)
        except (WebSocketDisconnect, OSError) as exc:
            raise Disconnected from exc


def ws_route(notifier: Notifier) -> WebsocketRouteHandler:
    """``/v1/ws``: the token comes in the first message, never in the URL."""

    @websocket("/v1/ws")
    async def ws(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        await notifier.serve(LitestarTransport(socket))

    return ws
