"""``python -m bench``: start the stack like ``make run``, measure, print one table, save JSON."""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import config, intake_bench
from bench.report import Table
from bench.stack import Stack, install_node_clients, raise_nofile

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main() -> int:
    """Run every section that can run here; skipped ones say why."""
    cfg = config.load()
    table = Table()
    started = time.monotonic()
    table.meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "quick": os.environ.get("BENCH_QUICK") == "1",
        "config": cfg.__dict__,
        "open_files_limit": raise_nofile(),
    }
    print(f"open-file limit: {table.meta['open_files_limit']}", flush=True)
    install_node_clients()
    stack = Stack()
    try:
        intake_bench.run(stack, cfg, table)
    finally:
        stack.stop()
    table.meta["seconds"] = round(time.monotonic() - started, 1)
    print(table.render())
    print(f"\n{table.meta}")
    table.write(RESULTS)
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
