"""``python -m bench.profile [RATE]``: py-spy samples intake under the bench's load.

Intake runs as in ``make bench`` section 1 (production settings, 1k rows); with RATE the load
is paced at RATE submits/s (section 1b), else closed at the bench's concurrency. py-spy writes
a speedscope profile and prints the top functions by inclusive and own share of samples.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench import config
from bench.intake_bench import BODY, PRODUCTION, servers
from bench.load import http_load
from bench.pgbench import reset_rows
from bench.stack import Server, Stack, install_node_clients

OUT = Path(__file__).resolve().parent / "results"
_TOP = 30


def _summary(raw: Path) -> str:
    """Inclusive and own sample shares per function, from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("own", own)):
        lines.append(f"-- {title}")
        lines += [f"{n / total:6.1%}  {frame}" for frame, n in counter.most_common(_TOP)]
    return "\n".join(lines)


def main() -> int:
    """Start the stack and intake, load it, sample it, print the summary."""
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else None
    cfg = config.load()
    install_node_clients()
    stack = Stack()
    load: dict[str, Any] = {
        "concurrency": cfg.concurrency,
        "duration": cfg.paced_seconds if rate else cfg.http_seconds,
        "merchants": [f"m{i}" for i in range(100)],
        "emails": cfg.emails,
        "body": BODY,
    }
    if rate:
        load["rate"] = rate
    raw = OUT / "profile-intake.txt"
    try:
        reset_rows(stack, cfg.row_sizes[0])
        with servers(lambda: Server.service("intake", {**stack.env, **PRODUCTION})) as (intake,):
            load["urls"] = [f"http://127.0.0.1:{intake.port}/v1/inquiries"]
            spy = subprocess.Popen(
                [
                    *(str(Path(sys.executable).with_name("py-spy")), "record"),
                    *("--pid", str(intake.pid), "--duration", str(int(load["duration"]))),
                    *("--format", "raw", "--output", str(raw)),
                ]
            )
            result = http_load(load)
            spy.wait()
    finally:
        stack.stop()
    print(f"{result['requests'] / result['seconds']:.0f} req/s, statuses {result['statuses']}")
    print(_summary(raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
