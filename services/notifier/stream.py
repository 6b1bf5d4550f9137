"""Stream access: entry decoding, range queries, and the one blocking XREAD loop per process."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import structlog

from services.notifier import metrics
from services.notifier.schemas import ZERO, StreamId, id_key
from shared.events import collection_room, inquiry_room
from shared.redis import RedisClient

log = structlog.get_logger("notifier.stream")


class Entry(msgspec.Struct, frozen=True):
    """One stream entry as the notifier needs it: ``data`` stays raw JSON, never re-encoded."""

    offset: str
    key: StreamId
    topic: str
    event_id: str
    rooms: tuple[str, str]
    data: msgspec.Raw


def to_entry(entry_id: bytes | str, fields: dict[bytes, bytes]) -> Entry | None:
    """Decode a stream entry (SPEC §7 fields); ``None`` for one this contract does not cover."""
    offset = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    try:
        merchant = fields[b"merchant_id"].decode()
        return Entry(
            offset=offset,
            key=id_key(offset),
            topic=fields[b"topic"].decode(),
            event_id=fields[b"event_id"].decode(),
            rooms=(
                collection_room(merchant),
                inquiry_room(merchant, fields[b"inquiry_id"].decode()),
            ),
            data=msgspec.Raw(fields[b"data"]),
        )
    except (KeyError, UnicodeDecodeError):
        log.warning("skipping malformed stream entry", offset=offset)
        return None


def _entries(raw: Any) -> list[Entry]:
    return [e for e in (to_entry(i, f) for i, f in raw) if e is not None]


class Stream:
    """Non-blocking queries on the event stream (bounded-timeout client)."""

    def __init__(self, redis: RedisClient, key: str) -> None:
        self.redis = redis
        self.key = key

    async def newest(self) -> str:
        """The newest entry's ID, ``0-0`` for an empty or missing stream."""
        rows: Any = await self.redis.xrevrange(self.key, count=1)
        return rows[0][0].decode() if rows else ZERO

    async def holds(self, offset: str) -> bool:
        """Whether the stream still holds the entry ``offset``."""
        return bool(await self.redis.xrange(self.key, min=offset, max=offset, count=1))

    async def between(self, after: str, until: str, count: int) -> AsyncIterator[list[Entry]]:
        """Every entry with ``after < ID <= until``, in order, in batches of ``count``."""
        cursor = after
        while id_key(cursor) < id_key(until):
            rows: Any = await self.redis.xrange(self.key, min=f"({cursor}", max=until, count=count)
            if not rows:
                return
            cursor = rows[-1][0].decode()
            yield _entries(rows)


class StreamReader:
    """Reads the whole stream (no consumer group) and hands every batch to ``dispatch``.

    Survives Redis restarts: on error it backs off, reconnects and resumes after the last ID it
    saw; if the stream came back emptier than that (a reset Redis), it starts from ``0-0``.
    """

    def __init__(
        self,
        stream: Stream,
        blocking: RedisClient,
        dispatch: Callable[[list[Entry]], None],
        *,
        block_ms: int,
        count: int,
    ) -> None:
        self.stream = stream
        self.blocking = blocking
        self.dispatch = dispatch
        self.block_ms = block_ms
        self.count = count
        self.position: str | None = None
        self.healthy = False
        self._advanced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """The loop is alive and its last read succeeded."""
        return self._task is not None and not self._task.done() and self.healthy

    def start(self) -> None:
        """Start the loop (once per process)."""
        self._task = asyncio.create_task(self._run(), name="notifier-stream-reader")

    async def stop(self) -> None:
        """Stop the loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def caught_up(self, target: str, within: float) -> bool:
        """Wait until everything up to ``target`` was dispatched (``False`` on timeout)."""
        deadline = time.monotonic() + within
        while self.position is None or id_key(self.position) < id_key(target):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._advanced.wait(), remaining)
        return True

    def _moved(self) -> None:
        event, self._advanced = self._advanced, asyncio.Event()
        event.set()

    async def _resync(self) -> None:
        newest = await self.stream.newest()
        if self.position is None:
            self.position = newest  # a fresh instance delivers what is appended from now on
        elif newest == ZERO or id_key(newest) < id_key(self.position):
            # Redis lost the stream: whatever it holds now is new to us.
            log.warning("stream reset detected; reading from 0-0", last_seen=self.position)
            self.position = ZERO
        self._moved()

    async def _run(self) -> None:
        backoff = 0.1
        synced = False
        while True:
            try:
                if not synced:
                    await self._resync()
                    synced = True
                    # Reachable and positioned: ready now, not after the first (blocking) read.
                    self.healthy = True
                assert self.position is not None
                reply: Any = await self.blocking.xread(
                    {self.stream.key: self.position}, count=self.count, block=self.block_ms
                )
                self.healthy = True
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                metrics.READER_ERRORS.inc()
                if self.healthy or backoff == 0.1:
                    log.warning(
                        "stream read failed; retrying", error=str(exc) or type(exc).__name__
                    )
                self.healthy = False
                synced = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            if not reply:
                metrics.READER_LAG.set(0)
                continue
            for _key, rows in reply:
                if not rows:
                    continue
                entries = _entries(rows)
                self.position = rows[-1][0].decode()
                metrics.EVENTS_READ.inc(len(rows))
                metrics.READER_LAG.set(max(0.0, time.time() - id_key(self.position)[0] / 1000))
                self.dispatch(entries)
            self._moved()
