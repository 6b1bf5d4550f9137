"""SQL of the export: PostgreSQL writes the CSV itself (``COPY ... TO STDOUT``), streamed.

Formatting 200k rows cell by cell in Python costs seconds of CPU; ``COPY`` does it in C on the
database side, and the rows arrive one by one, so memory stays flat however many match.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import ColumnElement, String, Text, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries.repository import OVERDUE, Filters, conditions
from shared.models import Inquiry

# A spreadsheet runs a cell starting with = + - @ tab or CR as a formula (CSV injection).
_FORMULA_START = "^[-=+@\t\r]"


def _defused(column: Any) -> ColumnElement[str]:
    """Text prefixed with ``'`` when a spreadsheet would take it for a formula."""
    text = cast(column, Text)
    return case((text.regexp_match(_FORMULA_START), literal("'") + text), else_=text)


def _utc(column: Any) -> ColumnElement[str]:
    """RFC 3339 in UTC, as the JSON API writes times."""
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')


_TEXT = (
    Inquiry.merchant_id,
    Inquiry.type,
    Inquiry.status,
    Inquiry.name,
    Inquiry.email,
    Inquiry.phone,
    Inquiry.business_name,
    Inquiry.business_size,
    Inquiry.industry,
    Inquiry.website,
    Inquiry.country,
    Inquiry.subject,
    Inquiry.message,
    Inquiry.locale,
)
_ASSIGNMENT = (Inquiry.assignee_id, Inquiry.assigned_by, Inquiry.last_reply_message)
_OUTCOME = (Inquiry.replied_by, Inquiry.lost_reason, Inquiry.lost_note)
_TIMES = (
    Inquiry.assigned_at,
    Inquiry.replied_at,
    Inquiry.first_replied_at,
    Inquiry.converted_at,
    Inquiry.lost_at,
    Inquiry.due_at,
    Inquiry.created_at,
    Inquiry.updated_at,
)

#: The exported columns, in order: each labelled with its field name (the CSV header).
COLUMNS: tuple[ColumnElement[Any], ...] = (
    Inquiry.id.label("id"),
    *(_defused(c).label(c.key) for c in (*_TEXT, *_ASSIGNMENT, *_OUTCOME)),
    cast(Inquiry.source, String).label("source"),
    cast(Inquiry.is_spam, String).label("is_spam"),
    cast(OVERDUE, String).label("overdue"),
    Inquiry.duplicate_of.label("duplicate_of"),
    *(_utc(c).label(c.key) for c in _TIMES),
    Inquiry.version.label("version"),
)
HEADER = [column.key for column in COLUMNS]
_BLOCK_BYTES = 64 * 1024


async def csv_blocks(
    session: AsyncSession, filters: Filters, *, newest_first: bool
) -> AsyncIterator[bytes]:
    """The header and every matching inquiry as CSV, in blocks of about 64 KiB."""
    order = (
        (Inquiry.created_at.desc(), Inquiry.id.desc())
        if newest_first
        else (Inquiry.created_at.asc(), Inquiry.id.asc())
    )
    query = select(*COLUMNS).where(*conditions(filters)).order_by(*order)
    connection = await session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # psycopg's AsyncConnection
    # psycopg merges the parameters client-side, escaped: COPY takes no bound parameters.
    statement = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, HEADER)"
    block = bytearray()
    async with driver.cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        async for row in copy:  # one CSV line per item
            block += row
            if len(block) >= _BLOCK_BYTES:
                yield bytes(block)
                block.clear()
    yield bytes(block)
