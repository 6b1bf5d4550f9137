"""CSV export of a filtered listing, streamed block by block in constant memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.backoffice.exports import repository
from services.backoffice.inquiries.repository import Filters


def filename(merchant_id: str) -> str:
    """``inquiries-<merchant>-<YYYY-MM-DD>.csv``, dated in UTC (merchant ids are file-safe)."""
    return f"inquiries-{merchant_id}-{datetime.now(UTC).date().isoformat()}.csv"


async def csv_chunks(
    sessions: async_sessionmaker[AsyncSession], filters: Filters, *, newest_first: bool
) -> AsyncIterator[bytes]:
    """The header row, then the matching inquiries, as UTF-8 CSV, its first block read already.

    The first block is read before the response starts, so a query the database refuses (or a
    database that is down) is an error status, not a 200 whose body breaks off. It reads in a
    transaction of its own: the response streams after the request's transaction has ended.
    """
    blocks = _blocks(sessions, filters, newest_first=newest_first)
    first = await anext(blocks)

    async def chunks() -> AsyncIterator[bytes]:
        yield first
        async for block in blocks:
            yield block

    return chunks()


async def _blocks(
    sessions: async_sessionmaker[AsyncSession], filters: Filters, *, newest_first: bool
) -> AsyncIterator[bytes]:
    async with sessions() as session, session.begin():
        async for block in repository.csv_blocks(session, filters, newest_first=newest_first):
            yield block
