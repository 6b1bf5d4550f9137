"""Intake submits/s at fixed concurrency beside pgbench (the floor) and bare Litestar (ceiling)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.load import CpuWatch, http_load, percentile
from bench.report import Table
from bench.stack import PGBENCH, Server, Stack
from tests.support import inquiry_body

# The same valid submit the tests use.
BODY: dict[str, Any] = inquiry_body()

_COLUMNS = (
    "id, merchant_id, type, name, email, phone, business_name, business_size, industry, "
    "website, country, subject, message, locale, source, status, is_spam, created_at, "
    "updated_at, version"
)
_VALUES = (
    "'Ann Nguyen', 'ann@example.com', '+84 90 123 4567', 'Acme Trading', '11-50', 'Retail', "
    "'https://acme.example', 'VN', 'Pricing for 3 stores', E'Hello,\\nwe run three stores.', "
    "'en', '{\"page_url\": \"https://site.example/contact\"}'::jsonb, 'NEW', false, now(), "
    "now(), 1"
)
# The durable-write floor: intake's inquiry row alone, one transaction per INSERT.
INSERT_ONE = (
    f"INSERT INTO inquiries ({_COLUMNS}) VALUES "  # noqa: S608 (constant text)
    f"(gen_random_uuid(), 'm' || :m, 'pricing', {_VALUES});\n"
)
# What intake's transaction really writes: the inquiry, its audit entry and its outbox row.
INSERT_THREE = (
    "\\set m random(0, 99)\n"
    "BEGIN;\n"
    f"INSERT INTO inquiries ({_COLUMNS}) VALUES "
    f"(gen_random_uuid(), 'm' || :m, 'pricing', {_VALUES}) RETURNING id \\gset\n"
    "INSERT INTO inquiry_events (inquiry_id, merchant_id, action, to_status, data, at) "
    "VALUES (':id', 'm' || :m, 'submitted', 'NEW', '{}'::jsonb, now());\n"
    "INSERT INTO outbox (event_id, topic, merchant_id, inquiry_id, occurred_at, data) VALUES "
    "(gen_random_uuid(), 'observation/outreach/inquiry/submitted', 'm' || :m, ':id', now(), "
    '\'{"id": "x"}\'::jsonb);\n'
    "END;\n"
)


def reset_rows(stack: Stack, rows: int) -> None:
    """Empty the tables, then put ``rows`` inquiries in (the size the next run starts from)."""
    stack.sql("TRUNCATE inquiries, inquiry_events, outbox, idempotency_keys CASCADE")
    stack.sql(
        f"INSERT INTO inquiries ({_COLUMNS}) SELECT gen_random_uuid(), 'm' || (g % 100), "  # noqa: S608
        f"'pricing', {_VALUES} FROM generate_series(1, {rows}) g"
    )
    stack.sql("VACUUM ANALYZE inquiries")


def pgbench(stack: Stack, script: str, cfg: Config) -> dict[str, Any]:
    """Run ``script`` at the bench's concurrency; TPS and per-transaction latency percentiles."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "script.sql"
        body = script if script.startswith("\\set") else "\\set m random(0, 99)\n" + script
        path.write_text(body)
        command = [str(PGBENCH), "-n", "-c", str(cfg.concurrency), "-j", "2"]
        command += ["-T", str(int(cfg.http_seconds)), "-f", str(path), "-l"]
        command += ["--log-prefix", f"{tmp}/log", stack.database_url]
        watch = CpuWatch({"postgres": stack.postgres_pids})
        watch.reaped = "pgbench"
        watch.start()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = process.communicate()[0].decode()
        cpu = watch.stop()
        match = re.search(r"tps = ([\d.]+)", out)
        if process.returncode != 0 or match is None:
            raise RuntimeError(f"pgbench failed: {out[-2000:]}")
        latencies = [
            int(line.split()[2]) / 1000
            for log in Path(tmp).glob("log*")
            for line in log.read_text().splitlines()
        ]
    return {
        "rps": float(match.group(1)),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "cpu": cpu,
    }


def run(stack: Stack, cfg: Config, table: Table) -> None:
    """Section 1 (and the intake half of section 5)."""
    merchants = [f"m{i}" for i in range(100)]
    load = {"concurrency": cfg.concurrency, "duration": cfg.http_seconds, "merchants": merchants}
    section = f"1. intake, {cfg.concurrency} concurrent, {cfg.http_seconds:g} s each"

    trivial = Server.node_http()
    try:
        watch = CpuWatch({"trivial node server": lambda: [trivial.pid]})
        result = http_load(
            {**load, "url": f"http://127.0.0.1:{trivial.port}/", "body": BODY}, watch
        )
        table.add(section, "load generator vs trivial Node server (client ceiling)", result)
    finally:
        trivial.stop()

    bare = Server.bare("litestar", stack.env)
    try:
        watch = CpuWatch({"bare litestar": lambda: [bare.pid]})
        url = f"http://127.0.0.1:{bare.port}/v1/inquiries"
        result = http_load({**load, "url": url, "body": BODY}, watch)
        table.add(section, "bare Litestar JSON endpoint (framework ceiling)", result)
    finally:
        bare.stop()
    bare_rps = result["rps"]

    intake = Server.service("intake", stack.env)
    try:
        for rows in cfg.row_sizes:
            reset_rows(stack, rows)
            floor = pgbench(stack, INSERT_ONE, cfg)
            table.add(section, f"pgbench single-row INSERT, {rows:,} rows", floor)
            reset_rows(stack, rows)
            three = pgbench(stack, INSERT_THREE, cfg)
            table.add(section, f"pgbench intake's 3 INSERTs in 1 tx, {rows:,} rows", three)
            reset_rows(stack, rows)
            watch = CpuWatch(
                {
                    "intake": lambda: [intake.pid],
                    "postgres": stack.postgres_pids,
                    "redis": lambda: [stack.redis_pid()],
                }
            )
            url = f"http://127.0.0.1:{intake.port}/v1/inquiries"
            result = http_load({**load, "url": url, "body": BODY}, watch)
            ok = result["statuses"].get("201", 0)
            note = f"{ok}/{result['requests']} answered 201"
            table.add(section, f"intake POST /v1/inquiries, {rows:,} rows", result, note)
            table.ratio(section, f"intake / pgbench, {rows:,} rows", result, floor, 0.5)
            table.ratio(section, f"intake / pgbench 3-INSERT tx, {rows:,} rows", result, three)
            table.ratio(section, f"intake / bare Litestar, {rows:,} rows", result, bare_rps)
    finally:
        intake.stop()
