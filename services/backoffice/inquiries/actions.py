"""Backoffice writes: thin callers of the one pipeline in ``shared.inquiries.writes``.

They run in the request's transaction, which the request commits (``shared.db``).
"""

from __future__ import annotations

import uuid

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import Replied
from shared.inquiries import writes
from shared.inquiries.changes import Change
from shared.inquiries.fields import StaffInquiryInput
from shared.models import Inquiry

TRANSITIONS = Counter(
    "backoffice_lifecycle_transitions_total", "Lifecycle actions applied", ["action"]
)
FIRST_REPLY = Histogram(
    "backoffice_first_reply_seconds",
    "Seconds from submit (NEW) to the first reply",
    buckets=(60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600),
)


async def create(
    session: AsyncSession, merchant_id: str, actor_id: str, fields: StaffInquiryInput
) -> Inquiry:
    """A staff-entered lead: NEW, audited as created, and notified as ``submitted``."""
    inquiry = writes.new_inquiry(merchant_id, fields, actor_id=actor_id)
    await writes.store(session, [inquiry])
    return await writes.load(session, merchant_id, inquiry.id)


async def change(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID, actor_id: str, command: Change
) -> Inquiry:
    """Apply a lifecycle action or an edit (PATCH, delete, restore); the inquiry after it."""
    applied = await writes.apply(session, merchant_id, inquiry_id, actor_id, command)
    if applied.data is not None and command.action is not None:
        TRANSITIONS.labels(command.action).inc()
    if isinstance(applied.data, Replied) and applied.data.first:
        FIRST_REPLY.observe((applied.data.replied_at - applied.row.created_at).total_seconds())
    return applied.row
