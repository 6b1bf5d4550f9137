"""Backoffice use cases: find, count, stats, create, update, delete, and the lifecycle.

Every change writes the inquiry, its audit entry and its outbox event in the request's one
transaction; the outbox relay appends the event to the stream after commit.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries import repository
from services.backoffice.inquiries.repository import Filters
from services.backoffice.inquiries.schemas import (
    AuditEventOut,
    CountOut,
    FirstReply,
    InquiryOut,
    InquiryPage,
    StatsOut,
    inquiry_out,
)
from services.backoffice.reports import service as reports
from services.backoffice.reports.schemas import Interval
from shared import outbox
from shared.errors import BadRequest, Conflict, FieldError, NotFound
from shared.events import Event, Topic
from shared.inquiries import lifecycle
from shared.inquiries import repository as shared_repository
from shared.inquiries.fields import has_control_characters, validate_input
from shared.inquiries.labels import STATUSES
from shared.inquiries.service import create_inquiry
from shared.models import Inquiry

TRANSITIONS = Counter(
    "backoffice_lifecycle_transitions_total", "Lifecycle actions applied", ["action"]
)
FIRST_REPLY = Histogram(
    "backoffice_first_reply_seconds",
    "Seconds from submit (NEW) to the first reply",
    buckets=(60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600),
)

_TOPICS = {
    "assign": Topic.ASSIGNED,
    "reply": Topic.REPLIED,
    "convert": Topic.CONVERTED,
    "lose": Topic.LOST,
}
# Attempts at a conditional update before giving up on a hot row (each loss means progress).
ATTEMPTS = 5

# A plan for one change: the column values to set and the "what changed" of its event.
Plan = tuple[dict[str, Any], dict[str, Any]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def clean_text(field: str, value: str | None, *, required: bool = False) -> str | None:
    """Trim free text; 400 naming ``field`` for control characters or, if required, emptiness."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").strip()
    if has_control_characters(text, multiline=True):
        raise BadRequest(
            f"{field}: must not contain NUL or control characters",
            errors=[FieldError(field, "must not contain NUL or control characters")],
        )
    if required and not text:
        raise BadRequest(f"{field}: must not be empty", errors=[FieldError(field, "is empty")])
    return text or None


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


async def get(session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID) -> Inquiry:
    """A live inquiry of the merchant, else 404 (another merchant's looks the same as none)."""
    row = await repository.get(session, merchant_id, inquiry_id)
    if row is None:
        raise NotFound(f"inquiry {inquiry_id} not found")
    return row


async def events(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID
) -> list[AuditEventOut]:
    """The audit trail of a live inquiry of the merchant."""
    await get(session, merchant_id, inquiry_id)
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


def invalid(errors: list[FieldError]) -> BadRequest:
    return BadRequest("invalid inquiry: " + ", ".join(e.field for e in errors), errors=errors)


async def create(
    session: AsyncSession, merchant_id: str, actor_id: str, raw: dict[str, Any]
) -> InquiryOut:
    """A staff-entered lead: NEW, audited as created, and notified as ``submitted``."""
    fields, errors = validate_input(raw, allow_unknown=False)
    if errors:
        raise invalid(errors)
    created = await create_inquiry(session, merchant_id, fields, actor_id=actor_id)
    return inquiry_out(await get(session, merchant_id, created.id))


async def record(
    session: AsyncSession,
    row: Inquiry,
    *,
    topic: Topic,
    actor_id: str,
    from_status: str,
    at: datetime,
    changes: dict[str, Any],
) -> None:
    """The audit entry (named like its topic: assigned, replied, ...) and the outbox event."""
    changes = msgspec.to_builtins(changes)
    await shared_repository.insert_audit_event(
        session,
        inquiry_id=row.id,
        merchant_id=row.merchant_id,
        actor_id=actor_id,
        action=topic.value.rsplit("/", 1)[-1],
        from_status=from_status,
        to_status=row.status,
        at=at,
        data=changes,
    )
    data = {
        "id": str(row.id),
        "merchant_id": row.merchant_id,
        "status": row.status,
        "actor_id": actor_id,
        "at": msgspec.to_builtins(at),
        **changes,
    }
    event = Event(
        topic=topic,
        event_id=uuid.uuid4(),
        merchant_id=row.merchant_id,
        inquiry_id=row.id,
        occurred_at=at,
        data=data,
    )
    await outbox.enqueue(session, event)


async def transition(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    action: str,
    plan: Callable[[Inquiry, str, datetime], Plan | None],
) -> Inquiry:
    """Apply a lifecycle ``action``: check it against the state machine, then update only if
    nobody changed the row in between (else re-read and re-check). ``plan`` returns None for a
    no-op."""
    for _ in range(ATTEMPTS):
        row = await get(session, merchant_id, inquiry_id)
        target = lifecycle.next_status(row.status, action)
        now = utc_now()
        planned = plan(row, target, now)
        if planned is None:
            return row
        values, changes = planned
        from_status = row.status
        updated = await repository.update_if_version(
            session, row, {**values, "status": target, "updated_at": now}
        )
        if updated is not None:
            await record(
                session,
                updated,
                topic=_TOPICS[action],
                actor_id=actor_id,
                from_status=from_status,
                at=now,
                changes=changes,
            )
            TRANSITIONS.labels(action).inc()
            return updated
    raise Conflict("the inquiry is changing concurrently; try again")
