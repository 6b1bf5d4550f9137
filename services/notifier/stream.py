"""Stream access: entry decoding, range queries, and the one blocking XREAD loop per process."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
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


def epoch_key(stream_key: str) -> str:
    """The key beside the stream that holds its epoch, in the stream's Redis Cluster slot."""
    start = stream_key.find("{")
    tagged = start != -1 and stream_key.find("}", start + 1) > start + 1
    # An untagged key hashes whole: braces around it give the epoch key the very same slot,
    # so a cluster node that restarts empty loses both together.
    return f"{stream_key}:epoch" if tagged else f"{{{stream_key}}}:epoch"


# Compare-and-set: only the first notifier to see a rewound stream picks the new epoch.
_ROTATE = """
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return ARGV[2]
end
return current
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Stream:
    """Non-blocking queries on the event stream (bounded-timeout client)."""

    def __init__(self, redis: RedisClient, key: str) -> None:
        self.redis = redis
        self.key = key
        self.epoch_key = epoch_key(key)

    async def epoch(self) -> str:
        """The stream's incarnation id, created (``SET NX``) by whoever asks first."""
        await self.redis.set(self.epoch_key, uuid.uuid4().hex, nx=True)
        value: bytes | str | None = await self.redis.get(self.epoch_key)
        # Deleted in between (FLUSHALL): the next call creates a new one.
        return _text(value) if value is not None else ""

    async def rotate_epoch(self, seen: str) -> str:
        """Start a new incarnation unless another notifier already did; returns the current."""
        value: bytes | str = await self.redis.eval(
            _ROTATE, 1, self.epoch_key, seen, uuid.uuid4().hex
        )
        return _text(value)

    async def oldest(self) -> str | None:
        """The oldest entry's ID, ``None`` for an empty or missing stream."""
        rows: Any = await self.redis.xrange(self.key, count=1)
        return rows[0][0].decode() if rows else None

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
    saw. It never pushes old entries as live and never skips silently: when the stream was
    reset (its epoch changed, or it no longer holds the last ID read) or when the reader fell
    behind the trim, it calls ``on_reset`` (the notifier closes its sockets with 1012, so
    clients resume with ``since`` and learn ``recovered:false``) and goes on from the newest.
    """

    def __init__(
        self,
        stream: Stream,
        blocking: RedisClient,
        dispatch: Callable[[list[Entry]], None],
        on_reset: Callable[[str], None],
        *,
        block_ms: int,
        count: int,
    ) -> None:
        self.stream = stream
        self.blocking = blocking
        self.dispatch = dispatch
        self.on_reset = on_reset
        self.block_ms = block_ms
        self.count = count
        self.position: str | None = None
        self.epoch: str | None = None
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
        """Position on (re)connect: the newest entry at start, else check what Redis kept."""
        epoch = await self.stream.epoch()
        newest = await self.stream.newest()
        if self.position is None:
            # A fresh instance delivers what is appended from now on.
            self.epoch, self.position = epoch, newest
        elif epoch != self.epoch:
            self._reset("stream epoch changed (Redis lost the stream)", epoch, newest)
        elif self.position != ZERO and not await self.stream.holds(self.position):
            oldest = await self.stream.oldest()
            last = id_key(self.position)
            if oldest is not None and id_key(oldest) > last and id_key(newest) >= last:
                self._reset("the stream was trimmed past this reader", epoch, newest)
            else:
                # Same epoch but the stream went back (older snapshot, lagging replica): what
                # followed the snapshot is lost for everyone, so this is a new incarnation.
                epoch = await self.stream.rotate_epoch(epoch)
                self._reset("the stream went back in time", epoch, newest)
        self._moved()

    def _reset(self, reason: str, epoch: str, newest: str) -> None:
        log.warning(
            "stream reset: closing sockets with 1012", reason=reason, last_read=self.position
        )
        self.epoch, self.position = epoch, newest
        self.on_reset(reason)
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
                await self._step()
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

    async def _step(self) -> None:
        """One blocking read; its entries are checked for a gap, then dispatched."""
        position = self.position or ZERO
        reply: Any = await self.blocking.xread(
            {self.stream.key: position}, count=self.count, block=self.block_ms
        )
        rows = [row for _key, batch in reply or () for row in batch]
        if not rows:
            metrics.READER_LAG.set(0)
            # Idle: a FLUSHALL leaves the blocking connection open, but the epoch key is gone.
            epoch = await self.stream.epoch()
            if epoch != self.epoch:
                newest = await self.stream.newest()
                self._reset("stream epoch changed (Redis lost the stream)", epoch, newest)
            return
        if await self._fell_behind(position, rows):
            newest = await self.stream.newest()
            self._reset("the stream was trimmed past this reader", self.epoch or "", newest)
            return
        self.position = rows[-1][0].decode()
        metrics.EVENTS_READ.inc(len(rows))
        metrics.READER_LAG.set(max(0.0, time.time() - id_key(self.position)[0] / 1000))
        self.dispatch(_entries(rows))
        self._moved()

    async def _fell_behind(self, position: str, rows: Any) -> bool:
        """Whether entries between ``position`` and this batch were trimmed before being read."""
        # A batch shorter than ``count`` reached the stream's end, and a gap needs
        # STREAM_MAXLEN (>= 1000 >= count) unread entries: only a full batch can follow one.
        if len(rows) < self.count:
            return False
        # Trimming removes the oldest entries first: if the last ID read is still held now,
        # nothing after it was trimmed before this read.
        if position != ZERO:
            return not await self.stream.holds(position)
        first: str = rows[0][0].decode()
        return await self.stream.oldest() != first
