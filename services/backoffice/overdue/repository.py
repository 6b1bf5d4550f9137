"""SQL of the overdue scan: claim due inquiries so that no other instance claims them again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import INQUIRIES, OVERDUE_PENDING

# A scanner frozen inside its transaction (SIGSTOP, a stalled VM) must not keep its claimed rows
# locked for ever: PostgreSQL ends the session and the other instances take the rows over.
_IDLE_LIMIT = text("SET LOCAL idle_in_transaction_session_timeout = '2s'")


async def claim_overdue(session: AsyncSession, limit: int) -> Sequence[Row[Any]]:
    """Mark up to ``limit`` past-due, unnotified inquiries as notified and return them.

    ``FOR UPDATE SKIP LOCKED``: instances scanning at once split the rows instead of waiting
    on each other, and a row a staff write holds is left for the next scan (which re-checks it).
    The mark commits with the caller's outbox rows, so each inquiry gets its event exactly once.
    """
    await session.execute(_IDLE_LIMIT)
    due = (
        select(INQUIRIES.c.id)
        .where(text(OVERDUE_PENDING), INQUIRIES.c.due_at <= func.now())
        .order_by(INQUIRIES.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        update(INQUIRIES)
        .where(INQUIRIES.c.id == due.c.id)
        .values(overdue_notified_at=func.now())
        .returning(
            INQUIRIES.c.id,
            INQUIRIES.c.merchant_id,
            INQUIRIES.c.status,
            INQUIRIES.c.assignee_id,
            INQUIRIES.c.created_at,
            INQUIRIES.c.due_at,
            INQUIRIES.c.overdue_notified_at,
        )
    )
    return (await session.execute(statement)).all()
