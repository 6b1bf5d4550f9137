"""Slow or hostile HTTP clients cannot hold connections or memory: heads are bounded in size and
time, idle keep-alive connections close, and concurrency has a ceiling.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support import ServiceProcess

HEAD_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def bounded_intake(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """An intake with short limits, so the test sees them act."""
    env = {
        **base_env,
        "HTTP_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
        "HTTP_KEEP_ALIVE_SECONDS": "1",
        "HTTP_MAX_CONCURRENCY": "8",
    }
    service = ServiceProcess("intake", env).start()
    yield service
    service.stop()


def _connect(service: ServiceProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", service.port), timeout=10)


def _read_until_closed(conn: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started = time.monotonic()
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received, time.monotonic() - started


def _trickle(conn: socket.socket, seconds: float) -> bool:
    """Send a byte every 0.1 s; whether the connection was still open after ``seconds``."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            conn.sendall(b"a")
            time.sleep(0.1)
    except OSError:  # the server hung up
        return False
    return True


def _read_response(conn: socket.socket) -> bytes:
    """One whole response (head and a ``content-length`` body) from a kept-alive connection."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += conn.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head.lower())[1])  # type: ignore[index]
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: test\r\n\r\n".encode()


def test_a_200_kb_header_is_refused(bounded_intake: ServiceProcess) -> None:
    with _connect(bounded_intake) as conn:
        head = b"GET /health/live HTTP/1.1\r\nhost: test\r\nx-pad: " + b"a" * 200_000 + b"\r\n\r\n"
        # The server may close before taking it all in: refused as well.
        with contextlib.suppress(OSError):
            conn.sendall(head)
        received, _ = _read_until_closed(conn)
    # Either the 431 arrives or the reset that followed it discarded it; never a 200.
    assert received == b"" or received.startswith(b"HTTP/1.1 431 ")


def test_a_200_kb_header_on_a_kept_alive_connection_is_refused(
    bounded_intake: ServiceProcess,
) -> None:
    with _connect(bounded_intake) as conn:
        conn.sendall(_get("/health/live"))
        assert _read_response(conn).startswith(b"HTTP/1.1 200 ")
        with contextlib.suppress(OSError):
            conn.sendall(b"GET /health/live HTTP/1.1\r\nx-pad: " + b"a" * 200_000 + b"\r\n\r\n")
        received, _ = _read_until_closed(conn)
    assert received == b"" or received.startswith(b"HTTP/1.1 431 ")


def test_a_large_header_within_the_limit_and_a_body_in_the_same_write_pass(
    bounded_intake: ServiceProcess,
) -> None:
    body = b'{"name": "' + b"a" * 30_000 + b'"}'
    head = (
        b"POST /v1/inquiries HTTP/1.1\r\nhost: test\r\nx-merchant-id: m-big\r\n"
        b"content-type: application/json\r\nx-pad: " + b"a" * 20_000 + b"\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
    )
    with _connect(bounded_intake) as conn:
        conn.sendall(head + body)  # head and a 30 KB body in one write: only the head counts
        received, _ = _read_until_closed(conn)
    assert received.startswith(b"HTTP/1.1 400 ")  # read and validated: the name is too long


def test_an_idle_connection_is_closed(bounded_intake: ServiceProcess) -> None:
    with _connect(bounded_intake) as conn:
        received, waited = _read_until_closed(conn)
    assert received == b""
    assert waited < HEAD_TIMEOUT + 2


def test_a_trickled_head_is_cut_at_the_deadline(bounded_intake: ServiceProcess) -> None:
    with _connect(bounded_intake) as conn:
        conn.sendall(b"GET /health/live HTTP/1.1\r\nx-slow: ")
        started = time.monotonic()
        assert not _trickle(conn, seconds=10), "still open after 10 s of trickling"
    assert time.monotonic() - started < HEAD_TIMEOUT + 2


def test_a_kept_alive_connection_closes_when_idle(bounded_intake: ServiceProcess) -> None:
    with _connect(bounded_intake) as conn:
        conn.sendall(_get("/health/live"))
        assert _read_response(conn).startswith(b"HTTP/1.1 200 ")
        received, waited = _read_until_closed(conn)
    assert received == b""
    assert waited < 3


def test_connections_over_the_ceiling_get_503(bounded_intake: ServiceProcess) -> None:
    idle = [_connect(bounded_intake) for _ in range(8)]
    try:
        with _connect(bounded_intake) as conn:
            conn.sendall(_get("/health/live"))
            answer = conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 503 ")
    finally:
        for conn in idle:
            conn.close()
