"""Load generators (Node scripts) and the CPU each process spent while they ran."""

from __future__ import annotations

import json
import resource
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from bench.stack import NODE_DIR

PidSource = Callable[[], Iterable[int]]


class CpuWatch:
    """CPU time of named process groups over a window, as % of one core.

    A sampler thread keeps the newest times of every pid it has seen, so processes that exit
    inside the window (pgbench's backends) still count; ``reaped`` names the children this
    process starts and waits for inside the window, measured exactly by ``RUSAGE_CHILDREN``.
    """

    def __init__(self, groups: dict[str, PidSource], reaped: str | None = None) -> None:
        self.groups = groups
        self.reaped = reaped
        self._first: dict[str, dict[int, float]] = {}
        self._last: dict[str, dict[int, float]] = {}
        self._t0 = 0.0
        self.wall = 0.0  # the last window's length, seconds
        self._children0 = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _sample(self) -> None:
        for name, source in self.groups.items():
            for pid in source():
                try:
                    cpu = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    continue
                self._last[name][pid] = cpu.user + cpu.system

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def start(self) -> None:
        """Begin the window."""
        self._first = {name: {} for name in self.groups}
        self._last = {name: {} for name in self.groups}
        self._sample()
        # Processes first seen later were born inside the window: all their time counts.
        self._first = {name: dict(times) for name, times in self._last.items()}
        self._t0 = time.monotonic()
        self._children0 = self._children()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """End the window; percent of one core per group."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        wall = self.wall = time.monotonic() - self._t0
        result: dict[str, float] = {}
        for name in self.groups:
            spent = 0.0
            for pid, last in self._last[name].items():
                spent += last - self._first[name].get(pid, 0.0)
            result[name] = round(100 * spent / wall, 1)
        if self.reaped is not None:
            result[self.reaped] = round(100 * (self._children() - self._children0) / wall, 1)
        return result


def http_load(config: dict[str, Any], watch: CpuWatch | None = None) -> dict[str, Any]:
    """Run ``http_load.js`` to completion; its result, plus the CPU of the watched processes."""
    process = subprocess.Popen(
        ["node", str(NODE_DIR / "http_load.js"), json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    if watch is not None:
        watch.reaped = "load generator (node)"
        watch.start()
    out, _ = process.communicate()
    result: dict[str, Any] = json.loads(out)
    if watch is not None:
        result["cpu"] = watch.stop()
        result["cpu_window_seconds"] = watch.wall
    return result


class WsClients:
    """One ``ws_clients.js`` process holding many sockets (≤ the per-process open-file limit)."""

    def __init__(self, groups: list[dict[str, Any]], local_address: str | None = None) -> None:
        spec = {"groups": groups, "localAddress": local_address, "parallel": 100}
        self._file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
        json.dump(spec, self._file)
        self._file.close()
        self.process = subprocess.Popen(
            ["node", str(NODE_DIR / "ws_clients.js"), self._file.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.open = 0
        self.failed = 0

    def wait_ready(self) -> tuple[int, int]:
        """Block until every socket is set up (or failed); (open, failed)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"ws clients failed to start: {line}")
        self.open, self.failed = int(line[1]), int(line[2])
        return self.open, self.failed

    def _command(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def report(self) -> dict[str, Any]:
        """What arrived so far: ``events`` maps key → [count, first ms, last ms, stream ms]."""
        self._command("report")
        assert self.process.stdout is not None
        result: dict[str, Any] = json.loads(self.process.stdout.readline())
        return result

    def reset(self) -> None:
        """Forget the arrivals recorded so far."""
        self._command("reset")

    def close(self) -> None:
        """Stop the client process (its sockets close with it)."""
        try:
            self._command("quit")
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        Path(self._file.name).unlink(missing_ok=True)


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
