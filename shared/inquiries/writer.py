"""Group commit for new inquiries: concurrent submits share one transaction and one commit.

Under load most of a submit's cost is its own transaction (round trips, driver overhead, a
commit). The writer lets requests that arrive while a commit is under way share the next one:
one multi-row INSERT per table. At low load nothing waits: the first submit is written at once.
Each caller still gets its answer only after its rows are committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import Histogram
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.inquiries.service import NewInquiry, store

_MAX_BATCH = 256
BATCH_SIZE = Histogram(
    "inquiry_writer_batch_size",
    "Inquiries committed together by one group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
Waiting = tuple[NewInquiry, "asyncio.Future[None]"]


class InquiryWriter:
    """Writes new inquiries in shared transactions; ``write`` returns once committed."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], after_commit: Callable[[], None]
    ) -> None:
        self._sessions = sessions
        self._after_commit = after_commit
        self._waiting: list[Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, inquiry: NewInquiry) -> None:
        """Store ``inquiry`` (with its audit entry and event); raise what its commit raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((inquiry, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all(), name="inquiry-writer")
        await done

    async def _flush_all(self) -> None:
        while self._waiting:
            batch = self._waiting[:_MAX_BATCH]
            del self._waiting[:_MAX_BATCH]
            await self._flush(batch)

    async def _flush(self, batch: list[Waiting]) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await store(session, [inquiry for inquiry, _ in batch])
        except (IntegrityError, DataError) as exc:
            if len(batch) == 1:
                _settle(batch, exc)
                return
            # A row the database refuses must fail its own request only: write each alone.
            for waiting in batch:
                await self._flush([waiting])
            return
        except Exception as exc:  # the database is unreachable: every waiting request fails
            # Those queued behind this batch fail now too: the next flush would only wait out
            # the same database deadline again, and each submit's wait must stay bounded.
            queued = self._waiting[:]
            self._waiting.clear()
            _settle(batch + queued, exc)
            return
        BATCH_SIZE.observe(len(batch))
        self._after_commit()
        _settle(batch, None)


def _settle(batch: list[Waiting], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():  # the client went away; its rows are stored all the same
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
