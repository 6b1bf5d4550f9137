"""Sizes and durations of one bench run: full by default, tiny with ``BENCH_QUICK=1``."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Config:
    """Every knob; each can be overridden by ``BENCH_<NAME>`` in the environment."""

    concurrency: int = 32
    http_seconds: float = 8.0
    row_sizes: tuple[int, ...] = (1_000, 10_000)
    merchants: int = 100
    # Distinct addresses per merchant in the submits (ann+k@example.com): real leads differ. With
    # one, every submit repeats the last and same-merchant batches queue on the repeat lock.
    emails: int = 1_000
    dashboards: int = 10
    submit_rate: float = 100.0
    paced_seconds: float = 20.0
    latency_seconds: float = 30.0
    fanout_sizes: tuple[int, ...] = (1_000, 10_000)
    fanout_latency_events: int = 20
    fanout_burst_events: int = 50
    fanout_burst_messages: int = 100_000  # caps the burst at large sizes (10 min budget)
    memory_sizes: tuple[int, ...] = (10_000, 20_000)
    sockets_per_client: int = 10_000


QUICK = Config(
    http_seconds=2.0,
    row_sizes=(1_000, 2_000),
    merchants=10,
    dashboards=2,
    submit_rate=20.0,
    paced_seconds=3.0,
    latency_seconds=3.0,
    fanout_sizes=(100, 500),
    fanout_latency_events=5,
    fanout_burst_events=10,
    memory_sizes=(500, 1_000),
    sockets_per_client=600,
)


def load() -> Config:
    """The full config, or the quick one, with ``BENCH_*`` overrides applied."""
    base = QUICK if os.environ.get("BENCH_QUICK") == "1" else Config()
    changes: dict[str, Any] = {}
    for field in fields(Config):
        raw = os.environ.get(f"BENCH_{field.name.upper()}")
        if raw is None:
            continue
        if isinstance(getattr(base, field.name), tuple):
            changes[field.name] = tuple(int(x) for x in raw.split(","))
        else:
            changes[field.name] = type(getattr(base, field.name))(raw)
    return replace(base, **changes)
