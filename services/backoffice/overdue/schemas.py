"""The audit data of the overdue announcement (its event data is ``shared.events.OverdueData``)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class OverdueNote(msgspec.Struct, frozen=True):
    """The deadline that passed."""

    due_at: datetime
