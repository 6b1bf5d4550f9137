"""The python-socketio peer: ``AsyncServer`` + ``AsyncRedisManager`` under uvicorn.

``python -m bench.socketio_peer PORT`` serves Socket.IO on the services' uvicorn settings. Clients
join the room named in their connect auth. A relay task in the same process reads the same Redis
stream as the notifier and emits each entry, as the SPEC §8 event message, through a write-only
Redis manager, so every event takes python-socketio's documented cross-process path (Redis
pub/sub → the server's manager → the room) and its CPU is counted in this one process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import redis.asyncio as redis
import socketio  # type: ignore[import-untyped]

from bench.bare import stream_events
from bench.serve import serve_asgi

CHANNEL = "bench-socketio"
tasks: set[asyncio.Task[None]] = set()


def create_server(url: str) -> socketio.AsyncServer:
    """The server; its manager listens on the Redis channel the relay publishes to."""
    manager = socketio.AsyncRedisManager(url, channel=CHANNEL)
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, cors_allowed_origins=[])

    @sio.event  # type: ignore[untyped-decorator]
    async def connect(sid: str, _environ: dict[str, Any], auth: dict[str, Any] | None) -> None:
        # Auth is unchecked, as in the bare websockets peer; the room rides in the auth data.
        if auth and auth.get("room"):
            await sio.enter_room(sid, str(auth["room"]))

    return sio


async def relay(client: redis.Redis, emitter: socketio.AsyncRedisManager, stream: str) -> None:
    """Emit every new stream entry into its collection room through the Redis manager."""
    async for room, envelope, data in stream_events(client, stream):
        await emitter.emit("event", {**envelope, "data": json.loads(data)}, room=room)


def create_app() -> socketio.ASGIApp:
    """The ASGI app (uvicorn factory); the relay starts with the lifespan."""
    url, stream = os.environ["REDIS_URL"], os.environ["STREAM_KEY"]
    sio = create_server(url)

    async def start() -> None:
        # Initialise the manager now, not on the first connect, so its pub/sub listener is up.
        sio.manager_initialized = True
        sio.manager.initialize()
        emitter = socketio.AsyncRedisManager(url, channel=CHANNEL, write_only=True)
        task = asyncio.create_task(relay(redis.Redis.from_url(url), emitter, stream))
        tasks.add(task)  # a strong reference, or the task may be collected mid-run

    return socketio.ASGIApp(sio, on_startup=start)


def main() -> None:
    """``python -m bench.socketio_peer PORT``."""
    serve_asgi("bench.socketio_peer:create_app", int(sys.argv[1]))


if __name__ == "__main__":
    main()
