"""``python -m bench``: start the stack like ``make run``, measure, print one table, save JSON."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import config, intake_bench, notify_bench, sockets_bench
from bench.report import Table
from bench.stack import Stack, install_node_clients, raise_nofile

SECTIONS: dict[str, Callable[[Stack, config.Config, Table], None]] = {
    "intake": intake_bench.run,
    "latency": notify_bench.submit_latency,
    "fanout": sockets_bench.fanout,
    "memory": sockets_bench.memory,
}
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main() -> int:
    """Run every section (or those in ``BENCH_ONLY``); sections that cannot run say why."""
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
        only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
        for name, section in SECTIONS.items():
            if not only or name in only:
                section(stack, cfg, table)
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
