"""The event contract (SPEC §7): topics, payloads, rooms and the stream entry encoding."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from shared.inquiries.fields import InquiryPatch

_PREFIX = "observation/outreach/inquiry/"


class Topic(StrEnum):
    """Every topic an inquiry event can carry."""

    SUBMITTED = _PREFIX + "submitted"
    ASSIGNED = _PREFIX + "assigned"
    REPLIED = _PREFIX + "replied"
    CONVERTED = _PREFIX + "converted"
    LOST = _PREFIX + "lost"
    UPDATED = _PREFIX + "updated"
    DELETED = _PREFIX + "deleted"
    RESTORED = _PREFIX + "restored"
    OVERDUE = _PREFIX + "overdue"


INQUIRY_SUBMITTED = Topic.SUBMITTED


class SubmittedData(msgspec.Struct, frozen=True):
    """The ``data`` of ``INQUIRY_SUBMITTED``: what a dashboard toast needs."""

    id: uuid.UUID
    merchant_id: str
    type: str
    name: str
    email: str
    business_name: str
    subject: str
    created_at: datetime
    #: The first inquiry of the repeat chain this one joins; null when none (SPEC §13).
    duplicate_of: uuid.UUID | None


class ChangeHeader(msgspec.Struct, frozen=True):
    """The start of every lifecycle event's ``data``; what changed follows it."""

    id: uuid.UUID
    merchant_id: str
    status: str
    actor_id: str
    at: datetime


class Assigned(msgspec.Struct, frozen=True):
    """What an ``assign`` changed."""

    assignee_id: str
    #: Who held it before (None: nobody did).
    previous_assignee_id: str | None


class Replied(msgspec.Struct, frozen=True):
    """What a ``reply`` changed."""

    message: str
    replied_by: str
    replied_at: datetime
    #: The inquiry's first reply (its time is also ``first_replied_at``).
    first: bool


class Converted(msgspec.Struct, frozen=True):
    """What a ``convert`` changed; the note is kept here and in the audit trail only."""

    converted_at: datetime
    note: str | None = None


class Lost(msgspec.Struct, frozen=True):
    """What a ``lose`` changed."""

    lost_at: datetime
    reason: str
    note: str | None = None


class Updated(msgspec.Struct, frozen=True):
    """The fields a PATCH set, as sent (after trimming)."""

    changes: InquiryPatch


class Deleted(msgspec.Struct, frozen=True):
    """When the inquiry was soft-deleted."""

    deleted_at: datetime


class Restored(msgspec.Struct, frozen=True):
    """A restore changes nothing but ``deleted_at``, which the header's time tells."""


class OverdueData(msgspec.Struct, frozen=True):
    """The ``data`` of ``…/overdue``: an inquiry still NEW or ASSIGNED after its ``due_at``."""

    id: uuid.UUID
    merchant_id: str
    status: str
    assignee_id: str | None
    created_at: datetime
    due_at: datetime


#: What a change records: its audit entry's ``data``, and what its event adds to the header.
ChangeData = Assigned | Replied | Converted | Lost | Updated | Deleted | Restored


class Event(msgspec.Struct, frozen=True):
    """One inquiry event as it travels from the outbox through the stream to the sockets.

    ``data`` is the JSON object of the payload structs above, as the outbox stores it.
    """

    topic: str
    event_id: uuid.UUID
    merchant_id: str
    inquiry_id: uuid.UUID
    occurred_at: datetime
    data: dict[str, Any]


def new_event(
    topic: Topic,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    occurred_at: datetime,
    *payload: msgspec.Struct,
) -> Event:
    """An event with a fresh ``event_id``; its ``data`` is the ``payload`` structs in order."""
    data: dict[str, Any] = {}
    for part in payload:
        data.update(msgspec.to_builtins(part))
    return Event(topic, uuid.uuid4(), merchant_id, inquiry_id, occurred_at, data)


def collection_room(merchant_id: str) -> str:
    """The room of every inquiry of a merchant."""
    return f"inquiries:{merchant_id}"


def inquiry_room(merchant_id: str, inquiry_id: uuid.UUID | str) -> str:
    """The room of one inquiry."""
    return f"inquiries:{merchant_id}:{inquiry_id}"


_encode = msgspec.json.Encoder().encode


def _timestamp(moment: datetime) -> str:
    """RFC 3339 as msgspec writes it in ``data`` (``Z`` for UTC), so both fields read alike."""
    return _encode(moment).decode().strip('"')


def to_stream_fields(event: Event) -> dict[str, bytes | str]:
    """The flat fields of a stream entry: filterable without decoding ``data``."""
    return {
        "topic": event.topic,
        "event_id": str(event.event_id),
        "merchant_id": event.merchant_id,
        "inquiry_id": str(event.inquiry_id),
        "occurred_at": _timestamp(event.occurred_at),
        "data": _encode(event.data),
    }
