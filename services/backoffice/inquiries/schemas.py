"""Wire schemas of the backoffice: inquiries, their audit trail, lifecycle bodies, stats."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from services.backoffice.reports.schemas import SlaOut, TrendBucket
from shared.inquiries.changes import Assign, Convert, Lose, Reply
from shared.inquiries.labels import (
    LOST_REASON_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    Label,
    LostReason,
)
from shared.inquiries.validation import clean_body
from shared.models import Inquiry

Note = Annotated[str, Meta(max_length=5000)]


class InquiryLabels(msgspec.Struct, frozen=True):
    """The bilingual labels of an inquiry's status, type and lost reason."""

    status: Label
    type: Label
    lost_reason: Label | None


class InquiryOut(msgspec.Struct, frozen=True):
    """An inquiry as staff see it."""

    id: uuid.UUID
    merchant_id: str
    type: str
    name: str
    email: str
    phone: str | None
    business_name: str
    business_size: str | None
    industry: str | None
    website: str | None
    country: str | None
    subject: str
    message: str
    locale: str
    source: dict[str, str] | None
    status: str
    assignee_id: str | None
    assigned_at: datetime | None
    assigned_by: str | None
    last_reply_message: str | None
    replied_by: str | None
    replied_at: datetime | None
    first_replied_at: datetime | None
    converted_at: datetime | None
    lost_at: datetime | None
    lost_reason: str | None
    lost_note: str | None
    is_spam: bool
    created_at: datetime
    updated_at: datetime
    version: int
    due_at: datetime
    overdue: bool
    duplicate_of: uuid.UUID | None
    labels: InquiryLabels


_COMPUTED = {"labels", "overdue"}
_FIELDS = [f for f in msgspec.structs.fields(InquiryOut) if f.name not in _COMPUTED]


def is_overdue(status: str, due_at: datetime) -> bool:
    """Still waiting for a first reply after its deadline (SPEC §13)."""
    return status in ("NEW", "ASSIGNED") and due_at < datetime.now(UTC)


def inquiry_out(row: Inquiry) -> InquiryOut:
    """The response body of one stored inquiry."""
    values: dict[str, Any] = {f.name: getattr(row, f.name) for f in _FIELDS}
    labels = InquiryLabels(
        status=STATUS_LABELS[row.status],
        type=TYPE_LABELS[row.type],
        lost_reason=LOST_REASON_LABELS.get(row.lost_reason) if row.lost_reason else None,
    )
    return InquiryOut(**values, overdue=is_overdue(row.status, row.due_at), labels=labels)


class InquiryPage(msgspec.Struct, frozen=True):
    """One page of a listing; ``next_cursor`` is null on the last page."""

    items: list[InquiryOut]
    next_cursor: str | None


class CountOut(msgspec.Struct, frozen=True):
    """How many inquiries match."""

    count: int


class FirstReply(msgspec.Struct, frozen=True):
    """Seconds from submit to first reply; null when nothing was replied to."""

    median: float | None
    p90: float | None


class StatsOut(msgspec.Struct, frozen=True, omit_defaults=True):
    """Counts per status, time to first reply, conversion and SLA over a period; with an
    ``interval``, the trend ``series`` too."""

    counts: dict[str, int]
    first_reply_seconds: FirstReply
    conversion_rate: float | None
    sla: SlaOut
    series: list[TrendBucket] | None = None


class AuditEventOut(msgspec.Struct, frozen=True):
    """One step of an inquiry's audit trail."""

    id: int
    action: str
    actor_id: str | None
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]
    at: datetime


class LabelsOut(msgspec.Struct, frozen=True):
    """Every bilingual label of the vocabulary."""

    statuses: dict[str, Label]
    types: dict[str, Label]
    lost_reasons: dict[str, Label]
    topics: dict[str, Label]
    fields: dict[str, Label]


class AssignBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Claim an inquiry (``assignee_id`` defaults to the caller)."""

    assignee_id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None
    reassign: bool = False

    def command(self, actor_id: str) -> Assign:
        """The change it asks for."""
        body = clean_body(self)
        return Assign(assignee_id=body.assignee_id or actor_id, reassign=body.reassign)


class ReplyBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The reply sent to the prospect."""

    message: Annotated[str, Meta(min_length=1, max_length=5000)]

    def command(self) -> Reply:
        """The change it asks for."""
        return Reply(message=clean_body(self).message)


class ConvertBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Close the inquiry as won."""

    note: Note | None = None

    def command(self) -> Convert:
        """The change it asks for."""
        return Convert(note=clean_body(self).note)


class LoseBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Close the inquiry as lost, and why."""

    reason: LostReason
    note: Note | None = None

    def command(self) -> Lose:
        """The change it asks for."""
        body = clean_body(self)
        return Lose(reason=body.reason, note=body.note)
