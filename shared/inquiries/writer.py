"""Group commit for public submits: the one place they commit, keyed ones included.

Under load most of a submit's cost is its own transaction (round trips, driver overhead, a
commit). The writer lets requests that arrive while a commit is under way share the next one:
one write for all of them. At low load nothing waits: the first submit is written at once.
Each caller still gets its answer only after its rows are committed.

A batch without an ``Idempotency-Key`` (nearly all) is written on the pool's raw psycopg
connection in two round trips, whatever its size: BEGIN with the statements of
``repository.insert_new``, then COMMIT, without SQLAlchemy's per-statement machinery, which cost
~4 of the ~5 ms of CPU a lone submit's transaction took. A batch with a key runs in a
session transaction (``shared.inquiries.idempotency``): each key is claimed in the transaction
that stores its inquiry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import psycopg
import structlog
from prometheus_client import Histogram
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_sessionmaker, raw_connection
from shared.inquiries import repository
from shared.inquiries.changes import NewInquiry
from shared.inquiries.idempotency import IdempotencyClaim, IdempotencyKeys, Stored
from shared.outbox import TAKE_IF_FREE, Cursor

log = structlog.get_logger("writer")

_MAX_BATCH = 256
# Batches in flight at once: while one waits for its COMMIT (the disk), the next one's rows are
# already on their way; with one, throughput was bound by the database's round trips, not CPU.
_FLUSHERS = 2
BATCH_SIZE = Histogram(
    "inquiry_writer_batch_size",
    "Inquiries committed together by one group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)


class _Waiting(msgspec.Struct):
    inquiry: NewInquiry
    claim: IdempotencyClaim | None
    done: asyncio.Future[Stored]


class InquiryWriter:
    """Writes new inquiries in shared transactions; ``write`` returns once committed."""

    def __init__(
        self,
        engine: AsyncEngine,
        after_commit: Callable[[], None],
        publish: Callable[[psycopg.AsyncConnection[Any], Cursor], Awaitable[None]] | None = None,
    ) -> None:
        """``after_commit`` wakes the outbox relay; ``publish`` (``OutboxRelay.publish_taken``)
        publishes what a lone batch's COMMIT took."""
        self._engine = engine
        self._publish = publish
        self._publishing: set[asyncio.Task[None]] = set()
        self._sessions = create_sessionmaker(engine)
        self._after_commit = after_commit
        self._waiting: list[_Waiting] = []
        self._flushers: set[asyncio.Task[None]] = set()
        self._keys = IdempotencyKeys()

    async def write(self, inquiry: NewInquiry, claim: IdempotencyClaim | None = None) -> Stored:
        """Store ``inquiry`` (with its audit entry and event) unless ``claim``'s key is held.

        Returns what the submit answers with; raises what its commit raised, or 422 for a key
        held by another body.
        """
        done: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(inquiry, claim, done))
        if len(self._flushers) < _FLUSHERS:
            flusher = asyncio.create_task(self._flush_all(), name="inquiry-writer")
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        return await done

    async def _flush_all(self) -> None:
        while self._waiting:
            batch = self._waiting[:_MAX_BATCH]
            del self._waiting[:_MAX_BATCH]
            await self._flush(batch)

    async def _flush(self, batch: list[_Waiting]) -> None:
        try:
            if not any(waiting.claim is not None for waiting in batch):
                await self._write_unkeyed(batch)
                return
            async with self._sessions() as session, session.begin():
                answers = await self._keys.write(session, [(w.inquiry, w.claim) for w in batch])
            self._after_commit()
        except (IntegrityError, DataError) as exc:
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            # A row the database refuses must fail its own request only: write each alone.
            for waiting in batch:
                await self._flush([waiting])
            return
        except Exception as exc:  # noqa: BLE001 - the database is unreachable: handed to every waiting request
            if all(waiting.done.done() for waiting in batch):
                log.warning("after a committed batch", error=str(exc))  # answered already
                return
            # Those queued behind this batch fail now too: the next flush would only wait out
            # the same database deadline again, and each submit's wait must stay bounded.
            queued = self._waiting[:]
            self._waiting.clear()
            for waiting in batch + queued:
                _settle(waiting, exc)
            return
        self._committed(batch, answers)

    def _committed(self, batch: list[_Waiting], answers: list[Stored | Exception]) -> None:
        BATCH_SIZE.observe(len(batch))
        for waiting, answer in zip(batch, answers, strict=True):
            _settle(waiting, answer)

    async def _write_unkeyed(self, batch: list[_Waiting]) -> None:
        """What ``store`` writes, in two round trips: BEGIN with the statements, then COMMIT.

        Returns once committed; when the batch's COMMIT carried the relay's take, publishing
        goes on in a task of its own, so a slow stream or database never holds the next batch.
        """
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._write_then_publish(batch, committed))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)
        await committed

    async def _write_then_publish(
        self, batch: list[_Waiting], committed: asyncio.Future[None]
    ) -> None:
        inquiries = [waiting.inquiry for waiting in batch]
        try:
            async with raw_connection(self._engine, autocommit=True) as pg:
                await repository.insert_new(pg, inquiries, begin=True)
                # The COMMIT is not in the first message: were the database to freeze with that
                # one unanswered, the submits would get their 503 and the rows would commit on
                # thaw.
                if self._waiting or self._publish is None:
                    await pg.execute(b"COMMIT")  # others wait: the relay loop publishes
                    self._answer(batch, inquiries, committed)
                    return
                # No one waits: the relay's take rides with the COMMIT, and this batch's events
                # are published from here (a round trip and a wake-up of the relay loop less).
                try:
                    cursor = await pg.execute(b"COMMIT; " + TAKE_IF_FREE)
                except psycopg.Error:
                    if pg.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
                        raise  # the COMMIT failed
                    self._answer(batch, inquiries, committed)  # in the take's transaction
                    return
                self._answer(batch, inquiries, committed, wake=False)
                await self._publish(pg, cursor)
        except Exception as exc:  # noqa: BLE001 - handed to the flush, which answers the batch
            if not committed.done():
                committed.set_exception(exc)

    async def close(self) -> None:
        """Wait for the events being published by batches (bounded by the database deadline)."""
        await asyncio.gather(*self._publishing, return_exceptions=True)

    def _answer(
        self,
        batch: list[_Waiting],
        inquiries: list[NewInquiry],
        committed: asyncio.Future[None],
        *,
        wake: bool = True,
    ) -> None:
        # Committed (synchronous_commit on): durable now.
        self._committed(batch, [Stored(i.id, i.created_at) for i in inquiries])
        committed.set_result(None)
        if wake:
            self._after_commit()


def _settle(waiting: _Waiting, outcome: Stored | Exception) -> None:
    if waiting.done.done():  # the client went away; its rows are stored all the same
        return
    if isinstance(outcome, Exception):
        waiting.done.set_exception(outcome)
    else:
        waiting.done.set_result(outcome)
