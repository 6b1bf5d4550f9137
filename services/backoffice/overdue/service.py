"""The overdue scan: every backoffice instance runs one; each inquiry is announced once.

Each pass claims past-due inquiries and writes their ``overdue`` events to the outbox in one
transaction, then wakes the outbox relay. A crash before the commit leaves the rows unclaimed
for the next pass of any instance; after it, the outbox keeps the events until a relay sends
them. Passes run every second, so an event leaves within about a second of its ``due_at``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.backoffice.overdue import repository
from services.backoffice.overdue.schemas import OverdueNote
from shared import outbox
from shared.background import BackgroundLoop
from shared.events import Event, OverdueData, Topic, new_event
from shared.inquiries.changes import AuditEntry
from shared.inquiries.repository import insert_audit_entries

log = structlog.get_logger("overdue")

ANNOUNCED = Counter("backoffice_overdue_announced_total", "Inquiries announced as overdue")
_BATCH = 500


def _event_of(row: Row[Any]) -> Event:
    data = OverdueData(
        id=row.id,
        merchant_id=row.merchant_id,
        status=row.status,
        assignee_id=row.assignee_id,
        created_at=row.created_at,
        due_at=row.due_at,
    )
    return new_event(Topic.OVERDUE, row.merchant_id, row.id, row.overdue_notified_at, data)


def _audit_of(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        inquiry_id=row.id,
        merchant_id=row.merchant_id,
        actor_id=None,
        action="overdue",
        from_status=row.status,
        to_status=row.status,
        at=row.overdue_notified_at,
        data=OverdueNote(row.due_at),
    )


class OverdueScanner(BackgroundLoop):
    """Announces inquiries past their first-response deadline, from any number of instances."""

    task_name = "overdue-scanner"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        after_commit: Callable[[], None],
        interval_seconds: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._after_commit = after_commit
        self._interval = interval_seconds
        self._failing = False  # so an outage is logged once, not once per pass

    async def _run(self) -> None:
        while True:
            try:
                while await self.scan_once() == _BATCH:
                    pass  # a full batch: more may be due
                if self._failing:
                    log.info("overdue scan recovered")
                    self._failing = False
            except (SQLAlchemyError, OSError, TimeoutError) as exc:  # the database is away
                if not self._failing:
                    log.warning("overdue scan failed; retrying", error_type=type(exc).__name__)
                    self._failing = True
            await asyncio.sleep(self._interval)

    async def scan_once(self) -> int:
        """Claim one batch of due inquiries and queue their events; return how many."""
        async with self._sessions() as session, session.begin():
            rows = await repository.claim_overdue(session, _BATCH)
            if rows:
                await insert_audit_entries(session, [_audit_of(row) for row in rows])
                await outbox.enqueue(session, *(_event_of(row) for row in rows))
        if rows:
            self._after_commit()
            ANNOUNCED.inc(len(rows))
            log.info("overdue announced", count=len(rows))
        return len(rows)
