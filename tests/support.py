"""Test helpers: real service processes and direct access to the real database and Redis."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import httpx
import psycopg
import redis
from psycopg.rows import dict_row

from shared.inquiries.fields import example_inquiry

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".data" / "test-logs"
_BOUND = re.compile(r"(?:Uvicorn running on|notifier listening on) http://[^:]+:(\d+)")


class ServiceProcess:
    """One service run exactly as in production: ``inquiries serve NAME`` under uvicorn.

    Without a ``port`` the server binds port 0 and the test reads the port it got from its
    log: no window in which another process can take a port picked in advance.
    """

    _started = itertools.count()

    def __init__(self, name: str, env: Mapping[str, str], port: int | None = None) -> None:
        self.name = name
        self.env = {**os.environ, **env}
        self.port = port or 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = LOGS / f"{name}-{os.getpid()}-{next(self._started)}.log"

    @property
    def url(self) -> str:
        """The base HTTP URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        """Start, learn the bound port, and wait until ``/health/live`` answers."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "services.cli",
                    "serve",
                    self.name,
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            bound = _BOUND.search(self.log.read_bytes()[offset:].decode(errors="replace"))
            if bound is not None:
                self.port = int(bound[1])
                try:
                    if httpx.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self, kill: bool = False) -> None:
        """Stop gracefully (SIGTERM), or ``kill`` it as a crash would; a restart keeps the port."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class Database:
    """Direct SQL on the test database, to check what the services really stored."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Every row of a query, as dicts."""
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        """The first column of the first row."""
        rows = self.rows(sql, *params)
        return next(iter(rows[0].values())) if rows else None


def stream_entries(client: redis.Redis, key: str) -> list[tuple[str, dict[bytes, bytes]]]:
    """Every entry of a stream, oldest first, as (id, fields)."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(key))
    return [(entry_id.decode(), fields) for entry_id, fields in entries]


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (PostgreSQL: the postmaster and its backends)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    children.append(int(entry.name))
    return [pid, *children]


@contextlib.contextmanager
def frozen(pid: int) -> Iterator[None]:
    """SIGSTOP a process and its children: sockets stay open, nothing answers; SIGCONT after."""
    pids = process_tree(pid)
    for each in pids:
        os.kill(each, signal.SIGSTOP)
    try:
        yield
    finally:
        for each in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(each, signal.SIGCONT)


def submit(intake: ServiceProcess, merchant_id: str, **fields: Any) -> str:
    """A public submit through intake, as a marketing page sends it (``fields`` replace the
    example's); the new inquiry's id."""
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(**fields),
        headers={"x-merchant-id": merchant_id},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    inquiry_id: str = response.json()["id"]
    return inquiry_id


def inquiry_body(**overrides: Any) -> dict[str, Any]:
    """A valid submit body; ``overrides`` replace or add fields."""
    return {**example_inquiry(), **overrides}
