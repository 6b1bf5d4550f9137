"""The data of the ``overdue`` event (SPEC §13) and of its audit entry."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class OverdueData(msgspec.Struct, frozen=True):
    """An inquiry still NEW or ASSIGNED after its first-response deadline."""

    id: uuid.UUID
    merchant_id: str
    status: str
    assignee_id: str | None
    created_at: datetime
    due_at: datetime


class OverdueNote(msgspec.Struct, frozen=True):
    """The audit data of the overdue announcement: the deadline that passed."""

    due_at: datetime
