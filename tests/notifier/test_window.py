"""The pure pieces: the replay window's bounds and index, the epoch key's slot, the bucket."""

from __future__ import annotations

import msgspec
from redis.crc import key_slot

from services.notifier.access import TokenBucket
from services.notifier.schemas import Room, id_key
from services.notifier.stream import Entry, epoch_key
from services.notifier.window import ReplayWindow
from shared.settings import RateLimit

NOW = 1_800_000_000_000
INQUIRY = "3f1c8b8e-6a43-4c55-9d8f-0a4a1c0e7b21"


def _entry(ms: int, merchant: str, inquiry: str = INQUIRY) -> Entry:
    offset = f"{ms}-0"
    rooms = (f"inquiries:{merchant}", f"inquiries:{merchant}:{inquiry}")
    return Entry(offset, id_key(offset), "t", "e", rooms, msgspec.Raw(b"{}"))


def test_the_count_bound_drops_the_oldest_and_raises_the_floor() -> None:
    window = ReplayWindow(max_entries=3, max_age_seconds=3600)
    window.restart([], (0, 0))
    window.add([_entry(NOW + i, "a" if i % 2 else "b") for i in range(5)])
    assert len(window) == 3
    assert window.floor == (NOW + 1, 0)
    assert window.covers((NOW + 1, 0))
    assert not window.covers((NOW, 0))
    assert not window.covers((0, 0))


def test_the_age_bound_drops_old_entries() -> None:
    window = ReplayWindow(max_entries=100, max_age_seconds=10)
    window.restart([_entry(NOW - 20_000, "a"), _entry(NOW - 5_000, "a")], (0, 0))
    window.expire(now_ms=NOW)
    assert len(window) == 1
    assert window.floor == (NOW - 20_000, 0)


def test_a_room_replays_only_its_entries_in_range() -> None:
    window = ReplayWindow(max_entries=100, max_age_seconds=3600)
    other = "7d1c8b8e-6a43-4c55-9d8f-0a4a1c0e7b21"
    entries = [_entry(NOW, "a"), _entry(NOW + 1, "b"), _entry(NOW + 2, "a", other)]
    entries.append(_entry(NOW + 3, "a"))
    window.restart(entries, (0, 0))
    collection = Room("inquiries:a", "a", None)
    single = Room(f"inquiries:a:{INQUIRY}", "a", INQUIRY)
    assert [e.offset for e in window.after(collection, (0, 0), (NOW + 9, 0))] == [
        f"{NOW}-0",
        f"{NOW + 2}-0",
        f"{NOW + 3}-0",
    ]
    assert [e.offset for e in window.after(single, (NOW, 0), (NOW + 9, 0))] == [f"{NOW + 3}-0"]
    assert window.after(collection, (NOW, 0), (NOW + 2, 0))[0].offset == f"{NOW + 2}-0"
    assert window.after(Room("inquiries:c", "c", None), (0, 0), (NOW + 9, 0)) == []


def test_the_epoch_key_lives_in_the_stream_key_slot() -> None:
    for stream in ("outreach:inquiry:events", "events", "{tenant}:events", "a{b"):
        assert key_slot(epoch_key(stream).encode()) == key_slot(stream.encode()), stream


def test_the_bucket_allows_a_burst_then_refills() -> None:
    bucket = TokenBucket(RateLimit(3, 3600))
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert all(TokenBucket(RateLimit(0, 1)).take() for _ in range(100))
