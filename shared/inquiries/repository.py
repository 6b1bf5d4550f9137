"""SQL for inquiries that more than one service runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import INQUIRIES, INQUIRY_EVENTS


async def insert_inquiries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert inquiry rows (each carries id, timestamps and status; all have the same keys)."""
    # Parameters beside the statement, not baked into it: the compiled INSERT is cached, and a
    # list of rows becomes one multi-row INSERT.
    await session.execute(insert(INQUIRIES), rows)


async def insert_audit_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Append entries to the audit trail."""
    await session.execute(insert(INQUIRY_EVENTS), rows)


async def insert_audit_event(
    session: AsyncSession,
    *,
    inquiry_id: uuid.UUID,
    merchant_id: str,
    actor_id: str | None,
    action: str,
    from_status: str | None,
    to_status: str | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit trail."""
    await insert_audit_events(
        session,
        [
            {
                "inquiry_id": inquiry_id,
                "merchant_id": merchant_id,
                "actor_id": actor_id,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "at": at,
                "data": data or {},
            }
        ],
    )
