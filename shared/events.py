"""The event contract (SPEC §7): topics, payloads, rooms and the stream entry encoding."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

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


class Event(msgspec.Struct, frozen=True):
    """One inquiry event as it travels from the outbox through the stream to the sockets."""

    topic: str
    event_id: uuid.UUID
    merchant_id: str
    inquiry_id: uuid.UUID
    occurred_at: datetime
    data: dict[str, Any]


def collection_room(merchant_id: str) -> str:
    """The room of every inquiry of a merchant."""
    return f"inquiries:{merchant_id}"


def inquiry_room(merchant_id: str, inquiry_id: uuid.UUID | str) -> str:
    """The room of one inquiry."""
    return f"inquiries:{merchant_id}:{inquiry_id}"


def rooms_of(event: Event) -> tuple[str, str]:
    """Both rooms an event is delivered to."""
    return collection_room(event.merchant_id), inquiry_room(event.merchant_id, event.inquiry_id)


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


def from_stream_fields(fields: dict[bytes, bytes]) -> Event:
    """Decode a stream entry written by :func:`to_stream_fields`."""
    return Event(
        topic=fields[b"topic"].decode(),
        event_id=uuid.UUID(fields[b"event_id"].decode()),
        merchant_id=fields[b"merchant_id"].decode(),
        inquiry_id=uuid.UUID(fields[b"inquiry_id"].decode()),
        occurred_at=datetime.fromisoformat(fields[b"occurred_at"].decode()),
        data=msgspec.json.decode(fields[b"data"]),
    )
