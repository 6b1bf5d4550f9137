"""SQL of the backoffice reads: filtered listings, counts, stats, the audit trail.

The writes' SQL is ``shared.inquiries.repository``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, and_, func, not_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Inquiry, InquiryEvent


class Filters(msgspec.Struct, frozen=True):
    """What a listing, a count or the stats are narrowed to."""

    merchant_id: str
    status: str | None = None
    assignee_id: str | None = None
    type: str | None = None
    q: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_spam: bool = False
    overdue: bool | None = None
    duplicate_of: uuid.UUID | None = None


#: Still waiting for a first reply after its deadline (SPEC §13).
OVERDUE = and_(Inquiry.status.in_(("NEW", "ASSIGNED")), Inquiry.due_at < func.now())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Inquiry.merchant_id == filters.merchant_id,
        Inquiry.deleted_at.is_(None),
    ]
    if not filters.include_spam:
        where.append(Inquiry.is_spam.is_(False))
    if filters.status is not None:
        where.append(Inquiry.status == filters.status)
    if filters.assignee_id is not None:
        where.append(Inquiry.assignee_id == filters.assignee_id)
    if filters.type is not None:
        where.append(Inquiry.type == filters.type)
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        columns = (Inquiry.name, Inquiry.email, Inquiry.business_name, Inquiry.subject)
        where.append(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    if filters.created_after is not None:
        where.append(Inquiry.created_at >= filters.created_after)
    if filters.created_before is not None:
        where.append(Inquiry.created_at < filters.created_before)
    if filters.overdue is not None:
        where.append(OVERDUE if filters.overdue else not_(OVERDUE))
    if filters.duplicate_of is not None:
        where.append(Inquiry.duplicate_of == filters.duplicate_of)
    return where


async def find_page(
    session: AsyncSession,
    filters: Filters,
    *,
    newest_first: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Inquiry]:
    """Up to ``limit`` inquiries after the keyset position ``after`` in (created_at, id) order."""
    statement = select(Inquiry).where(*conditions(filters))
    key = tuple_(Inquiry.created_at, Inquiry.id)
    if after is not None:
        statement = statement.where(key < tuple_(*after) if newest_first else key > tuple_(*after))
    if newest_first:
        statement = statement.order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    else:
        statement = statement.order_by(Inquiry.created_at.asc(), Inquiry.id.asc())
    return (await session.execute(statement.limit(limit))).scalars().all()


async def count(session: AsyncSession, filters: Filters) -> int:
    """How many inquiries match ``filters``."""
    statement = select(func.count()).select_from(Inquiry).where(*conditions(filters))
    return int((await session.execute(statement)).scalar_one())


async def stats(session: AsyncSession, filters: Filters) -> tuple[dict[str, int], Any, Any]:
    """Counts per status, and the median and p90 seconds from submit to first reply."""
    where = conditions(filters)
    counts = {
        row.status: int(row.n)
        for row in await session.execute(
            select(Inquiry.status, func.count().label("n")).where(*where).group_by(Inquiry.status)
        )
    }
    seconds = func.extract("epoch", Inquiry.first_replied_at - Inquiry.created_at)
    row = (
        await session.execute(
            select(
                func.percentile_cont(0.5).within_group(seconds).label("median"),
                func.percentile_cont(0.9).within_group(seconds).label("p90"),
            ).where(*where, Inquiry.first_replied_at.is_not(None))
        )
    ).one()
    return counts, row.median, row.p90


async def events_of(session: AsyncSession, inquiry_id: uuid.UUID) -> Sequence[InquiryEvent]:
    """The audit trail of one inquiry, oldest first."""
    statement = (
        select(InquiryEvent)
        .where(InquiryEvent.inquiry_id == inquiry_id)
        .order_by(InquiryEvent.at, InquiryEvent.id)
    )
    return (await session.execute(statement)).scalars().all()
