"""Intake beside its peers: at saturation (submits/s) and paced (CPU per accepted submit).

Peers from the same body, database and Redis, one worker each: a bare Litestar JSON endpoint
(the framework's ceiling), the naive app users would write (``bench/naive.py``: INSERT + XADD
per request) and pgbench (the durable-write floor). Intake runs as in production: rate limiter
on (limits high enough not to reject), access log at INFO in JSON, metrics on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.config import Config
from bench.load import CpuWatch, http_load
from bench.pgbench import INSERT_ONE, INSERT_THREE, pgbench, reset_rows
from bench.report import Table
from bench.stack import Server, Stack
from shared.inquiries.fields import example_inquiry

# A valid submit with every optional field, as a marketing form would send it.
BODY = example_inquiry()
# Production settings: limiter on (high limits: it counts but never rejects), INFO logs.
PRODUCTION = {
    "INTAKE_RATE_LIMIT_PER_IP": "1000000/second",
    "INTAKE_RATE_LIMIT_PER_MERCHANT": "1000000/second",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
}


@contextmanager
def servers(start: Callable[[], Server], count: int = 1) -> Iterator[list[Server]]:
    """``count`` instances of one server, stopped on the way out."""
    started = [start() for _ in range(count)]
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def _watch(stack: Stack, name: str, instances: list[Server]) -> CpuWatch:
    """CPU of the server under test and of PostgreSQL and Redis."""
    return CpuWatch(
        {
            name: lambda: [s.pid for s in instances],
            "postgres": stack.postgres_pids,
            "redis": lambda: [stack.redis_pid()],
        }
    )


def _urls(instances: list[Server]) -> list[str]:
    return [f"http://127.0.0.1:{s.port}/v1/inquiries" for s in instances]


def saturation(stack: Stack, cfg: Config, table: Table, load: dict[str, Any]) -> None:
    """Closed loop at ``cfg.concurrency``: submits/s of every server, ratios to the peers."""
    section = f"1. intake at saturation, {cfg.concurrency} concurrent, {cfg.http_seconds:g} s each"
    with servers(Server.node_http) as (trivial,):
        watch = CpuWatch({"trivial node server": lambda: [trivial.pid]})
        result = http_load({**load, "url": f"http://127.0.0.1:{trivial.port}/"}, watch)
        table.add(section, "load generator vs trivial Node server (client ceiling)", result)
    with servers(lambda: Server.bare("litestar", stack.env)) as bare:
        watch = CpuWatch({"bare litestar": lambda: [bare[0].pid]})
        bare_result = http_load({**load, "urls": _urls(bare)}, watch)
        table.add(section, "bare Litestar JSON endpoint (framework ceiling)", bare_result)
    reset_rows(stack, cfg.row_sizes[0])
    with servers(lambda: Server.naive(stack.env)) as naive:
        naive_result = http_load({**load, "urls": _urls(naive)}, _watch(stack, "naive", naive))
        table.add(section, "naive app: INSERT + XADD per request", naive_result)

    env = {**stack.env, **PRODUCTION}
    for rows in cfg.row_sizes:
        reset_rows(stack, rows)
        floor = pgbench(stack, INSERT_ONE, cfg)
        table.add(section, f"pgbench single-row INSERT, {rows:,} rows", floor)
        reset_rows(stack, rows)
        three = pgbench(stack, INSERT_THREE, cfg)
        table.add(section, f"pgbench intake's 3 INSERTs in 1 tx, {rows:,} rows", three)
        reset_rows(stack, rows)
        with servers(lambda: Server.service("intake", env)) as intake:
            result = http_load({**load, "urls": _urls(intake)}, _watch(stack, "intake", intake))
        ok = result["statuses"].get("201", 0)
        note = f"{ok}/{result['requests']} answered 201"
        table.add(section, f"intake, 1 worker, {rows:,} rows", result, note)
        table.ratio(section, f"intake / bare Litestar, {rows:,} rows", result, bare_result, 0.5)
        table.ratio(section, f"intake / naive app, {rows:,} rows", result, naive_result, 1.0)
        table.ratio(section, f"intake / pgbench 3-INSERT tx, {rows:,} rows", result, three)

    reset_rows(stack, cfg.row_sizes[0])
    with servers(lambda: Server.service("intake", env), count=2) as pair:
        result = http_load({**load, "urls": _urls(pair)}, _watch(stack, "intake ×2", pair))
    table.add(section, "intake, 2 instances (one per core)", result)


def cpu_per_submit(result: dict[str, Any]) -> float | None:
    """Milliseconds of CPU (every watched process) per accepted submit."""
    accepted = int(result["statuses"].get("201", 0))
    if not accepted:
        return None
    cpu: dict[str, float] = result["cpu"]
    percent = sum(cpu.values()) - cpu.get("load generator (node)", 0.0)
    # The window the CPU was measured over (it starts before the first request is paced).
    seconds = float(result.get("cpu_window_seconds", result["seconds"]))
    return round(percent / 100 * seconds * 1000 / accepted, 3)


def paced(stack: Stack, cfg: Config, table: Table, load: dict[str, Any]) -> None:
    """``cfg.submit_rate`` submits/s, as everyday traffic: CPU per accepted submit."""
    rate, seconds = cfg.submit_rate, cfg.paced_seconds
    section = f"1b. intake at everyday load, {rate:g} submits/s for {seconds:g} s"
    pace = {**load, "rate": cfg.submit_rate, "duration": cfg.paced_seconds}
    figures: dict[str, float | None] = {}
    runs = [
        ("naive app", lambda: Server.naive(stack.env)),
        ("intake", lambda: Server.service("intake", {**stack.env, **PRODUCTION})),
    ]
    for name, start in runs:
        reset_rows(stack, cfg.row_sizes[0])
        with servers(start) as instance:
            result = http_load({**pace, "urls": _urls(instance)}, _watch(stack, name, instance))
        figures[name] = cpu_per_submit(result)
        accepted = result["statuses"].get("201", 0)
        cpu = result["cpu"]
        note = f"{accepted}/{result['requests']} answered 201; server + postgres + redis"
        figure = f"{name}: CPU per accepted submit"
        table.row(section, figure, figures[name], "ms", cpu=cpu, note=note)
    if figures["intake"] is not None and figures["naive app"]:
        table.ratio(
            section, "intake / naive app, CPU per submit", figures["intake"], figures["naive app"],
            upper=1.0,
        )  # fmt: skip


def run(stack: Stack, cfg: Config, table: Table) -> None:
    """Sections 1 and 1b."""
    merchants = [f"m{i}" for i in range(100)]
    load = {
        "concurrency": cfg.concurrency,
        "duration": cfg.http_seconds,
        "merchants": merchants,
        "emails": cfg.emails,
    }
    load["body"] = BODY
    saturation(stack, cfg, table, load)
    paced(stack, cfg, table, load)
