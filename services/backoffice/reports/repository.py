"""SQL of the lead-operations stats: SLA outcome and per-bucket trends, computed in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries.repository import OVERDUE, Filters, conditions
from shared.models import Inquiry

_REPLY_SECONDS = func.extract("epoch", Inquiry.first_replied_at - Inquiry.created_at)
# generate_series includes its end: stop just before ``to`` (the range is half-open).
_JUST_BEFORE = timedelta(microseconds=1)


async def sla(session: AsyncSession, filters: Filters) -> Row[*tuple[Any, ...]]:
    """``met``, ``missed`` and ``open_overdue`` over the matching inquiries."""
    replied = Inquiry.first_replied_at
    statement = select(
        func.count().filter(replied <= Inquiry.due_at).label("met"),
        func.count().filter(replied > Inquiry.due_at).label("missed"),
        func.count().filter(replied.is_(None), OVERDUE).label("open_overdue"),
    ).where(*conditions(filters))
    return (await session.execute(statement)).one()


async def series(
    session: AsyncSession, filters: Filters, unit: str, start: datetime, end: datetime
) -> Sequence[Row[*tuple[Any, ...]]]:
    """One row per UTC ``unit`` (day, or ISO week from Monday) from ``start`` to ``end``,
    empty buckets included, describing the matching inquiries created in it."""
    step = func.make_interval(0, 0, 1 if unit == "week" else 0, 1 if unit == "day" else 0)
    first = func.date_trunc(literal(unit), literal(start), literal("UTC"))
    buckets = select(
        func.generate_series(first, literal(end - _JUST_BEFORE), step).label("start")
    ).subquery("buckets")
    bucket_of = func.date_bin(step, Inquiry.created_at, first)
    totals = (
        select(
            bucket_of.label("start"),
            func.count().label("submitted"),
            func.count(Inquiry.first_replied_at).label("first_replied"),
            func.count().filter(Inquiry.status == "CONVERTED").label("converted"),
            func.count().filter(Inquiry.status == "LOST").label("lost"),
            func.percentile_cont(0.5)
            .within_group(_REPLY_SECONDS)
            .label("first_reply_median_seconds"),
        )
        .where(*conditions(filters))
        .group_by(bucket_of)
        .subquery("totals")
    )
    zero = literal(0)
    statement = (
        select(
            buckets.c.start,
            func.coalesce(totals.c.submitted, zero).label("submitted"),
            func.coalesce(totals.c.first_replied, zero).label("first_replied"),
            func.coalesce(totals.c.converted, zero).label("converted"),
            func.coalesce(totals.c.lost, zero).label("lost"),
            totals.c.first_reply_median_seconds,
        )
        .select_from(buckets.outerjoin(totals, totals.c.start == buckets.c.start))
        .order_by(buckets.c.start)
    )
    return (await session.execute(statement)).all()
