"""Database tables: inquiries, audit events, outbox, idempotency keys, merchant settings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


#: The inquiries the overdue scan still has to look at (its partial index's predicate).
OVERDUE_PENDING = (
    "overdue_notified_at IS NULL AND status IN ('NEW', 'ASSIGNED') "
    "AND deleted_at IS NULL AND NOT is_spam"
)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migrations)."""

    metadata = MetaData(naming_convention=NAMING)


class Inquiry(Base):
    """A lead: contact, business, message, and where it stands in the lifecycle."""

    __tablename__ = "inquiries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    business_name: Mapped[str] = mapped_column(String(200))
    business_size: Mapped[str | None] = mapped_column(String(16))
    industry: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(2048))
    country: Mapped[str | None] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2))
    source: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[str | None] = mapped_column(String(128))
    assigned_at: Mapped[datetime | None] = mapped_column(Timestamp)
    assigned_by: Mapped[str | None] = mapped_column(String(128))
    last_reply_message: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[str | None] = mapped_column(String(128))
    replied_at: Mapped[datetime | None] = mapped_column(Timestamp)
    first_replied_at: Mapped[datetime | None] = mapped_column(Timestamp)
    converted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    lost_at: Mapped[datetime | None] = mapped_column(Timestamp)
    lost_reason: Mapped[str | None] = mapped_column(String(32))
    lost_note: Mapped[str | None] = mapped_column(Text)
    is_spam: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Lead operations (SPEC §13): first-response deadline, the chain a repeat belongs to, and
    # when the one overdue event was written (so no instance writes a second).
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiries.id")
    )
    overdue_notified_at: Mapped[datetime | None] = mapped_column(Timestamp)

    __table_args__ = (
        # Keyset pagination walks (created_at, id) within one merchant.
        Index("ix_inquiries_merchant_created", "merchant_id", "created_at", "id"),
        Index("ix_inquiries_merchant_status", "merchant_id", "status"),
        # The repeat lookup on every create: one index range per (merchant, email), only over
        # the rows that can be linked to.
        Index(
            "ix_inquiries_repeat_lookup",
            "merchant_id",
            text("lower(email)"),
            "created_at",
            postgresql_where=text("deleted_at IS NULL AND NOT is_spam"),
        ),
        Index(
            "ix_inquiries_duplicate_of",
            "duplicate_of",
            postgresql_where=text("duplicate_of IS NOT NULL"),
        ),
        # The overdue scan reads only open, live, not yet notified inquiries, by deadline.
        Index("ix_inquiries_overdue_scan", "due_at", postgresql_where=text(OVERDUE_PENDING)),
    )


class InquiryEvent(Base):
    """One audit entry: who did what to an inquiry, from which status to which, and when."""

    __tablename__ = "inquiry_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    inquiry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("inquiries.id"), index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class OutboxEntry(Base):
    """An event committed with its change and not yet appended to the Redis stream."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    topic: Mapped[str] = mapped_column(String(128))
    merchant_id: Mapped[str] = mapped_column(String(64))
    inquiry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)


class IdempotencyKey(Base):
    """The first response to an ``Idempotency-Key`` of a merchant, replayed for 24 hours."""

    __tablename__ = "idempotency_keys"

    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class MerchantSettings(Base):
    """A merchant's own lead-operations settings; merchants without a row use the defaults."""

    __tablename__ = "merchant_settings"

    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_response_target_seconds: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        CheckConstraint(
            "first_response_target_seconds BETWEEN 60 AND 604800", name="first_response_target"
        ),
    )


# Core handles on the tables for the hot insert paths (the ORM's bulk machinery costs more).
INQUIRIES = cast(Table, Inquiry.__table__)
INQUIRY_EVENTS = cast(Table, InquiryEvent.__table__)
OUTBOX = cast(Table, OutboxEntry.__table__)
MERCHANT_SETTINGS = cast(Table, MerchantSettings.__table__)
