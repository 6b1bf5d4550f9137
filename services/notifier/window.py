"""The replay window: the stream's recent entries, indexed by merchant, for ``since``."""

from __future__ import annotations

import time
from collections import deque

from services.notifier.schemas import Room, StreamId
from services.notifier.stream import Entry
from shared.events import collection_room


class ReplayWindow:
    """At most ``max_entries`` of the newest entries, none older than ``max_age_seconds``.

    Every entry after ``floor`` is here (``floor`` is ``(0, 0)`` while the window holds the
    stream from its start), so a ``since`` at or after ``floor`` can be replayed from memory.
    Entries are indexed by their merchant's collection room: a replay walks that merchant's
    entries only, whatever the rest of the stream holds.
    """

    def __init__(self, max_entries: int, max_age_seconds: float) -> None:
        self.max_entries = max_entries
        self.max_age_ms = int(max_age_seconds * 1000)
        self.floor: StreamId = (0, 0)
        self._all: deque[Entry] = deque()
        self._by_merchant: dict[str, deque[Entry]] = {}

    def __len__(self) -> int:
        return len(self._all)

    def restart(self, entries: list[Entry], floor: StreamId) -> None:
        """Hold ``entries`` (oldest first), everything after ``floor``, and nothing else."""
        self._all.clear()
        self._by_merchant.clear()
        self.floor = floor
        self.add(entries)

    def add(self, entries: list[Entry]) -> None:
        """Append entries just read (in stream order), dropping what falls out of the bounds."""
        for entry in entries:
            self._all.append(entry)
            self._by_merchant.setdefault(entry.rooms[0], deque()).append(entry)
        self.expire()

    def expire(self, now_ms: int | None = None) -> None:
        """Drop the oldest entries beyond the count or older than the age bound."""
        cutoff = (time.time_ns() // 1_000_000 if now_ms is None else now_ms) - self.max_age_ms
        entries = self._all
        while entries and (len(entries) > self.max_entries or entries[0].key[0] < cutoff):
            gone = entries.popleft()
            # The oldest of all is the oldest of its merchant: the left end of that deque.
            merchant = self._by_merchant[gone.rooms[0]]
            merchant.popleft()
            if not merchant:
                del self._by_merchant[gone.rooms[0]]
            self.floor = gone.key

    def covers(self, since: StreamId) -> bool:
        """Whether every entry after ``since`` is still here."""
        self.expire()
        return since >= self.floor

    def after(self, room: Room, since: StreamId, until: StreamId) -> list[Entry]:
        """The room's entries with ``since < ID <= until``, oldest first."""
        found: list[Entry] = []
        for entry in reversed(self._by_merchant.get(collection_room(room.merchant_id), ())):
            if entry.key <= since:
                break
            if entry.key <= until and room.name in entry.rooms:
                found.append(entry)
        found.reverse()
        return found
