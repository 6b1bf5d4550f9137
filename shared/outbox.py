"""The transactional outbox: events are written with their change, appended to Redis after commit.

``enqueue`` runs inside the request's transaction. ``OutboxRelay`` is the only code that appends
to the stream: it is woken right after a commit that wrote an outbox row, and also polls, so rows
left behind while Redis was down (or by a crashed instance) go out as soon as Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import psycopg
import structlog
from prometheus_client import Counter, Gauge
from redis.exceptions import RedisError
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.background import BackgroundLoop
from shared.db import OUTBOX_WRITTEN, raw_connection
from shared.events import Event, to_stream_fields
from shared.models import OUTBOX, OUTBOX_STREAMS
from shared.redis import RedisClient
from shared.settings import RedisSettings

log = structlog.get_logger("outbox")

PUBLISHED = Counter("outbox_published_total", "Events appended to the Redis stream")
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed attempts to append a batch")
PENDING = Gauge("outbox_pending", "Outbox rows seen waiting at the last relay pass")
FOREIGN_STREAMS = Gauge(
    "outbox_foreign_streams", "Live relays on this database that publish to another stream"
)

_BATCH = 500  # rows per pass (the LIMIT in _TAKE)
# Every relay records the stream it publishes to this often; a record this recent is a live peer.
_ANNOUNCE_SECONDS = 10.0
_PEER_ALIVE = "30 seconds"
# The relay pass, on the pool's raw psycopg connection: every submit at everyday load pays for
# one, so ORM machinery and extra round trips here cost as much as the submit's own write.
# Constants only, so the four statements go as one simple query: one round trip. The commit
# need not wait for the disk: a delete lost in a crash only publishes its rows again (at least
# once; consumers dedupe by event_id).
# One relay publishes at a time across all instances (the advisory lock, 0x1A7E0B0C), so the
# stream keeps commit order.
_OLDEST = b"id IN (SELECT id FROM outbox ORDER BY id LIMIT 500) "
_RETURNING = b"RETURNING id, topic, event_id, merchant_id, inquiry_id, occurred_at, data"
_BEGIN = b"BEGIN; SET LOCAL synchronous_commit = off; "
_TAKE = (
    _BEGIN
    + b"SELECT pg_advisory_xact_lock(444467980); DELETE FROM outbox WHERE "
    + _OLDEST
    + _RETURNING
)
#: The same pass, sent by a writer right after its COMMIT in the same message (see
#: ``publish_taken``); it takes nothing rather than wait for a relay that holds the lock.
TAKE_IF_FREE = (
    _BEGIN + b"DELETE FROM outbox WHERE pg_try_advisory_xact_lock(444467980) AND " + _OLDEST
) + _RETURNING
Taken = list[tuple[Any, ...]]
Cursor = psycopg.AsyncCursor[tuple[Any, ...]]


def event_row(event: Event) -> dict[str, Any]:
    """The ``outbox`` row of an event."""
    return {
        "event_id": event.event_id,
        "topic": event.topic,
        "merchant_id": event.merchant_id,
        "inquiry_id": event.inquiry_id,
        "occurred_at": event.occurred_at,
        "data": event.data,
    }


async def enqueue(session: AsyncSession, *events: Event) -> None:
    """Write ``events`` to the outbox inside the caller's transaction."""
    if not events:
        return
    await session.execute(insert(OUTBOX), [event_row(event) for event in events])
    session.info[OUTBOX_WRITTEN] = True


class OutboxRelay(BackgroundLoop):
    """Moves committed outbox rows to the Redis stream, oldest first, at least once."""

    task_name = "outbox-relay"

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        redis: RedisClient,
        settings: RedisSettings,
        poll_seconds: float = 0.5,
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._redis = redis
        self._settings = settings
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._failing = False  # so an outage is logged once, not once per retry
        self._announce_at = 0.0
        self._foreign: set[str] = set()

    def wake(self) -> None:
        """Ask for a pass now (called after a commit that wrote outbox rows)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()
            try:
                if time.monotonic() >= self._announce_at:
                    await self.announce()
                while await self.publish_pending() == _BATCH:
                    pass  # a full batch: more may be waiting
            except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
                self._note_failure(exc)

    async def announce(self) -> None:
        """Record the stream this relay publishes to; shout if live peers publish elsewhere.

        Relays share the outbox, so one with another ``REDIS_URL`` or ``STREAM_KEY`` would
        quietly take its peers' events to a stream their notifiers never read. The stream's
        identity is a random marker kept in Redis beside it: the same Redis reached by two
        host names is one stream, a different Redis is another.
        """
        marker_key = f"{self._settings.stream_key}:relay-identity"
        await self._redis.set(marker_key, uuid.uuid4().hex, nx=True)
        marker = await self._redis.get(marker_key)
        if isinstance(marker, bytes):
            marker = marker.decode()
        identity = f"{self._settings.stream_key}@{marker}"
        async with self._sessions() as session, session.begin():
            record = upsert(OUTBOX_STREAMS).values(identity=identity, destination=self._destination)
            await session.execute(
                record.on_conflict_do_update(
                    index_elements=["identity"],
                    set_={"destination": self._destination, "seen_at": func.now()},
                )
            )
            peers = await session.execute(
                select(OUTBOX_STREAMS.c.destination).where(
                    OUTBOX_STREAMS.c.identity != identity,
                    OUTBOX_STREAMS.c.seen_at > func.now() - text(f"interval '{_PEER_ALIVE}'"),
                )
            )
            foreign = set(peers.scalars())
        self._announce_at = time.monotonic() + _ANNOUNCE_SECONDS
        FOREIGN_STREAMS.set(len(foreign))
        if foreign - self._foreign:
            log.error(
                "outbox relays on this database publish to different streams: check REDIS_URL "
                "and STREAM_KEY of every instance",
                ours=self._destination,
                theirs=sorted(foreign),
            )
        self._foreign = foreign

    @property
    def _destination(self) -> str:
        """Where this relay publishes, without credentials (for people reading the log)."""
        url = urlsplit(self._settings.redis_url)
        where = url.path if url.scheme == "unix" else f"{url.hostname}:{url.port or 6379}{url.path}"
        return f"{url.scheme}://{where} {self._settings.stream_key}"

    async def publish_pending(self) -> int:
        """Append one batch of pending rows to the stream and delete them; return how many.

        The rows are deleted first and the deletion commits only after Redis took them: if the
        append fails, the rollback puts them back for the next pass.
        """
        async with raw_connection(self._engine, autocommit=True) as pg:
            taken = await pg.execute(_TAKE)
            while taken.nextset():
                pass  # to the DELETE's rows
            rows = await taken.fetchall()
            await self._publish(pg, rows)
        return len(rows)

    async def publish_taken(self, pg: psycopg.AsyncConnection[Any], cursor: Cursor) -> None:
        """Publish the rows a writer's :data:`TAKE_IF_FREE` took on ``pg`` (its last result).

        None taken (another relay held the lock, or took them): a pass of the loop follows. A
        failure is the loop's to retry: the take rolls back when ``pg`` goes back to the pool.
        """
        while cursor.nextset():
            pass  # to the DELETE's rows
        rows = await cursor.fetchall()
        if not rows:
            self.wake()
        try:
            await self._publish(pg, rows)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            self._note_failure(exc)
            self.wake()

    async def _publish(self, pg: psycopg.AsyncConnection[Any], rows: Taken) -> None:
        """Append taken rows to the stream, then commit their deletion (else it rolls back)."""
        PENDING.set(len(rows))
        if not rows:
            await pg.execute(b"ROLLBACK")
            return
        rows.sort(key=lambda row: int(row[0]))
        await self._append([_event_of(row) for row in rows])
        await pg.execute(b"COMMIT")
        PUBLISHED.inc(len(rows))
        if self._failing:
            log.info("outbox relay recovered", published=len(rows))
            self._failing = False

    async def _append(self, events: list[Event]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(
                    self._settings.stream_key,
                    to_stream_fields(event),  # type: ignore[arg-type]
                    maxlen=self._settings.stream_maxlen,
                    approximate=True,
                )
            await pipe.execute()

    def _note_failure(self, exc: Exception) -> None:
        PUBLISH_FAILURES.inc()
        if not self._failing:
            self._failing = True
            reason = "redis unavailable" if isinstance(exc, RedisError | OSError) else "error"
            log.warning("outbox publish failed; rows stay queued", reason=reason, error=str(exc))


def _event_of(row: tuple[Any, ...]) -> Event:
    _, topic, event_id, merchant_id, inquiry_id, occurred_at, data = row
    return Event(topic, event_id, merchant_id, inquiry_id, occurred_at, data)
