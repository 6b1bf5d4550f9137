"""Stream access: entry decoding, the epoch key, and the non-blocking queries."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import structlog
from redis.crc import key_slot

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


def entries_of(rows: Any) -> list[Entry]:
    """The entries of an XREAD/XRANGE reply that this contract covers."""
    return [e for e in (to_entry(i, f) for i, f in rows) if e is not None]


class Recent(msgspec.Struct, frozen=True):
    """The stream's newest entries (oldest first), the newest ID left out, the newest ID."""

    entries: list[Entry]
    left_out: str  # ``0-0`` when nothing was: the entries are the whole stream
    newest: str


def epoch_key(stream_key: str) -> str:
    """The key beside the stream that holds its epoch, in the stream's Redis Cluster slot.

    In one slot, a cluster node that restarts empty loses both together. An untagged key
    hashes whole, so braces around it give the same slot; a tagged one keeps its tag.
    """
    slot = key_slot(stream_key.encode())
    for candidate in (f"{{{stream_key}}}:epoch", f"{stream_key}:epoch"):
        if key_slot(candidate.encode()) == slot:
            return candidate
    return f"{stream_key}:epoch"  # braces that are no tag: no name shares its slot simply


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
        value: bytes | str | None = await self.redis.get(self.epoch_key)
        if value is None:
            await self.redis.set(self.epoch_key, uuid.uuid4().hex, nx=True)
            value = await self.redis.get(self.epoch_key)
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

    async def recent(self, limit: int, oldest_ms: int, page: int) -> Recent:
        """The newest entries, at most ``limit`` and none older than ``oldest_ms``."""
        kept: list[Entry] = []
        newest = ZERO
        cursor = "+"
        while True:
            rows: Any = await self.redis.xrevrange(self.key, max=cursor, min="-", count=page)
            if not rows:
                kept.reverse()
                return Recent(kept, ZERO, newest)
            if newest == ZERO:
                newest = rows[0][0].decode()
            for entry_id, fields in rows:
                offset = entry_id.decode()
                if len(kept) >= limit or id_key(offset)[0] < oldest_ms:
                    kept.reverse()
                    return Recent(kept, offset, newest)
                entry = to_entry(offset, fields)
                if entry is not None:
                    kept.append(entry)
            cursor = f"({rows[-1][0].decode()}"
