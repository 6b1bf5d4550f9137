"""The stack as ``make run`` starts it: embedded PostgreSQL and Redis, services under uvicorn."""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pgserver
import psutil  # type: ignore[import-untyped]
import psycopg

from shared.embedded import RedisServer, free_port, start_postgres
from shared.migrate import upgrade
from shared.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data" / "bench"
NODE_DIR = Path(__file__).resolve().parent / "node"
PGBENCH = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
# A fresh random secret per run: the services refuse known or placeholder secrets.
JWT_SECRET = secrets.token_urlsafe(32)
STREAM_KEY = "bench:inquiry:events"


def raise_nofile() -> str:
    """Lift the open-file soft limit to the hard one (inherited by every child we start)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:
        return f"refused ({exc}); staying at {soft}"
    wanted = 1_000_000
    if hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return f"{wanted}"
        except (ValueError, OSError):
            return f"{hard} (raising the hard limit to {wanted} was refused)"
    return f"{hard}"


def install_node_clients() -> None:
    """``npm install`` the pinned client libraries, never writing a lock file."""
    if all((NODE_DIR / "node_modules" / name).is_dir() for name in ("ws", "socket.io-client")):
        return
    subprocess.run(
        ["npm", "install", "--no-package-lock", "--no-audit", "--no-fund", "--silent"],
        cwd=NODE_DIR,
        check=True,
    )


class Stack:
    """Embedded PostgreSQL + Redis, a fresh ``bench`` database, and the services' environment."""

    def __init__(self) -> None:
        admin = start_postgres(DATA / "postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench WITH (FORCE)")
            conn.execute("CREATE DATABASE bench")
        base, _, query = admin.partition("?")
        self.database_url = base.rsplit("/", 1)[0] + "/bench" + (f"?{query}" if query else "")
        upgrade(DatabaseSettings(database_url=self.database_url))
        self.postmaster = int((DATA / "postgres" / "postmaster.pid").read_text().split()[0])
        shutil.rmtree(DATA / "redis", ignore_errors=True)
        self.redis = RedisServer(DATA / "redis").start()
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "STREAM_KEY": STREAM_KEY,
            "JWT_SECRET": JWT_SECRET,
            "INTAKE_RATE_LIMIT_PER_IP": "0",
            "INTAKE_RATE_LIMIT_PER_MERCHANT": "0",
            "LOG_LEVEL": "WARNING",
            # The bench's clients share a few user ids across thousands of sockets.
            "NOTIFIER_MAX_CONNECTIONS_PER_USER": "1000000",
            "NOTIFIER_MAX_UNAUTHENTICATED": "100000",
        }

    def postgres_pids(self) -> list[int]:
        """The postmaster and every backend it forked."""
        master = psutil.Process(self.postmaster)
        return [self.postmaster, *(c.pid for c in master.children(recursive=True))]

    def redis_pid(self) -> int:
        """The redis-server process."""
        assert self.redis.process is not None
        return self.redis.process.pid

    def sql(self, statement: str) -> None:
        """Run one statement on the bench database."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(statement.encode())

    def stop(self) -> None:
        """Stop Redis (pgserver stops PostgreSQL when this process exits)."""
        self.redis.stop()


class Server:
    """One server process (a service, or a bare peer) on a free loopback port."""

    def __init__(
        self, name: str, argv: list[str], env: Mapping[str, str], health: str | None
    ) -> None:
        self.port = free_port()
        log = DATA / "logs" / f"{name}-{self.port}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [a.replace("{port}", str(self.port)) for a in argv],
                env=dict(env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._wait(health)

    @classmethod
    def service(cls, name: str, env: Mapping[str, str]) -> Server:
        """A service run exactly as in production: ``inquiries serve NAME``."""
        argv = [sys.executable, "-m", "services.cli", "serve", name, "--port", "{port}"]
        return cls(name, argv, env, "/health/live")

    @classmethod
    def bare(cls, kind: str, env: Mapping[str, str]) -> Server:
        """A bare peer from :mod:`bench.bare` (``litestar`` or ``websockets``)."""
        argv = [sys.executable, "-m", "bench.bare", kind, "{port}"]
        return cls(f"bare-{kind}", argv, env, "/health" if kind == "litestar" else None)

    @classmethod
    def naive(cls, env: Mapping[str, str]) -> Server:
        """The naive peer from :mod:`bench.naive` (INSERT + XADD per request)."""
        argv = [sys.executable, "-m", "bench.naive", "{port}"]
        return cls("naive", argv, env, "/health")

    @classmethod
    def socketio(cls, env: Mapping[str, str]) -> Server:
        """The python-socketio peer from :mod:`bench.socketio_peer`."""
        argv = [sys.executable, "-m", "bench.socketio_peer", "{port}"]
        return cls("socketio", argv, env, None)

    @classmethod
    def node_http(cls) -> Server:
        """The trivial Node HTTP server that shows the load generator's own ceiling."""
        argv = ["node", str(NODE_DIR / "trivial_server.js"), "{port}"]
        return cls("trivial-node", argv, os.environ, "/")

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def _wait(self, health: str | None) -> None:
        import socket

        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if health is None:
                        return
                    conn.sendall(f"GET {health} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    if conn.recv(64).startswith(b"HTTP/1.1 2"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def rss_kb(self) -> float:
        """Resident set size now, in KB."""
        return float(psutil.Process(self.pid).memory_info().rss) / 1024

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a few seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
