"""Sections 2-4: submit → socket latency, fan-out to one room, and memory per idle socket."""

from __future__ import annotations

import time
from typing import Any

import redis

from bench.config import Config
from bench.fanout import open_clients, publish, token, wait_delivered
from bench.intake_bench import BODY
from bench.load import CpuWatch, WsClients, http_load, percentile
from bench.report import Table
from bench.stack import Server, Stack


def _close(clients: list[WsClients]) -> None:
    for client in clients:
        client.close()


def _client_pids(clients: list[WsClients]) -> list[int]:
    return [c.process.pid for c in clients]


def submit_latency(stack: Stack, cfg: Config, table: Table) -> None:
    """Section 2: merchants x dashboards sockets over 2 notifiers, steady submits via intake."""
    sockets = cfg.merchants * cfg.dashboards
    section = (
        f"2. submit -> socket, {cfg.merchants} merchants x {cfg.dashboards} dashboards over "
        f"2 notifiers, {cfg.submit_rate:g}/s for {cfg.latency_seconds:g} s"
    )
    merchants = [f"lat{i}" for i in range(cfg.merchants)]
    notifiers = [Server.service("notifier", stack.env) for _ in range(2)]
    intake = Server.service("intake", stack.env)
    clients: list[WsClients] = []
    try:
        groups = [
            {
                "url": f"ws://127.0.0.1:{notifiers[d % 2].port}/v1/ws",
                "token": token(m),
                "room": f"inquiries:{m}",
                "count": 1,
            }
            for m in merchants
            for d in range(cfg.dashboards)
        ]
        clients = open_clients(groups, cfg.sockets_per_client)
        held = sum(c.open for c in clients)
        watch = CpuWatch(
            {
                "intake": lambda: [intake.pid],
                "notifier A": lambda: [notifiers[0].pid],
                "notifier B": lambda: [notifiers[1].pid],
                "postgres": stack.postgres_pids,
                "redis": lambda: [stack.redis_pid()],
                "ws clients (node)": lambda: _client_pids(clients),
            }
        )
        load = {
            "url": f"http://127.0.0.1:{intake.port}/v1/inquiries",
            "rate": cfg.submit_rate,
            "duration": cfg.latency_seconds,
            "merchants": merchants,
            "body": BODY,
            "concurrency": 32,
        }
        result = http_load(load, watch)
        sent: list[list[Any]] = result["sent"]
        events = wait_delivered(clients, [s[0] for s in sent], cfg.dashboards, timeout=10)
        whole, leg, answers = [], [], []
        for inquiry_id, t_sent, rtt in sent:
            answers.append(rtt)
            seen = events.get(inquiry_id)
            if seen is not None and seen[0] >= cfg.dashboards:
                whole.append(seen[2] - t_sent)
                leg.append(seen[2] - seen[3])
        missing = len(sent) - len(whole)
        note = (
            f"{held}/{sockets} sockets subscribed; {len(sent)} submits answered 201 of "
            f"{result['requests']}; {missing} not seen on every socket of the merchant"
        )
        table.row(
            section,
            "submit -> event at the last socket of its merchant",
            percentile(whole, 50),
            "ms p50",
            p50_ms=percentile(whole, 50),
            p99_ms=percentile(whole, 99),
            max_ms=max(whole, default=None),
            cpu=result["cpu"],
            target="p50 <= 10, p99 <= 50",
            met=bool(whole) and percentile(whole, 50) <= 10 and percentile(whole, 99) <= 50,  # type: ignore[operator]
            note=note,
        )
        table.row(
            section,
            "Redis stream entry -> last socket (entry id ms)",
            percentile(leg, 50),
            "ms p50",
            p50_ms=percentile(leg, 50),
            p99_ms=percentile(leg, 99),
            max_ms=max(leg, default=None),
        )
        table.row(
            section,
            "submit HTTP round trip (201) at this rate",
            percentile(answers, 50),
            "ms p50",
            p50_ms=percentile(answers, 50),
            p99_ms=percentile(answers, 99),
            max_ms=max(answers, default=None),
        )
    finally:
        _close(clients)
        intake.stop()
        for notifier in notifiers:
            notifier.stop()


def fanout_one(  # noqa: PLR0913 - one bench row: what, how big, where it goes
    stack: Stack, kind: str, sockets: int, cfg: Config, table: Table, section: str
) -> dict[str, float] | None:
    """Section 3 for one server kind and size: paced latency, then a burst for throughput."""
    group: dict[str, Any] = {"token": token("fan"), "room": "inquiries:fan", "count": sockets}
    if kind == "python-socketio":
        server = Server.socketio(stack.env)
        group.update(url=f"http://127.0.0.1:{server.port}", protocol="socket.io")
    else:
        notifier = kind == "notifier"
        server = (
            Server.service(kind, stack.env) if notifier else Server.bare("websockets", stack.env)
        )
        group["url"] = f"ws://127.0.0.1:{server.port}/v1/ws"
    client = redis.Redis.from_url(stack.redis.url)
    clients: list[WsClients] = []
    try:
        clients = open_clients([group], cfg.sockets_per_client)
        held = sum(c.open for c in clients)
        last_socket = []
        for _ in range(cfg.fanout_latency_events):
            keys, t_pub = publish(client, "fan", 1)
            seen = wait_delivered(clients, keys, held, timeout=10).get(keys[0])
            if seen is not None and seen[0] >= held:
                last_socket.append(seen[2] - t_pub)
            time.sleep(0.1)
        for c in clients:
            c.reset()
        watch = CpuWatch(
            {kind: lambda: [server.pid], "ws clients (node)": lambda: _client_pids(clients)}
        )
        watch.start()
        burst = max(3, min(cfg.fanout_burst_events, cfg.fanout_burst_messages // max(held, 1)))
        keys, t_pub = publish(client, "fan", burst)
        events = wait_delivered(clients, keys, held, timeout=60)
        cpu = watch.stop()
        complete = [events[k] for k in keys if k in events and events[k][0] >= held]
        delivered = sum(events[k][0] for k in keys if k in events)
        elapsed_s = (max((e[2] for e in events.values()), default=t_pub) - t_pub) / 1000
        rate = delivered / elapsed_s if elapsed_s > 0 else 0.0
        table.row(
            section,
            f"{kind}, {held:,} sockets: {len(keys)}-event burst",
            round(rate),
            "msg/s",
            cpu=cpu,
            note=f"{len(complete)}/{len(keys)} events reached all {held:,} sockets "
            f"({held}/{sockets} subscribed) in {elapsed_s * 1000:.0f} ms",
        )
        p99 = percentile(last_socket, 99)
        table.row(
            section,
            f"{kind}, {held:,} sockets: XADD -> last socket, paced",
            percentile(last_socket, 50),
            "ms p50",
            p50_ms=percentile(last_socket, 50),
            p99_ms=p99,
            max_ms=max(last_socket, default=None),
            note=f"{len(last_socket)}/{cfg.fanout_latency_events} events reached every socket",
        )
        return {"rps": rate, "p99": p99 or 0.0}
    finally:
        _close(clients)
        client.close()
        server.stop()
