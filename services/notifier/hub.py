"""Local room membership and fan-out: each event is encoded once per room, then queued."""

from __future__ import annotations

from collections import deque
from typing import Protocol

from services.notifier import metrics
from services.notifier.reader import StreamReader
from services.notifier.schemas import (
    ZERO,
    EventMessage,
    Room,
    StreamId,
    Subscribed,
    encode,
    id_key,
)
from services.notifier.stream import Entry


class Sink(Protocol):
    """A connection as the hub sees it: a bounded backlog."""

    def offer(self, frame: bytes) -> None:
        """Queue a frame without waiting; a full queue closes the connection (4008)."""

    def overflow(self) -> None:
        """The connection fell too far behind: close it with 4008."""

    async def put(self, frame: bytes) -> None:
        """Queue a frame, waiting for room (replay only: the caller is that connection)."""

    @property
    def queue_limit(self) -> int:
        """How many frames may wait before the connection counts as too slow."""


def _frame(room: str, entry: Entry) -> bytes:
    return encode(EventMessage(room, entry.offset, entry.topic, entry.event_id, entry.data))


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

    def __init__(self, reader: StreamReader, catch_up_seconds: float = 2.0) -> None:
        self.reader = reader
        self.catch_up_seconds = catch_up_seconds
        self.rooms: dict[str, dict[Sink, Subscription]] = {}

    @property
    def position(self) -> str:
        """Everything up to this ID was dispatched; everything after it will be."""
        return self.reader.position or ZERO

    def dispatch(self, entries: list[Entry]) -> None:
        """Fan a batch out to local subscribers (called by the reader, never awaits)."""
        delivered = 0
        for entry in entries:
            for room in entry.rooms:
                subs = self.rooms.get(room)
                if not subs:
                    continue
                frame = _frame(room, entry)
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

    async def _latest(self) -> None:
        """Let the reader reach the stream's newest entry, so ``offset`` is really the latest."""
        try:
            newest = await self.reader.stream.newest()
        except Exception:  # Redis is down: the reader's position is still a consistent seam
            return
        await self.reader.caught_up(newest, self.catch_up_seconds)

    async def _provable(self, since: str, epoch: str | None) -> bool:
        """Whether every event after ``since`` can be replayed (SPEC §8 ``recovered``)."""
        if epoch not in (None, self.reader.epoch) or self.reader.epoch is None:
            return False  # offsets of another incarnation prove nothing about this one
        if not self.reader.window.covers(id_key(since)):
            return False  # beyond the replay bound
        try:
            return since == ZERO or await self.reader.stream.holds(since)
        except Exception:  # continuity cannot be proven without Redis
            return False

    async def subscribe(self, sink: Sink, room: Room, since: str | None, epoch: str | None) -> None:
        """Join ``room``: reply ``subscribed``, replay after ``since`` if provable, then live."""
        self.remove(sink, room)
        await self._latest()
        sub = Subscription(sink, room)
        recovered = None if since is None else await self._provable(since, epoch)
        # No await from here until the replay starts: ``until``, the window's content and
        # membership are one instant, so every event is either replayed or live.
        until = self.position
        replay: list[Entry] = []
        if since is not None and recovered and self.reader.window.covers(id_key(since)):
            replay = self.reader.window.after(room, id_key(since), id_key(until))
            sub.pending = deque()
            sub.floor = id_key(since)
        else:
            recovered = None if since is None else False
        self._add(sub)
        sink.offer(encode(Subscribed(room.name, until, self.reader.epoch, recovered)))
        for entry in replay:
            await sink.put(_frame(room.name, entry))
        while sub.pending:
            await sink.put(sub.pending.popleft())
        sub.pending = None
