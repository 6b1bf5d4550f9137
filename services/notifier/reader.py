"""The one blocking XREAD loop per process: it feeds the replay window and the hub."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import structlog

from services.notifier import metrics
from services.notifier.schemas import ZERO, id_key
from services.notifier.stream import Entry, Stream, entries_of
from services.notifier.window import ReplayWindow
from shared.background import BackgroundLoop
from shared.redis import RedisClient

log = structlog.get_logger("notifier.reader")

_LOST = "stream epoch changed (Redis lost the stream)"
_TRIMMED = "the stream was trimmed past this reader"
_REWOUND = "the stream went back in time"


class StreamReader(BackgroundLoop):
    """Reads the whole stream (no consumer group) and hands every batch to ``dispatch``.

    Survives Redis restarts: on error it backs off, reconnects and resumes after the last ID it
    read. It never pushes old entries as live and never skips silently: when the stream was
    reset (its epoch changed, or it no longer holds the last ID read) or when the reader fell
    behind the trim, it starts over from the stream as it is and calls ``on_reset`` (the
    notifier closes its sockets with 1012: clients resume with ``since`` and learn
    ``recovered:false``).
    """

    task_name = "notifier-stream-reader"

    def __init__(  # noqa: PLR0913 - its collaborators, then keyword-only settings
        self,
        stream: Stream,
        blocking: RedisClient,
        window: ReplayWindow,
        dispatch: Callable[[list[Entry]], None],
        on_reset: Callable[[str], None],
        *,
        block_ms: int,
        count: int,
    ) -> None:
        self.stream = stream
        self.blocking = blocking
        self.window = window
        self.dispatch = dispatch
        self.on_reset = on_reset
        self.block_ms = block_ms
        self.count = count
        self.position: str | None = None
        self.epoch: str | None = None
        self.healthy = False
        self._advanced = asyncio.Event()

    @property
    def running(self) -> bool:
        """The loop is alive and its last read succeeded."""
        return self.alive and self.healthy

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

    async def _start_over(self, epoch: str) -> None:
        """Take the stream as it is now: the window gets its newest entries, reading follows."""
        oldest_ms = time.time_ns() // 1_000_000 - self.window.max_age_ms
        recent = await self.stream.recent(self.window.max_entries, oldest_ms, self.count)
        self.window.restart(recent.entries, id_key(recent.left_out))
        self.epoch, self.position = epoch, recent.newest

    async def _reset(self, reason: str, epoch: str) -> None:
        log.warning("stream reset: closing sockets with 1012", reason=reason, last=self.position)
        await self._start_over(epoch)
        self.on_reset(reason)

    async def _resync(self) -> None:
        """Position on (re)connect: at start from the newest, later after checking the stream."""
        epoch = await self.stream.epoch()
        if self.position is None:
            await self._start_over(epoch)  # a fresh instance delivers what comes from now on
        elif epoch != self.epoch:
            await self._reset(_LOST, epoch)
        elif self.position != ZERO and not await self.stream.holds(self.position):
            oldest, newest = await self.stream.oldest(), await self.stream.newest()
            last = id_key(self.position)
            if oldest is not None and id_key(oldest) > last and id_key(newest) >= last:
                await self._reset(_TRIMMED, epoch)
            else:
                # Same epoch, but the stream went back (older snapshot, lagging replica): what
                # followed the snapshot is lost for everyone, so this is a new incarnation.
                await self._reset(_REWOUND, await self.stream.rotate_epoch(epoch))
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
            except Exception as exc:  # noqa: BLE001 - any Redis failure: reconnect, then check the stream
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
                await self._reset(_LOST, epoch)
                self._moved()
            return
        if await self._fell_behind(position, rows):
            await self._reset(_TRIMMED, self.epoch or await self.stream.epoch())
            self._moved()
            return
        self.position = rows[-1][0].decode()
        metrics.EVENTS_READ.inc(len(rows))
        metrics.READER_LAG.set(max(0.0, time.time() - id_key(self.position)[0] / 1000))
        entries = entries_of(rows)
        self.window.add(entries)
        self.dispatch(entries)
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
