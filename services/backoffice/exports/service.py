"""CSV export of a filtered listing, streamed chunk by chunk in constant memory."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.backoffice.exports import repository
from services.backoffice.inquiries.repository import Filters

_CHUNK_ROWS = 1000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def filename(merchant_id: str) -> str:
    """``inquiries-<merchant>-<YYYY-MM-DD>.csv``, dated in UTC (merchant ids are file-safe)."""
    return f"inquiries-{merchant_id}-{datetime.now(UTC).date().isoformat()}.csv"


def cell(value: object) -> str:
    """One CSV cell: empty for null, RFC 3339 times, JSON objects, formula starts defused."""
    if isinstance(value, str):  # most cells: checked first
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, datetime | dict):
        text = msgspec.json.encode(value).decode().strip('"')
    elif isinstance(value, uuid.UUID | int):
        return str(value)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


async def csv_chunks(
    sessions: async_sessionmaker[AsyncSession], filters: Filters, *, newest_first: bool
) -> AsyncIterator[bytes]:
    """The header row, then the matching inquiries, as UTF-8 CSV, a thousand rows per chunk.

    It reads in a transaction of its own: the response streams after the request's has ended.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(repository.HEADER)
    async with sessions() as session, session.begin():
        async for rows in repository.matching_rows(
            session, filters, newest_first=newest_first, chunk=_CHUNK_ROWS
        ):
            writer.writerows([cell(value) for value in row] for row in rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():  # nothing matched: the header alone
        yield buffer.getvalue().encode()
