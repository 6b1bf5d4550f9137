"""The typed write model: a new inquiry, the changes an existing one can undergo, audit entries.

Each command says which topic it is published as, whether it is a lifecycle action (checked
against ``lifecycle.TRANSITIONS``), whether it acts on a soft-deleted inquiry, and — given the
row as read and the time — which columns it sets and what it records as changed.
``shared.inquiries.writes.apply`` runs every one of them the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

import msgspec

from shared.errors import Conflict, PreconditionFailed
from shared.events import (
    Assigned,
    ChangeData,
    Converted,
    Deleted,
    Event,
    Lost,
    Replied,
    Restored,
    SubmittedData,
    Topic,
    Updated,
    new_event,
)
from shared.inquiries.fields import InquiryInput, InquiryPatch
from shared.inquiries.labels import LostReason
from shared.inquiries.lifecycle import Action
from shared.models import Inquiry


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One step of an inquiry's audit trail: who did what, from which status to which, when."""

    inquiry_id: uuid.UUID
    merchant_id: str
    actor_id: str | None
    action: str
    from_status: str | None
    to_status: str
    at: datetime
    data: msgspec.Struct


class SubmitNote(msgspec.Struct, frozen=True, omit_defaults=True):
    """The audit data of a new inquiry: ``{}``, or ``{"is_spam": true}``."""

    is_spam: bool = False


class NewInquiry(msgspec.Struct, frozen=True, kw_only=True):
    """An inquiry about to be stored as NEW, with what its audit entry and event say."""

    id: uuid.UUID
    merchant_id: str
    created_at: datetime
    input: InquiryInput
    #: The staff member who entered it; None for a public submit.
    actor_id: str | None = None
    #: Caught by the honeypot: stored, never notified.
    is_spam: bool = False
    #: Set by ``shared.leads.service.resolve`` in the create transaction (SPEC §13).
    due_at: datetime | None = None
    duplicate_of: uuid.UUID | None = None

    def audit_entry(self) -> AuditEntry:
        """The first entry of its audit trail: ``submitted``, or ``created`` by staff."""
        return AuditEntry(
            inquiry_id=self.id,
            merchant_id=self.merchant_id,
            actor_id=self.actor_id,
            action="submitted" if self.actor_id is None else "created",
            from_status=None,
            to_status="NEW",
            at=self.created_at,
            data=SubmitNote(self.is_spam),
        )

    def event(self) -> Event | None:
        """Its ``submitted`` event; spam has none."""
        if self.is_spam:
            return None
        data = SubmittedData(
            id=self.id,
            merchant_id=self.merchant_id,
            type=self.input.type,
            name=self.input.name,
            email=self.input.email,
            business_name=self.input.business_name,
            subject=self.input.subject,
            created_at=self.created_at,
            duplicate_of=self.duplicate_of,
        )
        return new_event(Topic.SUBMITTED, self.merchant_id, self.id, self.created_at, data)


class Moment(msgspec.Struct, frozen=True):
    """What a change is planned against: the row as read, who acts, and when."""

    row: Inquiry
    actor_id: str
    now: datetime


class Plan(msgspec.Struct, frozen=True):
    """The columns a change sets, and what it records as changed (audit data, event data)."""

    values: Mapping[str, object]
    data: ChangeData


class Change(msgspec.Struct, frozen=True):
    """A change of one inquiry; ``plan`` returns None when there is nothing to do."""

    topic: ClassVar[Topic]
    #: The lifecycle action checked against the table; None for edits that keep the status.
    action: ClassVar[Action | None] = None
    #: Acts on a soft-deleted inquiry (and is a 409 on a live one).
    on_deleted: ClassVar[bool] = False

    def plan(self, at: Moment) -> Plan | None:
        """The columns to set and the change data; None for a no-op."""
        raise NotImplementedError


class Assign(Change, frozen=True):
    """Claim the inquiry for ``assignee_id``; taking it from someone else needs ``reassign``."""

    topic = Topic.ASSIGNED
    action = "assign"
    assignee_id: str
    reassign: bool = False

    def plan(self, at: Moment) -> Plan | None:
        """Set the assignee (a no-op when it already is theirs)."""
        holder = at.row.assignee_id
        if holder == self.assignee_id:
            return None  # already theirs: a no-op, not a new event
        if holder is not None and not self.reassign:
            raise Conflict(
                f'inquiry is already assigned to {holder}; send "reassign": true to take it over'
            )
        values = {
            "assignee_id": self.assignee_id,
            "assigned_at": at.now,
            "assigned_by": at.actor_id,
        }
        return Plan(values, Assigned(self.assignee_id, holder))


class Reply(Change, frozen=True):
    """Record a reply: its text, author and time (and the first reply's time)."""

    topic = Topic.REPLIED
    action = "reply"
    message: str

    def plan(self, at: Moment) -> Plan:
        """Set the last reply; the first one also sets ``first_replied_at``."""
        first = at.row.first_replied_at is None
        values = {
            "last_reply_message": self.message,
            "replied_by": at.actor_id,
            "replied_at": at.now,
            "first_replied_at": at.now if first else at.row.first_replied_at,
        }
        return Plan(values, Replied(self.message, at.actor_id, at.now, first))


class Convert(Change, frozen=True):
    """Close as won (the note lives in the audit trail and the event)."""

    topic = Topic.CONVERTED
    action = "convert"
    note: str | None = None

    def plan(self, at: Moment) -> Plan:
        """Set ``converted_at``."""
        return Plan({"converted_at": at.now}, Converted(at.now, self.note))


class Lose(Change, frozen=True):
    """Close as lost, with a reason and an optional note."""

    topic = Topic.LOST
    action = "lose"
    reason: LostReason
    note: str | None = None

    def plan(self, at: Moment) -> Plan:
        """Set when, why, and the note."""
        values = {"lost_at": at.now, "lost_reason": self.reason, "lost_note": self.note}
        return Plan(values, Lost(at.now, self.reason, self.note))


class Edit(Change, frozen=True):
    """Change contact, business, message, type, locale or source fields; never the status."""

    topic = Topic.UPDATED
    patch: InquiryPatch
    #: The version ``If-Match`` named; None applies to whatever version is current.
    expected_version: int | None = None

    def plan(self, at: Moment) -> Plan:
        """Set the fields the patch names; 412 when the row moved past ``expected_version``."""
        version = at.row.version
        if self.expected_version is not None and version != self.expected_version:
            raise PreconditionFailed(
                f"inquiry is at version {version}, not {self.expected_version}"
            )
        # Every editable field is text or the source object: its JSON form is its column value.
        return Plan(msgspec.to_builtins(self.patch), Updated(self.patch))


class Delete(Change, frozen=True):
    """Soft-delete: hidden from every read until restored."""

    topic = Topic.DELETED

    def plan(self, at: Moment) -> Plan:
        """Set ``deleted_at``."""
        return Plan({"deleted_at": at.now}, Deleted(at.now))


class Restore(Change, frozen=True):
    """Undo a soft delete."""

    topic = Topic.RESTORED
    on_deleted = True

    def plan(self, at: Moment) -> Plan:  # noqa: ARG002 - restoring needs nothing from the row
        """Clear ``deleted_at``."""
        return Plan({"deleted_at": None}, Restored())
