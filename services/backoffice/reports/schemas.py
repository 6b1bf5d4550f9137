"""Wire schemas of the lead-operations parts of ``stats``: SLA outcome and trend series."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Interval = Literal["day", "week"]


class SlaOut(msgspec.Struct, frozen=True):
    """First replies on time, late, and inquiries still unreplied past their deadline."""

    met: int
    missed: int
    open_overdue: int


class TrendBucket(msgspec.Struct, frozen=True):
    """The inquiries submitted in one UTC day or ISO week, and what became of them."""

    start: datetime
    submitted: int
    first_replied: int
    converted: int
    lost: int
    first_reply_median_seconds: float | None
