"""Untrusted text a client sends reaches the notifier's console log escaped."""

from __future__ import annotations

import asyncio

from tests.support import ServiceProcess


async def test_a_request_path_with_terminal_escapes_is_logged_escaped(
    notifier: ServiceProcess,
) -> None:
    logged_before = notifier.log.stat().st_size
    reader, writer = await asyncio.open_connection("127.0.0.1", notifier.port)
    writer.write(b"GET /x\x1b]0;owned\x07\x1b[2J HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 404")
    writer.close()
    await asyncio.sleep(0.3)
    logged = notifier.log.read_bytes()[logged_before:]
    assert b"\x1b" not in logged
    assert b"\x07" not in logged
    assert b"path=/x\\x1b]0;owned\\x07\\x1b[2J" in logged
