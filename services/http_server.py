"""uvicorn for intake and backoffice: bounded slow clients, no proxy headers, a graceful drain.

uvicorn alone keeps a connection that never finishes its request head open forever, takes a
header of any size, and trusts ``X-Forwarded-For`` from loopback: each is closed here.
"""

from __future__ import annotations

import asyncio
import time
from types import FrameType

import structlog
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.settings import ServerSettings
from shared.web import SHUTDOWN

log = structlog.get_logger("server")

_TOO_LARGE = b"request head too large"


class BoundedHttpProtocol(HttpToolsProtocol):
    """httptools with a size and a deadline on every request head (line and headers).

    The size is counted on the bytes received before the parser sees them, up to the blank line
    that ends the head, so no head is ever parsed whole when it is too large. The deadline runs
    from the connection's start, or from a kept-alive request's first byte, to the end of its
    headers; a body is bounded by each route's own size limit.
    """

    max_head_bytes = 32 * 1024
    head_timeout_seconds = 10.0
    _reading_head = True
    _head_bytes = 0
    _head_tail = b""
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the head deadline as soon as the client connects."""
        super().connection_made(transport)
        self._arm_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline with the connection."""
        self._disarm_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count head bytes first; refuse an oversized head before it is parsed."""
        if self._reading_head:
            end = (self._head_tail + data).find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else max(0, end - len(self._head_tail))
            if self._head_bytes > self.max_head_bytes:
                self._refuse_head()
                return
            self._head_tail = data[-3:]
        super().data_received(data)

    def on_message_begin(self) -> None:
        """A kept-alive connection's next request: its head gets its own deadline."""
        super().on_message_begin()
        if self._head_deadline is None:
            self._arm_deadline()

    def on_headers_complete(self) -> None:
        """The head is in: neither deadline nor counting until the next request."""
        self._disarm_deadline()
        self._reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The next bytes on this connection are the next request's head."""
        self._reading_head, self._head_bytes, self._head_tail = True, 0, b""
        super().on_message_complete()

    def _arm_deadline(self) -> None:
        self._head_deadline = self.loop.call_later(self.head_timeout_seconds, self._head_late)

    def _disarm_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        # A request being answered keeps its connection; only a stalled head is cut.
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()

    def _refuse_head(self) -> None:
        self._disarm_deadline()
        self._reading_head = False
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(_TOO_LARGE), _TOO_LARGE)
        )
        self.transport.close()


class DrainingServer(uvicorn.Server):
    """On the first SIGTERM/SIGINT: readiness turns 503, serving goes on for the drain period
    (load balancers stop sending), then uvicorn's own shutdown finishes what is in flight.
    """

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self._drain_seconds = drain_seconds
        self._exit_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """First signal: start draining; a second one: stop now, as uvicorn does."""
        SHUTDOWN.begin()
        if self._exit_at is not None or self._drain_seconds == 0:
            super().handle_exit(sig, frame)
            return
        log.info("draining before shutdown", seconds=self._drain_seconds)
        self._captured_signals.append(sig)
        self._exit_at = time.monotonic() + self._drain_seconds

    async def on_tick(self, counter: int) -> bool:
        """Leave the main loop once the drain period is over."""
        if self._exit_at is not None and time.monotonic() >= self._exit_at:
            self.should_exit = True
        return await super().on_tick(counter)


def serve_http(service: str, host: str, port: int) -> None:
    """Run ``services.<service>.app`` until SIGTERM, draining before it stops."""
    settings = ServerSettings.from_env()
    protocol = type(
        "ServiceHttpProtocol",
        (BoundedHttpProtocol,),
        {
            "max_head_bytes": settings.http_max_header_bytes,
            "head_timeout_seconds": settings.http_header_timeout_seconds,
        },
    )
    config = uvicorn.Config(
        f"services.{service}.app:create_app",
        factory=True,
        host=host,
        port=port,
        http=protocol,
        log_config=None,
        access_log=False,
        lifespan="on",
        # The client IP is decided by the app from INTAKE_TRUSTED_PROXIES alone (SPEC §5).
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=settings.http_keep_alive_seconds,
        limit_concurrency=settings.http_max_concurrency,
        timeout_graceful_shutdown=10,
    )
    DrainingServer(config, settings.shutdown_drain_seconds).run()
