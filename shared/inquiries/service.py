"""Creating inquiries: the row, its first audit entry and its ``submitted`` event, together.

``new_inquiry`` prepares the three rows; ``store`` writes any number of them in the caller's
transaction; ``create_inquiry`` does both for one inquiry.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from shared import outbox
from shared.events import INQUIRY_SUBMITTED, Event, SubmittedData
from shared.inquiries import repository
from shared.leads.service import Lead, resolve


class CreatedInquiry(msgspec.Struct, frozen=True):
    """The identity of a freshly stored inquiry."""

    id: uuid.UUID
    created_at: datetime


class NewInquiry(msgspec.Struct, frozen=True):
    """The rows of one inquiry about to be stored: inquiry, audit entry, event (none for spam)."""

    created: CreatedInquiry
    row: dict[str, Any]
    audit: dict[str, Any]
    event: Event | None


def new_inquiry(
    merchant_id: str,
    fields: dict[str, Any],
    *,
    actor_id: str | None = None,
    is_spam: bool = False,
) -> NewInquiry:
    """Prepare a NEW inquiry from validated ``fields`` (spam is stored but never notified)."""
    inquiry_id = uuid7()
    now = datetime.now(UTC)
    row = {
        **_OPTIONAL,
        "type": "sales",
        "locale": "en",
        **fields,
        "id": inquiry_id,
        "merchant_id": merchant_id,
        "status": "NEW",
        "is_spam": is_spam,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    audit = {
        "inquiry_id": inquiry_id,
        "merchant_id": merchant_id,
        "actor_id": actor_id,
        "action": "submitted" if actor_id is None else "created",
        "from_status": None,
        "to_status": "NEW",
        "at": now,
        "data": {"is_spam": True} if is_spam else {},
    }
    event = None
    if not is_spam:
        data = SubmittedData(
            id=inquiry_id,
            merchant_id=merchant_id,
            type=row["type"],
            name=row["name"],
            email=row["email"],
            business_name=row["business_name"],
            subject=row["subject"],
            created_at=now,
        )
        event = Event(
            topic=INQUIRY_SUBMITTED,
            event_id=uuid.uuid4(),
            merchant_id=merchant_id,
            inquiry_id=inquiry_id,
            occurred_at=now,
            data=msgspec.to_builtins(data),
        )
    return NewInquiry(CreatedInquiry(inquiry_id, now), row, audit, event)


# Every optional column, so all rows of a batch have the same keys (one multi-row INSERT).
_OPTIONAL: dict[str, Any] = dict.fromkeys(
    ("phone", "business_size", "industry", "website", "country", "source")
)


async def store(session: AsyncSession, inquiries: list[NewInquiry]) -> None:
    """Write prepared inquiries in the caller's transaction: all of them or none."""
    leads = [
        Lead(
            i.created.id,
            i.row["merchant_id"],
            i.row["email"],
            i.created.created_at,
            i.row["is_spam"],
        )
        for i in inquiries
    ]
    for inquiry, facts in zip(inquiries, await resolve(session, leads), strict=True):
        inquiry.row.update(due_at=facts.due_at, duplicate_of=facts.duplicate_of)
        if inquiry.event is not None:
            inquiry.event.data["duplicate_of"] = msgspec.to_builtins(facts.duplicate_of)
    await repository.insert_inquiries(session, [i.row for i in inquiries])
    await repository.insert_audit_events(session, [i.audit for i in inquiries])
    await outbox.enqueue(session, *(i.event for i in inquiries if i.event is not None))


async def create_inquiry(
    session: AsyncSession,
    merchant_id: str,
    fields: dict[str, Any],
    *,
    actor_id: str | None = None,
    is_spam: bool = False,
) -> CreatedInquiry:
    """Store one NEW inquiry in the caller's transaction."""
    inquiry = new_inquiry(merchant_id, fields, actor_id=actor_id, is_spam=is_spam)
    await store(session, [inquiry])
    return inquiry.created
