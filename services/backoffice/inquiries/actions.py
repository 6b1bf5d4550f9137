"""The lifecycle actions (assign, reply, convert, lose): what each one sets and records."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries.schemas import AssignBody, ConvertBody, LoseBody, ReplyBody
from services.backoffice.inquiries.service import FIRST_REPLY, Plan, clean_text, transition
from shared.errors import Conflict
from shared.models import Inquiry


async def assign(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    body: AssignBody,
) -> Inquiry:
    """Claim the inquiry for ``assignee_id`` (the caller by default); 409 if someone holds it."""
    assignee = clean_text("assignee_id", body.assignee_id) or actor_id

    def plan(row: Inquiry, status: str, now: datetime) -> Plan | None:
        if row.assignee_id == assignee:
            return None  # already theirs: a no-op, not a new event
        if row.assignee_id is not None and not body.reassign:
            raise Conflict(
                f"inquiry is already assigned to {row.assignee_id}; "
                'send "reassign": true to take it over'
            )
        values = {"assignee_id": assignee, "assigned_at": now, "assigned_by": actor_id}
        changes = {"assignee_id": assignee, "previous_assignee_id": row.assignee_id}
        return values, changes

    return await transition(session, merchant_id, inquiry_id, actor_id, "assign", plan)


async def reply(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    body: ReplyBody,
) -> Inquiry:
    """Record a reply: its text, author and time (and the first reply's time)."""
    message = clean_text("message", body.message, required=True)
    first_reply: list[float] = []

    def plan(row: Inquiry, status: str, now: datetime) -> Plan:
        first = row.first_replied_at is None
        first_reply[:] = [(now - row.created_at).total_seconds()] if first else []
        values = {
            "last_reply_message": message,
            "replied_by": actor_id,
            "replied_at": now,
            "first_replied_at": now if first else row.first_replied_at,
        }
        changes = {"message": message, "replied_by": actor_id, "replied_at": now, "first": first}
        return values, changes

    updated = await transition(session, merchant_id, inquiry_id, actor_id, "reply", plan)
    for seconds in first_reply:
        FIRST_REPLY.observe(seconds)
    return updated


async def convert(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    body: ConvertBody,
) -> Inquiry:
    """Close the inquiry as won (the note lives in the audit trail and the event)."""
    note = clean_text("note", body.note)

    def plan(row: Inquiry, status: str, now: datetime) -> Plan:
        return {"converted_at": now}, {"converted_at": now, "note": note}

    return await transition(session, merchant_id, inquiry_id, actor_id, "convert", plan)


async def lose(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    body: LoseBody,
) -> Inquiry:
    """Close the inquiry as lost, with a reason and an optional note."""
    note = clean_text("note", body.note)

    def plan(row: Inquiry, status: str, now: datetime) -> Plan:
        values = {"lost_at": now, "lost_reason": body.reason, "lost_note": note}
        return values, {"lost_at": now, "reason": body.reason, "note": note}

    return await transition(session, merchant_id, inquiry_id, actor_id, "lose", plan)
