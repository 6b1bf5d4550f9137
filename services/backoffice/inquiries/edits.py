"""Edits outside the lifecycle: PATCH with ``If-Match``, soft delete and restore."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries import repository
from services.backoffice.inquiries.service import ATTEMPTS, get, invalid, record, utc_now
from shared.errors import BadRequest, Conflict, FieldError, NotFound, PreconditionFailed
from shared.events import Topic
from shared.inquiries.fields import InquiryInput, validate_input
from shared.models import Inquiry

_EDITABLE = frozenset(f.name for f in msgspec.structs.fields(InquiryInput))
_READONLY = frozenset(Inquiry.__table__.columns.keys()) - _EDITABLE


def parse_if_match(if_match: str | None) -> int | None:
    """The version named by ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None for absent or ``*``."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise BadRequest(
            "If-Match: must be an ETag from GET",
            errors=[FieldError("If-Match", "must be an ETag from GET")],
        )
    return int(tag)


async def update(
    session: AsyncSession,
    merchant_id: str,
    inquiry_id: uuid.UUID,
    actor_id: str,
    raw: dict[str, Any],
    expected_version: int | None,
) -> Inquiry:
    """Change contact, business, message, type, locale or source fields; never the status."""
    readonly = [FieldError(k, "cannot be changed here") for k in raw if k in _READONLY]
    fields, errors = validate_input(
        {k: v for k, v in raw.items() if k not in _READONLY}, partial=True, allow_unknown=False
    )
    errors = readonly + errors
    if not errors and not fields:
        errors = [FieldError("body", "names no field to change")]
    if errors:
        raise invalid(errors)

    def change(row: Inquiry, now: datetime) -> Change:
        if expected_version is not None and row.version != expected_version:
            raise PreconditionFailed(f"inquiry is at version {row.version}, not {expected_version}")
        return fields, {"changes": fields}

    return await _apply(
        session, lambda: get(session, merchant_id, inquiry_id), change, Topic.UPDATED, actor_id
    )


async def delete(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID, actor_id: str
) -> None:
    """Soft-delete: hidden from every read until restored."""
    await _apply(
        session,
        lambda: get(session, merchant_id, inquiry_id),
        lambda row, now: ({"deleted_at": now}, {"deleted_at": now}),
        Topic.DELETED,
        actor_id,
    )


async def restore(
    session: AsyncSession, merchant_id: str, inquiry_id: uuid.UUID, actor_id: str
) -> Inquiry:
    """Undo a soft delete; 409 when the inquiry is not deleted."""

    async def deleted_row() -> Inquiry:
        row = await repository.get(session, merchant_id, inquiry_id, deleted=True)
        if row is None:
            if await repository.get(session, merchant_id, inquiry_id) is not None:
                raise Conflict(f"inquiry {inquiry_id} is not deleted")
            raise NotFound(f"inquiry {inquiry_id} not found")
        return row

    return await _apply(
        session,
        deleted_row,
        lambda row, now: ({"deleted_at": None}, {}),
        Topic.RESTORED,
        actor_id,
        deleted=True,
    )


# The column values to set and the "what changed" of the event, given the row read and the time.
Change = tuple[dict[str, Any], dict[str, Any]]


async def _apply(
    session: AsyncSession,
    read: Callable[[], Awaitable[Inquiry]],
    change: Callable[[Inquiry, datetime], Change],
    topic: Topic,
    actor_id: str,
    *,
    deleted: bool = False,
) -> Inquiry:
    """Read, change, and write only if nobody wrote in between (else read again); audit + event."""
    for _ in range(ATTEMPTS):
        row = await read()
        now = utc_now()
        values, changes = change(row, now)
        updated = await repository.update_if_version(
            session, row, {**values, "updated_at": now}, deleted=deleted
        )
        if updated is not None:
            await record(
                session,
                updated,
                topic=topic,
                actor_id=actor_id,
                from_status=row.status,
                at=now,
                changes=changes,
            )
            return updated
    raise Conflict("the inquiry is changing concurrently; try again")
