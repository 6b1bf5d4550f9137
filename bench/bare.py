"""The peers: a bare Litestar JSON endpoint and a bare ``websockets.broadcast`` server.

``python -m bench.bare litestar PORT`` serves under uvicorn with the services' exact settings;
``python -m bench.bare websockets PORT`` reads the same Redis stream as the notifier and
broadcasts each entry, as the SPEC §8 event message, to the room's sockets.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import redis.asyncio as redis
from litestar import Litestar, get, post
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from bench.serve import serve_asgi

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


@post("/v1/inquiries", status_code=201)
async def submit(data: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG001 - declared so Litestar decodes the body
    """Parse the JSON body and answer like intake, without touching any store."""
    return {"id": str(uuid.uuid4()), "status": "NEW", "created_at": datetime.now(UTC)}


@get("/health")
async def health() -> dict[str, str]:
    """Liveness for the bench's start-up wait."""
    return {"status": "ok"}


def create_app() -> Litestar:
    """The bare Litestar app (uvicorn factory)."""
    return Litestar([submit, health])


rooms: dict[str, set[ServerConnection]] = {}


async def handler(ws: ServerConnection) -> None:
    """Just enough of SPEC §8 for the bench client: auth (unchecked), subscribe, events."""
    joined: list[str] = []
    try:  # clients that exit without a close frame are the norm at the end of a run
        async for raw in ws:
            message = _decode(raw)
            if message.get("op") == "auth":
                await ws.send(b'{"op":"ready"}', text=True)
            elif message.get("op") == "subscribe":
                room = str(message["room"])
                rooms.setdefault(room, set()).add(ws)
                joined.append(room)
                answer = {"op": "subscribed", "room": room, "offset": "0-0"}
                await ws.send(_encode(answer), text=True)
    except ConnectionClosed:
        pass
    finally:
        for room in joined:
            rooms.get(room, set()).discard(ws)


async def stream_events(
    client: redis.Redis, stream: str
) -> AsyncIterator[tuple[str, dict[str, Any], bytes]]:
    """Every new stream entry as (collection room, SPEC §8 envelope without data, data JSON)."""
    last = "$"
    while True:
        batches: Any = await client.xread({stream: last}, block=1000, count=500)
        for _, entries in batches:
            for entry_id, fields in entries:
                last = entry_id.decode()
                room = f"inquiries:{fields[b'merchant_id'].decode()}"
                envelope = {
                    "op": "event",
                    "room": room,
                    "offset": last,
                    "topic": fields[b"topic"].decode(),
                    "event_id": fields[b"event_id"].decode(),
                }
                yield room, envelope, fields[b"data"]


async def relay(client: redis.Redis, stream: str) -> None:
    """Broadcast every new stream entry to its collection room."""
    async for room, envelope, data in stream_events(client, stream):
        event = {**envelope, "data": msgspec.Raw(data)}
        broadcast(rooms.get(room, set()), _encode(event).decode())


async def serve_websockets(port: int) -> None:
    """Serve until killed."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=16):
        await relay(client, os.environ["STREAM_KEY"])


def main() -> None:
    """``python -m bench.bare KIND PORT``."""
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "litestar":
        serve_asgi("bench.bare:create_app", port)
    else:
        import uvloop

        uvloop.run(serve_websockets(port))


if __name__ == "__main__":
    main()
