"""pgbench on the bench database: the durable-write floors intake is compared with."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.load import CpuWatch, percentile
from bench.stack import PGBENCH, Stack

_COLUMNS = (
    "id, merchant_id, type, name, email, phone, business_name, business_size, industry, "
    "website, country, subject, message, locale, source, status, is_spam, created_at, "
    "updated_at, version, due_at"
)
_VALUES = (
    "'Ann Nguyen', 'ann@example.com', '+84 90 123 4567', 'Acme Trading', '11-50', 'Retail', "
    "'https://acme.example', 'VN', 'Pricing for 3 stores', E'Hello,\\nwe run three stores.', "
    "'en', '{\"page_url\": \"https://site.example/contact\"}'::jsonb, 'NEW', false, now(), "
    "now(), 1, now() + interval '1 day'"
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
