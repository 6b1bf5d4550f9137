"""SQL of the inquiry write path: new rows, the audit trail, conditional updates, idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
import psycopg
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import json_array
from shared.inquiries.changes import AuditEntry, NewInquiry
from shared.leads.service import default_target_seconds
from shared.models import INQUIRY_EVENTS, IdempotencyKey, Inquiry
from shared.outbox import event_row

_EXPIRED = text("now() - interval '24 hours'")


def inquiry_row(inquiry: NewInquiry) -> dict[str, Any]:
    """The ``inquiries`` row of a NEW inquiry (every input field; ``due_at`` and
    ``duplicate_of`` are resolved by ``create_inquiries``)."""
    return {
        **msgspec.to_builtins(inquiry.input),
        "id": inquiry.id,
        "merchant_id": inquiry.merchant_id,
        "status": "NEW",
        "is_spam": inquiry.is_spam,
        "created_at": inquiry.created_at,
        "updated_at": inquiry.created_at,
        "version": 1,
    }


# Its SQL is the database's own function (migration 0004), so PostgreSQL plans it once per
# connection rather than on every call: that planning cost more than running it.
_CREATE = (
    "SELECT create_inquiries(%(inquiries)s::jsonb, %(audit)s::jsonb, %(events)s::jsonb, "
    "%(merchants)s::text[], %(emails)s::text[], %(default_target)s)"
)


async def insert_new(
    pg: psycopg.AsyncConnection[Any], inquiries: list[NewInquiry], *, begin: bool = False
) -> None:
    """Insert NEW inquiries with their audit entries and ``submitted`` events, ``due_at`` and
    ``duplicate_of`` resolved, after locking their repeat keys (``create_inquiries``): one round
    trip. ``begin`` opens the transaction in it (on a connection in autocommit); the caller
    commits."""
    events = [event_row(event) for inquiry in inquiries if (event := inquiry.event()) is not None]
    params = {
        "merchants": [inquiry.merchant_id for inquiry in inquiries],
        "emails": [inquiry.input.email for inquiry in inquiries],
        "default_target": default_target_seconds(),
        "inquiries": json_array([inquiry_row(inquiry) for inquiry in inquiries]),
        "audit": json_array([audit_row(inquiry.audit_entry()) for inquiry in inquiries]),
        "events": json_array(events),
    }
    # Values bound client-side, so BEGIN and the call go as one simple query.
    async with psycopg.AsyncClientCursor(pg) as cursor:
        await cursor.execute(("BEGIN; " if begin else "") + _CREATE, params)


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """The ``inquiry_events`` row of an audit entry."""
    return {**msgspec.structs.asdict(entry), "data": msgspec.to_builtins(entry.data)}


async def insert_audit_entries(session: AsyncSession, entries: list[AuditEntry]) -> None:
    """Append entries to the audit trail."""
    await session.execute(insert(INQUIRY_EVENTS), [audit_row(entry) for entry in entries])


async def get(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID, *, deleted: bool = False
) -> Inquiry | None:
    """One inquiry of the merchant: live ones, or only soft-deleted ones when ``deleted``."""
    gone = Inquiry.deleted_at.is_not(None) if deleted else Inquiry.deleted_at.is_(None)
    statement = select(Inquiry).where(
        Inquiry.id == inquiry_id, Inquiry.merchant_id == merchant_id, gone
    )
    # A retry after a lost race must see the committed row, not the session's cached copy.
    statement = statement.execution_options(populate_existing=True)
    return (await session.execute(statement)).scalar_one_or_none()


async def update_if_version(
    session: AsyncSession, row: Inquiry, values: Mapping[str, object], *, deleted: bool = False
) -> Inquiry | None:
    """Apply ``values`` only if the row still has the version we read; the updated row or None.

    The database decides races: of concurrent writers that read the same version, exactly one
    matches, the others see the new version (READ COMMITTED re-checks the WHERE) and get None.
    """
    gone = Inquiry.deleted_at.is_not(None) if deleted else Inquiry.deleted_at.is_(None)
    statement = (
        update(Inquiry)
        .where(
            Inquiry.id == row.id,
            Inquiry.merchant_id == row.merchant_id,
            Inquiry.version == row.version,
            Inquiry.status == row.status,
            gone,
        )
        .values(**values, version=Inquiry.version + 1)
        .returning(Inquiry)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_idempotency_key(
    session: AsyncSession, merchant_id: str, key: str, request_hash: str, response: object
) -> tuple[str, Any] | None:
    """Take the key with the response to replay; else the live (≤ 24 h) claim's hash, response.

    A concurrent claim of the same key waits on this row's lock until we commit, then sees it.
    """
    statement = (
        upsert(IdempotencyKey)
        .values(merchant_id=merchant_id, key=key, request_hash=request_hash, response=response)
        .on_conflict_do_update(
            index_elements=[IdempotencyKey.merchant_id, IdempotencyKey.key],
            set_={"request_hash": request_hash, "response": response, "created_at": text("now()")},
            where=IdempotencyKey.created_at <= _EXPIRED,
        )
        .returning(IdempotencyKey.key)
    )
    if (await session.execute(statement)).first() is not None:
        return None
    held = await session.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.response).where(
            IdempotencyKey.merchant_id == merchant_id, IdempotencyKey.key == key
        )
    )
    row = held.one()
    return row.request_hash, row.response


async def purge_idempotency_keys(session: AsyncSession) -> int:
    """Delete the keys older than 24 hours (they replay nothing any more); how many went."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= _EXPIRED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
