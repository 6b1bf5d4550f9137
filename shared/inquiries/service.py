"""Creating an inquiry: the row, its first audit entry and its ``submitted`` event, together."""

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


class CreatedInquiry(msgspec.Struct, frozen=True):
    """The identity of a freshly stored inquiry."""

    id: uuid.UUID
    created_at: datetime


async def create_inquiry(
    session: AsyncSession,
    merchant_id: str,
    fields: dict[str, Any],
    *,
    actor_id: str | None = None,
    is_spam: bool = False,
) -> CreatedInquiry:
    """Store a NEW inquiry from validated ``fields``; notify unless it is spam.

    Runs in the caller's transaction: the row, the audit entry and the outbox row commit or
    roll back as one.
    """
    inquiry_id = uuid7()
    now = datetime.now(UTC)
    values = {
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
    await repository.insert_inquiry(session, values)
    await repository.insert_audit_event(
        session,
        inquiry_id=inquiry_id,
        merchant_id=merchant_id,
        actor_id=actor_id,
        action="submitted" if actor_id is None else "created",
        from_status=None,
        to_status="NEW",
        at=now,
        data={"is_spam": True} if is_spam else None,
    )
    if not is_spam:
        data = SubmittedData(
            id=inquiry_id,
            merchant_id=merchant_id,
            type=values["type"],
            name=values["name"],
            email=values["email"],
            business_name=values["business_name"],
            subject=values["subject"],
            created_at=now,
        )
        await outbox.enqueue(
            session,
            Event(
                topic=INQUIRY_SUBMITTED,
                event_id=uuid.uuid4(),
                merchant_id=merchant_id,
                inquiry_id=inquiry_id,
                occurred_at=now,
                data=msgspec.to_builtins(data),
            ),
        )
    return CreatedInquiry(inquiry_id, now)
