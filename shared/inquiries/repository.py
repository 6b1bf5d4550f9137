"""SQL of the inquiry write path: new rows, the audit trail, conditional updates, idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.inquiries.changes import AuditEntry, NewInquiry
from shared.models import INQUIRIES, INQUIRY_EVENTS, IdempotencyKey, Inquiry

_EXPIRED = text("now() - interval '24 hours'")


def inquiry_row(inquiry: NewInquiry) -> dict[str, Any]:
    """The ``inquiries`` row of a NEW inquiry (every input field, for one multi-row INSERT)."""
    return {
        **msgspec.to_builtins(inquiry.input),
        "id": inquiry.id,
        "merchant_id": inquiry.merchant_id,
        "status": "NEW",
        "is_spam": inquiry.is_spam,
        "created_at": inquiry.created_at,
        "updated_at": inquiry.created_at,
        "version": 1,
        "due_at": inquiry.due_at,
        "duplicate_of": inquiry.duplicate_of,
    }


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """The ``inquiry_events`` row of an audit entry."""
    return {**msgspec.structs.asdict(entry), "data": msgspec.to_builtins(entry.data)}


async def insert_inquiries(session: AsyncSession, inquiries: list[NewInquiry]) -> None:
    """Insert NEW inquiries: one multi-row INSERT (every row has every input field)."""
    # Parameters beside the statement, not baked into it: the compiled INSERT is cached.
    await session.execute(insert(INQUIRIES), [inquiry_row(inquiry) for inquiry in inquiries])


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
