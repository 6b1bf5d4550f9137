"""Helpers for the socket sections: tokens, publishing events, merging client reports."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis

from bench.load import WsClients
from bench.stack import JWT_SECRET, STREAM_KEY
from shared.auth import mint_token
from shared.events import INQUIRY_SUBMITTED, Event, to_stream_fields
from shared.settings import AuthSettings

PERMS = ["inquiry.find", "inquiry.find_by_id"]


def token(merchant: str) -> str:
    """A dashboard token of ``merchant`` good for the whole run."""
    settings = AuthSettings(jwt_secret=JWT_SECRET)
    return mint_token(
        settings, sub=f"bench-{merchant}", merchant_id=merchant, perms=PERMS, ttl_seconds=3600
    )


def event_fields(merchant: str) -> tuple[str, dict[str, bytes | str]]:
    """A ``submitted`` stream entry exactly as intake's relay writes it; (inquiry id, fields)."""
    inquiry_id = uuid.uuid4()
    now = datetime.now(UTC)
    data = {
        "id": str(inquiry_id),
        "merchant_id": merchant,
        "type": "pricing",
        "name": "Ann Nguyen",
        "email": "ann@example.com",
        "business_name": "Acme Trading",
        "subject": "Pricing for 3 stores",
        "created_at": now.isoformat().replace("+00:00", "Z"),
    }
    event = Event(INQUIRY_SUBMITTED, uuid.uuid4(), merchant, inquiry_id, now, data)
    return str(inquiry_id), to_stream_fields(event)


def publish(client: redis.Redis, merchant: str, count: int) -> tuple[list[str], float]:
    """XADD ``count`` events in one round trip; their ids and the wall ms just before."""
    entries = [event_fields(merchant) for _ in range(count)]
    pipe = client.pipeline(transaction=False)
    for _, fields in entries:
        pipe.xadd(STREAM_KEY, fields, maxlen=100_000, approximate=True)  # type: ignore[arg-type]
    sent = time.time() * 1000
    pipe.execute()
    return [key for key, _ in entries], sent


def merged(clients: list[WsClients]) -> dict[str, list[float]]:
    """Arrivals across client processes: key → [count, first ms, last ms, stream ms]."""
    events: dict[str, list[float]] = {}
    for client in clients:
        for key, (count, first, last, stream_ms) in client.report()["events"].items():
            seen = events.get(key)
            if seen is None:
                events[key] = [count, first, last, stream_ms]
            else:
                seen[0] += count
                seen[1] = min(seen[1], first)
                seen[2] = max(seen[2], last)
    return events


def wait_delivered(
    clients: list[WsClients], keys: list[str], sockets: int, timeout: float
) -> dict[str, list[float]]:
    """Poll until every key reached every socket (or ``timeout``); the merged arrivals."""
    deadline = time.monotonic() + timeout
    while True:
        events = merged(clients)
        done = all(events.get(k, [0])[0] >= sockets for k in keys)
        if done or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def open_clients(
    groups: list[dict[str, Any]], per_process: int, first_address: int = 1
) -> list[WsClients]:
    """Spread sockets over client processes of ≤ ``per_process`` each, one source IP apiece."""
    specs = [dict(g, count=1) for g in groups for _ in range(int(g["count"]))]
    clients = []
    for n, start in enumerate(range(0, len(specs), per_process)):
        chunk = specs[start : start + per_process]
        # Collapse back into groups so the config file stays small.
        packed: list[dict[str, Any]] = []
        for spec in chunk:
            if packed and {**packed[-1], "count": 1} == spec:
                packed[-1]["count"] += 1
            else:
                packed.append(dict(spec))
        clients.append(WsClients(packed, f"127.0.0.{first_address + n}"))
    for client in clients:
        client.wait_ready()
    return clients
