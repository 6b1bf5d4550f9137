"""Local room membership and fan-out: each event is encoded once per room, then queued."""

from __future__ import annotations

from collections import deque
from typing import Protocol

import structlog

from services.notifier import metrics
from services.notifier.schemas import (
    ZERO,
    EventMessage,
    Room,
    StreamId,
    Subscribed,
    encode,
    id_key,
)
from services.notifier.stream import Entry, Stream, StreamReader

log = structlog.get_logger("notifier.hub")


class Sink(Protocol):
    """A connection as the hub sees it: a bounded outbox."""

    def offer(self, frame: bytes) -> None:
        """Queue a frame without waiting; a full queue closes the connection (4008)."""

    def overflow(self) -> None:
        """The connection fell too far behind: close it with 4008."""

    async def put(self, frame: bytes) -> None:
        """Queue a frame, waiting for room (replay only: the caller is that connection)."""

    @property
    def queue_limit(self) -> int:
        """How many frames may wait before the connection counts as too slow."""


class Subscription:
    """One connection in one room; holds live events back while the room's replay is sent."""

    __slots__ = ("floor", "pending", "room", "sink")

    def __init__(self, sink: Sink, room: Room) -> None:
        self.sink = sink
        self.room = room
        # While not None, live events wait here so the replay goes out first.
        self.pending: deque[bytes] | None = None
        # Events at or below this ID were (or will be) sent by the replay: skip them live.
        self.floor: StreamId | None = None

    def deliver(self, key: StreamId, frame: bytes) -> None:
        """Hand one live event to the connection (or hold it during replay)."""
        if self.floor is not None:
            if key <= self.floor:
                return
            self.floor = None
        if self.pending is None:
            self.sink.offer(frame)
        elif len(self.pending) < self.sink.queue_limit:
            self.pending.append(frame)
        else:
            self.sink.overflow()  # too far behind already during its replay


class Hub:
    """Rooms of this process: ``room → {connection: subscription}``, fed by the stream reader."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.rooms: dict[str, dict[Sink, Subscription]] = {}
        self.reader: StreamReader | None = None

    @property
    def epoch(self) -> str | None:
        """The stream incarnation the reader follows (``None`` before Redis was reached)."""
        return self.reader.epoch if self.reader else None

    @property
    def position(self) -> str:
        """Everything up to this ID was dispatched; everything after it will be."""
        return self.reader.position if self.reader and self.reader.position else ZERO

    def dispatch(self, entries: list[Entry]) -> None:
        """Fan a batch out to local subscribers (called by the reader, never awaits)."""
        delivered = 0
        for entry in entries:
            for room in entry.rooms:
                subs = self.rooms.get(room)
                if not subs:
                    continue
                frame = encode(
                    EventMessage(room, entry.offset, entry.topic, entry.event_id, entry.data)
                )
                for sub in subs.values():
                    sub.deliver(entry.key, frame)
                delivered += len(subs)
        if delivered:
            metrics.EVENTS_DELIVERED.inc(delivered)

    def _add(self, sub: Subscription) -> None:
        self.rooms.setdefault(sub.room.name, {})[sub.sink] = sub
        metrics.SUBSCRIPTIONS.labels(sub.room.kind).inc()

    def remove(self, sink: Sink, room: Room) -> None:
        """Leave a room (no-op when not in it)."""
        subs = self.rooms.get(room.name)
        if subs is not None and subs.pop(sink, None) is not None:
            metrics.SUBSCRIPTIONS.labels(room.kind).dec()
            if not subs:
                del self.rooms[room.name]

    async def _latest(self, catch_up_seconds: float) -> None:
        """Let the reader reach the stream's newest entry, so ``offset`` is really the latest."""
        if self.reader is None:
            return
        try:
            newest = await self.stream.newest()
        except Exception:
            return  # Redis is down: the reader's position is still a consistent seam
        await self.reader.caught_up(newest, catch_up_seconds)

    async def subscribe(
        self,
        sink: Sink,
        room: Room,
        since: str | None,
        epoch: str | None = None,
        *,
        catch_up_seconds: float,
        batch: int,
    ) -> None:
        """Join ``room``: reply ``subscribed``, replay after ``since`` if provable, then live."""
        self.remove(sink, room)
        await self._latest(catch_up_seconds)
        sub = Subscription(sink, room)
        if since is None:
            self._add(sub)
            sink.offer(encode(Subscribed(room.name, self.position, self.epoch)))
            return
        try:
            recovered = since == ZERO or await self.stream.holds(since)
        except Exception:
            recovered = False  # continuity cannot be proven without Redis
        # Offsets of another incarnation of the stream prove nothing about this one.
        current = self.epoch
        recovered = recovered and current is not None and epoch in (None, current)
        # No await from here until the replay starts: ``until`` and membership are one instant,
        # so every event is either at or below ``until`` (replayed) or above it (live).
        until = self.position
        if not recovered:
            self._add(sub)
            sink.offer(encode(Subscribed(room.name, until, current, recovered=False)))
            return
        sub.pending = deque()
        sub.floor = id_key(since)
        self._add(sub)
        sink.offer(encode(Subscribed(room.name, until, current, recovered=True)))
        async for entries in self.stream.between(since, until, batch):
            for entry in entries:
                if room.name in entry.rooms:
                    await sink.put(
                        encode(
                            EventMessage(
                                room.name, entry.offset, entry.topic, entry.event_id, entry.data
                            )
                        )
                    )
        while sub.pending:
            await sink.put(sub.pending.popleft())
        sub.pending = None
