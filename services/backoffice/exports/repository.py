"""SQL of the export: the listing's filters, read through a server-side cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries.repository import OVERDUE, Filters, conditions
from shared.models import Inquiry

#: The exported columns, in order; their names are the CSV header.
COLUMNS = (
    Inquiry.id,
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
    Inquiry.source,
    Inquiry.assignee_id,
    Inquiry.assigned_at,
    Inquiry.assigned_by,
    Inquiry.last_reply_message,
    Inquiry.replied_by,
    Inquiry.replied_at,
    Inquiry.first_replied_at,
    Inquiry.converted_at,
    Inquiry.lost_at,
    Inquiry.lost_reason,
    Inquiry.lost_note,
    Inquiry.is_spam,
    Inquiry.due_at,
    OVERDUE.label("overdue"),
    Inquiry.duplicate_of,
    Inquiry.created_at,
    Inquiry.updated_at,
    Inquiry.version,
)
HEADER = [column.key for column in COLUMNS]


async def matching_rows(
    session: AsyncSession, filters: Filters, *, newest_first: bool, chunk: int
) -> AsyncIterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Every matching inquiry in ``created_at`` order, ``chunk`` rows at a time.

    The rows come through a server-side cursor, so however many match, only one chunk is held.
    """
    order = (
        (Inquiry.created_at.desc(), Inquiry.id.desc())
        if newest_first
        else (
            Inquiry.created_at.asc(),
            Inquiry.id.asc(),
        )
    )
    statement = select(*COLUMNS).where(*conditions(filters)).order_by(*order)
    result = await session.stream(statement.execution_options(yield_per=chunk))
    async for rows in result.partitions():
        yield rows
