"""The notifier on the ``websockets`` library's own server (what ``inquiries serve notifier`` runs).

No ASGI layer between the socket and the session: a frame is written straight into the
socket's write buffer (``make bench`` measured this against Litestar's WebSocket route on
uvicorn: lower last-socket latency and half the memory per idle socket). Plain HTTP
``GET /health/live``, ``/health/ready`` and ``/metrics`` are answered from the opening-handshake
hook, with the same bodies as the other services.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import signal
import time

import msgspec
import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from services.notifier.assets import CLIENT_PATH, asset_response, load_client
from services.notifier.backlog import Disconnected
from services.notifier.service import Notifier
from shared.health import LIVE, log_request, readiness
from shared.logging import configure_logging
from shared.settings import AuthSettings, LogSettings, NotifierSettings, RedisSettings

log = structlog.get_logger("notifier")

WS_PATH = "/v1/ws"
_MAX_MESSAGE = 1 << 20  # client messages are auth, subscribe and ping: small
_STOP_SECONDS = 5.0  # as uvicorn's graceful-shutdown timeout for the other services
_encode = msgspec.json.Encoder().encode


class WebsocketsTransport:
    """A ``websockets`` connection as the session's transport."""

    __slots__ = ("conn",)

    def __init__(self, conn: ServerConnection) -> None:
        self.conn = conn

    async def receive(self) -> str | bytes:
        """The next text or binary message."""
        try:
            return await self.conn.recv()
        except ConnectionClosed as exc:
            raise Disconnected from exc

    def send_nowait(self, frame: bytes) -> bool:
        """Write the frame into the socket's buffer unless that is above its high-water mark."""
        conn = self.conn
        if conn.paused or conn.protocol.state is not State.OPEN:
            return False
        # What ``websockets.broadcast`` does for each socket: no task, no await.
        try:
            conn.protocol.send_text(frame)
            conn.send_data()
        except Exception:  # a dying socket must not break the fan-out loop; send() will tell
            return False
        return True

    async def send(self, frame: bytes) -> None:
        """One text frame, waiting while the socket's buffer is above its high-water mark."""
        try:
            await self.conn.send(frame, text=True)
        except ConnectionClosed as exc:
            raise Disconnected from exc

    async def close(self, code: int, reason: str) -> None:
        """Send the close frame and wait for the peer's (bounded by ``close_timeout``)."""
        await self.conn.close(code, reason)


def _response(status: int, body: bytes, content_type: str) -> Response:
    reason = http.HTTPStatus(status).phrase
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ]
    )
    return Response(status, reason, headers, body)


def _json(status: int, body: object) -> Response:
    return _response(status, _encode(body), "application/json")


class NotifierServer:
    """The WebSocket endpoint and the HTTP endpoints of one notifier process."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.client_js = load_client()

    async def handle(self, conn: ServerConnection) -> None:
        """One WebSocket on ``/v1/ws``: the token comes in the first message, never in the URL."""
        await self.notifier.serve(WebsocketsTransport(conn))

    async def http(self, conn: ServerConnection, request: Request) -> Response | None:
        """Answer the HTTP endpoints; ``None`` lets a ``/v1/ws`` upgrade go on."""
        path = request.path.partition("?")[0]
        started = time.perf_counter()
        if path == WS_PATH:
            if not self.notifier.caps.crowded:
                return None
            # NOTIFIER_MAX_UNAUTHENTICATED sockets wait for their auth already: come back later.
            response = _json(503, {"status_code": 503, "detail": "too many connections waiting"})
            response.headers["Retry-After"] = "5"
        elif path == "/health/live":
            response = _json(200, LIVE)
        elif path == "/health/ready":
            response = _json(*await readiness(self.notifier.checks))
        elif path == "/metrics":
            response = _response(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        elif path == CLIENT_PATH:
            response = asset_response(self.client_js, request.headers.get("If-None-Match"))
        else:
            response = _json(404, {"status_code": 404, "detail": "Not Found"})
        log_request("GET", path, response.status_code, started)
        return response


async def run(host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT, then close every socket with 1001 and stop."""
    configure_logging(LogSettings.from_env())
    # Per-connection open/close lines at 10k sockets are noise; warnings still show.
    logging.getLogger("websockets").setLevel(logging.WARNING)
    settings = NotifierSettings.from_env()
    notifier = Notifier(settings, RedisSettings.from_env(), AuthSettings.from_env())
    server = NotifierServer(notifier)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    notifier.reader.start()
    try:
        ws_server = await serve(
            server.handle,
            host,
            port,
            process_request=server.http,
            compression=None,
            max_size=_MAX_MESSAGE,
            max_queue=16,
            # Protocol pings find dead peers (the §8 ping op stays for clients' own checks).
            ping_interval=20,
            ping_timeout=20,
            close_timeout=settings.notifier_close_timeout_seconds,
        )
        bound = ws_server.sockets[0].getsockname()
        log.info(f"notifier listening on http://{host}:{bound[1]}")
        await stop.wait()
        # SPEC §14: not ready first (balancers stop sending new sockets), then 1001 for all.
        notifier.stopping = True
        log.info("shutting down: not ready", closing_in=settings.notifier_shutdown_delay_seconds)
        await asyncio.sleep(settings.notifier_shutdown_delay_seconds)
        log.info("shutting down: closing sockets with 1001")
        await notifier.drain()
        ws_server.close()  # what is left (opening handshakes, slow closes) gets 1001 or 503
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_STOP_SECONDS):
                await ws_server.wait_closed()
    finally:
        await notifier.close()


def main(host: str, port: int) -> None:
    """Run the notifier's own server on uvloop when present, as uvicorn runs the other services."""
    try:
        import uvloop
    except ImportError:  # uvicorn[standard] installs it everywhere but on Windows
        asyncio.run(run(host, port))
        return
    uvloop.run(run(host, port))
