"""One table of figures, ratios and targets: printed, and written as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _rate(x: dict[str, Any] | float) -> float:
    return float(x["rps"]) if isinstance(x, dict) else float(x)


def _value(r: dict[str, Any]) -> str:
    value = r["value"]
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f} {r['unit']}" if r["unit"] == "x" else f"{value:,.1f} {r['unit']}"
    return f"{value:,} {r['unit']}"


def _ms(value: Any) -> str:
    return "" if value is None else f"{value:.1f}"


class Table:
    """Rows grouped by section, each with optional percentiles, CPU, target and verdict."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.meta: dict[str, Any] = {}

    def row(self, section: str, name: str, value: float | None, unit: str, **extra: Any) -> None:
        """Add one figure; ``extra``: p50_ms, p99_ms, max_ms, cpu, target, met, note."""
        self.rows.append({"section": section, "name": name, "value": value, "unit": unit, **extra})
        print(f"  [{section}] {name}: {value} {unit} {extra.get('note', '')}", flush=True)

    def add(self, section: str, name: str, result: dict[str, Any], note: str = "") -> None:
        """A load run: rate, latency percentiles and CPU."""
        self.row(
            section,
            name,
            round(result["rps"], 1),
            "req/s",
            p50_ms=result.get("p50_ms"),
            p99_ms=result.get("p99_ms"),
            max_ms=result.get("max_ms"),
            cpu=result.get("cpu", {}),
            note=note,
        )

    def ratio(  # noqa: PLR0913 - goal and upper are optional keywords of one figure
        self,
        section: str,
        name: str,
        a: dict[str, Any] | float,
        b: dict[str, Any] | float,
        goal: float | None = None,
        upper: float | None = None,
    ) -> None:
        """a/b, checked against ``goal`` (a lower bound) or ``upper`` when given."""
        value = _rate(a) / _rate(b) if _rate(b) else None
        extra: dict[str, Any] = {}
        if goal is not None:
            extra = {"target": f">= {goal:g}", "met": value is not None and value >= goal}
        if upper is not None:
            extra = {"target": f"<= {upper:g}", "met": value is not None and value <= upper}
        self.row(section, name, None if value is None else round(value, 3), "x", **extra)

    def skip(self, section: str, name: str, reason: str) -> None:
        """A figure that could not be measured in this run, and why."""
        self.row(section, name, None, "", note=f"not measured: {reason}")

    def render(self) -> str:
        """The human-readable table."""
        head = f"{'figure':<62} {'value':>15} {'p50ms':>8} {'p99ms':>8} {'maxms':>8}  target"
        lines: list[str] = []
        section = None
        for r in self.rows:
            if r["section"] != section:
                section = r["section"]
                lines += ["", f"== {section}", head]
            target = ""
            if "target" in r:
                target = f"{r['target']} {'MET' if r['met'] else 'MISSED'}"
            lines.append(
                f"{r['name'][:62]:<62} {_value(r):>15} {_ms(r.get('p50_ms')):>8} "
                f"{_ms(r.get('p99_ms')):>8} {_ms(r.get('max_ms')):>8}  {target}"
            )
            cpu = r.get("cpu") or {}
            if cpu:
                lines.append(
                    "    cpu % of one core: " + ", ".join(f"{k} {v}" for k, v in cpu.items())
                )
            if r.get("note"):
                lines.append(f"    {r['note']}")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """Save rows and run metadata as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"meta": self.meta, "rows": self.rows}, indent=2) + "\n")
