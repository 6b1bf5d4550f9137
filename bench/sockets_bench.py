"""Sections 3-5 drivers: fan-out beside the bare peers, and memory per idle socket."""

from __future__ import annotations

import importlib.util
import time

from bench.config import Config
from bench.fanout import open_clients, token
from bench.load import WsClients
from bench.notify_bench import fanout_one
from bench.report import Table
from bench.stack import Server, Stack


def fanout(stack: Stack, cfg: Config, table: Table) -> None:
    """Section 3 (and the socket half of 5): one room, notifier vs websockets.broadcast."""
    section = "3. fan-out to one room (one server process, Node ws clients)"
    by_size: dict[int, dict[str, dict[str, float] | None]] = {}
    for sockets in cfg.fanout_sizes:
        figures: dict[str, dict[str, float] | None] = {}
        figures["bare"] = fanout_one(
            stack, "bare websockets.broadcast", sockets, cfg, table, section
        )
        figures["notifier"] = fanout_one(stack, "notifier", sockets, cfg, table, section)
        if importlib.util.find_spec("socketio") is None:
            table.skip(
                section,
                f"python-socketio + Redis manager, {sockets:,} sockets",
                "python-socketio is not installed (`pip install -e .[bench]`)",
            )
        else:
            figures["python-socketio"] = fanout_one(
                stack, "python-socketio", sockets, cfg, table, section
            )
        by_size[sockets] = figures
        mine, bare, sio = figures.get("notifier"), figures["bare"], figures.get("python-socketio")
        if mine and bare:
            table.ratio(section, f"notifier / bare deliveries/s, {sockets:,}", mine, bare, 0.7)
            table.ratio(
                section,
                f"notifier / bare last-socket p99, {sockets:,}",
                mine["p99"],
                bare["p99"],
                upper=1.3,
            )
        if mine and sio:  # the issue asks for these ratios, without a target
            rate = f"notifier / python-socketio deliveries/s, {sockets:,}"
            table.ratio(section, rate, mine, sio)
            p99 = f"notifier / python-socketio last-socket p99, {sockets:,}"
            table.ratio(section, p99, mine["p99"], sio["p99"])
    sizes = sorted(by_size)
    if len(sizes) >= 2:
        small, large = by_size[sizes[0]], by_size[sizes[-1]]
        for name in ("notifier", "bare", "python-socketio"):
            a, b = large.get(name), small.get(name)
            if a and b:
                table.ratio(
                    "5. scaling of cost",
                    f"{name} deliveries/s at {sizes[-1]:,} / at {sizes[0]:,} sockets",
                    a,
                    b,
                )


def memory(stack: Stack, cfg: Config, table: Table) -> None:
    """Section 4: RSS of one notifier with 0, then more and more authenticated idle sockets."""
    section = "4. memory per authenticated idle socket (one notifier process)"
    server = Server.service("notifier", stack.env)
    clients: list[WsClients] = []
    try:
        time.sleep(1)
        base = server.rss_kb()
        table.row(section, "RSS with 0 sockets", round(base / 1024, 1), "MB")
        held = 0
        url = f"ws://127.0.0.1:{server.port}/v1/ws"
        for size in cfg.memory_sizes:
            group = {"url": url, "token": token("idle"), "room": None, "count": size - held}
            # New client processes take fresh source addresses, so ephemeral ports never run out.
            clients += open_clients([group], cfg.sockets_per_client, first_address=len(clients) + 1)
            held = sum(c.open for c in clients)
            time.sleep(2)
            rss = server.rss_kb()
            per = (rss - base) / held if held else None
            table.row(
                section,
                f"{size:,} sockets asked: RSS {rss / 1024:.1f} MB",
                None if per is None else round(per, 2),
                "KB/socket",
                target="<= 20",
                met=per is not None and per <= 20,
                note=f"{held:,} held, {sum(c.failed for c in clients):,} refused or failed",
            )
        table.row(
            section,
            "sockets held by one notifier",
            held,
            "sockets",
            target=">= 19000",
            met=held >= 19_000,
            note="the server's open-file limit here is the hard limit (20,000)",
        )
    finally:
        for client in clients:
            client.close()
        server.stop()
