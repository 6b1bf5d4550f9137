"""The one write pipeline of inquiries, in the caller's transaction (it never commits).

A new inquiry: its row, its first audit entry and its ``submitted`` event (``store``). A change
of an existing one (``apply``): load, lifecycle check, conditional update on ``version`` (re-read
and re-check after a lost race), audit entry, event. Events go to the outbox, so they are
published only once the caller's transaction commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from shared import outbox
from shared.db import OUTBOX_WRITTEN, session_driver
from shared.errors import Conflict, NotFound
from shared.events import ChangeData, ChangeHeader, Event, new_event
from shared.inquiries import lifecycle, repository
from shared.inquiries.changes import AuditEntry, Change, Moment, NewInquiry
from shared.inquiries.fields import InquiryInput
from shared.models import Inquiry

# Attempts at a conditional update before giving up on a hot row (each loss means progress).
ATTEMPTS = 5


class Applied(msgspec.Struct, frozen=True):
    """The inquiry after a change, and what changed (None when the change was a no-op)."""

    row: Inquiry
    data: ChangeData | None


def new_inquiry(
    merchant_id: str,
    fields: InquiryInput,
    *,
    actor_id: str | None = None,
    is_spam: bool = False,
) -> NewInquiry:
    """A NEW inquiry with a fresh time-ordered id, not yet stored."""
    return NewInquiry(
        id=uuid7(),
        merchant_id=merchant_id,
        created_at=datetime.now(UTC),
        input=fields,
        actor_id=actor_id,
        is_spam=is_spam,
    )


async def store(session: AsyncSession, inquiries: list[NewInquiry]) -> None:
    """Write new inquiries, their audit entries and events, in the session's transaction: all
    of them or none."""
    async with session_driver(session) as pg:
        await repository.insert_new(pg, inquiries)
    if any(not inquiry.is_spam for inquiry in inquiries):
        session.info[OUTBOX_WRITTEN] = True


async def load(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID, *, deleted: bool = False
) -> Inquiry:
    """A live inquiry of the merchant (a soft-deleted one when ``deleted``), else 404.

    Another merchant's inquiry looks the same as none; asking for a deleted one that is live
    is a 409.
    """
    row = await repository.get(session, merchant_id, inquiry_id, deleted=deleted)
    if row is not None:
        return row
    if deleted and await repository.get(session, merchant_id, inquiry_id) is not None:
        raise Conflict(f"inquiry {inquiry_id} is not deleted")
    raise NotFound(f"inquiry {inquiry_id} not found")


async def apply(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    change: Change,
) -> Applied:
    """Apply ``change``: update only if nobody changed the row in between, else re-read and
    re-check (a lifecycle action against the table each time); 409 after ``ATTEMPTS`` losses."""
    for _ in range(ATTEMPTS):
        row = await load(session, merchant_id, inquiry_id, deleted=change.on_deleted)
        from_status = row.status
        to_status = from_status
        if change.action is not None:
            to_status = lifecycle.next_status(from_status, change.action)
        now = datetime.now(UTC)
        plan = change.plan(Moment(row, actor_id, now))
        if plan is None:
            return Applied(row, None)
        values = {**plan.values, "status": to_status, "updated_at": now}
        updated = await repository.update_if_version(
            session, row, values, deleted=change.on_deleted
        )
        if updated is not None:
            audit = AuditEntry(
                inquiry_id=updated.id,
                merchant_id=updated.merchant_id,
                actor_id=actor_id,
                action=change.topic.rsplit("/", 1)[-1],
                from_status=from_status,
                to_status=to_status,
                at=now,
                data=plan.data,
            )
            header = ChangeHeader(updated.id, updated.merchant_id, to_status, actor_id, now)
            event = new_event(change.topic, updated.merchant_id, updated.id, now, header, plan.data)
            await _record(session, [audit], event)
            return Applied(updated, plan.data)
    raise Conflict("the inquiry is changing concurrently; try again")


async def _record(session: AsyncSession, entries: list[AuditEntry], *events: Event) -> None:
    """The audit entries and the outbox events of a write, in its transaction."""
    await repository.insert_audit_entries(session, entries)
    await outbox.enqueue(session, *events)
