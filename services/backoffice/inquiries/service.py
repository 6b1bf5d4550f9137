"""Backoffice reads: find, count, stats, one inquiry and its audit trail (writes: ``actions``)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries import repository
from services.backoffice.inquiries.repository import Filters
from services.backoffice.inquiries.schemas import (
    AuditEventOut,
    CountOut,
    FirstReply,
    InquiryPage,
    StatsOut,
    inquiry_out,
)
from services.backoffice.reports import service as reports
from services.backoffice.reports.schemas import Interval
from shared.errors import BadRequest, FieldError
from shared.inquiries.labels import STATUSES
from shared.inquiries.writes import load
from shared.models import Inquiry


def encode_cursor(row: Inquiry, newest_first: bool) -> str:
    """An opaque position after ``row`` (bound to the sort it was made for)."""
    raw = msgspec.json.encode([row.created_at, row.id, newest_first])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, newest_first: bool) -> tuple[datetime, uuid.UUID]:
    """The keyset position of a cursor; 400 if it was not made by us for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, inquiry_id, sort = msgspec.json.decode(
            raw, type=tuple[datetime, uuid.UUID, bool]
        )
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise BadRequest(
            "cursor: is not a cursor from a previous page",
            errors=[FieldError("cursor", "is not a cursor from a previous page")],
        ) from exc
    if sort != newest_first:
        raise BadRequest(
            "cursor: was made for the other sort order",
            errors=[FieldError("cursor", "was made for the other sort order")],
        )
    return created_at, inquiry_id


async def find(
    session: AsyncSession, filters: Filters, *, sort: str, limit: int, cursor: str | None
) -> InquiryPage:
    """One page of matching inquiries and the cursor of the next (null when none follow)."""
    newest_first = sort == "-created_at"
    after = decode_cursor(cursor, newest_first) if cursor else None
    rows = await repository.find_page(
        session, filters, newest_first=newest_first, after=after, limit=limit + 1
    )
    page = list(rows[:limit])
    next_cursor = encode_cursor(page[-1], newest_first) if len(rows) > limit else None
    return InquiryPage(items=[inquiry_out(row) for row in page], next_cursor=next_cursor)


async def count(session: AsyncSession, filters: Filters) -> CountOut:
    """How many inquiries match."""
    return CountOut(await repository.count(session, filters))


async def stats(
    session: AsyncSession, filters: Filters, interval: Interval | None = None
) -> StatsOut:
    """Counts per status, time to first reply (computed in SQL), conversion rate, SLA, and
    with an ``interval`` the trend series over ``created_after``..``created_before``."""
    trend = None
    if interval is not None:
        start, end = filters.created_after, filters.created_before
        trend = await reports.series(session, filters, interval, start, end)
    counts, median, p90 = await repository.stats(session, filters)
    all_counts = {status: counts.get(status, 0) for status in STATUSES}
    closed = all_counts["CONVERTED"] + all_counts["LOST"]
    return StatsOut(
        counts=all_counts,
        first_reply_seconds=FirstReply(
            median=None if median is None else float(median),
            p90=None if p90 is None else float(p90),
        ),
        conversion_rate=all_counts["CONVERTED"] / closed if closed else None,
        sla=await reports.sla(session, filters),
        series=trend,
    )


async def events(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID
) -> list[AuditEventOut]:
    """The audit trail of a live inquiry of the merchant."""
    await load(session, merchant_id, inquiry_id)
    return [
        AuditEventOut(
            id=e.id,
            action=e.action,
            actor_id=e.actor_id,
            from_status=e.from_status,
            to_status=e.to_status,
            data=e.data,
            at=e.at,
        )
        for e in await repository.events_of(session, inquiry_id)
    ]
