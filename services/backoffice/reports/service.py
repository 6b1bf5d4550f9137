"""The lead-operations parts of ``stats``: SLA outcome, and trends with empty buckets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries.repository import Filters
from services.backoffice.reports import repository
from services.backoffice.reports.schemas import Interval, SlaOut, TrendBucket
from shared.errors import BadRequest, FieldError

#: Beyond this many buckets a series is refused (a decade of days would be a huge answer).
MAX_BUCKETS = 1000
_UNIT = {"day": timedelta(days=1), "week": timedelta(weeks=1)}


async def sla(session: AsyncSession, filters: Filters) -> SlaOut:
    """How the matching inquiries fared against their first-response deadline."""
    return SlaOut(**(await repository.sla(session, filters))._mapping)


def _range(
    start: datetime | None, end: datetime | None, interval: Interval
) -> tuple[datetime, datetime]:
    """``from`` and ``to`` of a series: both required, in order, and not too many buckets."""
    if start is None or end is None:
        pairs = (("from", start), ("to", end))
        missing = [FieldError(name, "is required with interval") for name, v in pairs if v is None]
        raise BadRequest("from and to are required with interval", errors=missing)
    if start >= end:
        raise BadRequest(
            "from: must be before to", errors=[FieldError("from", "must be before to")]
        )
    if (end - start) / _UNIT[interval] > MAX_BUCKETS:
        message = f"spans more than {MAX_BUCKETS} {interval}s; narrow the range"
        raise BadRequest(f"to: {message}", errors=[FieldError("to", message)])
    return start, end


async def series(
    session: AsyncSession,
    filters: Filters,
    interval: Interval,
    start: datetime | None,
    end: datetime | None,
) -> list[TrendBucket]:
    """Per UTC day or week from ``from`` to ``to``: submitted, first replied, converted, lost,
    and the median seconds to first reply of the inquiries submitted in it."""
    start, end = _range(start, end, interval)
    rows = await repository.series(session, filters, interval, start, end)
    return [TrendBucket(**row._mapping) for row in rows]
