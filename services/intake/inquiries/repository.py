"""SQL of the intake: idempotency keys (the inquiry itself is stored by shared code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import IdempotencyKey

_FRESH = text("now() - interval '24 hours'")


async def claim_idempotency_key(
    session: AsyncSession, merchant_id: str, key: str, request_hash: str
) -> bool:
    """Take the key for this request; False when a live (≤ 24 h) claim already holds it.

    A concurrent claim of the same key waits on this row's lock until we commit, then sees it.
    """
    statement = (
        insert(IdempotencyKey)
        .values(merchant_id=merchant_id, key=key, request_hash=request_hash, response={})
        .on_conflict_do_update(
            index_elements=[IdempotencyKey.merchant_id, IdempotencyKey.key],
            set_={"request_hash": request_hash, "response": {}, "created_at": func.now()},
            where=IdempotencyKey.created_at <= _FRESH,
        )
        .returning(IdempotencyKey.key)
    )
    return (await session.execute(statement)).first() is not None


async def get_idempotency_key(
    session: AsyncSession, merchant_id: str, key: str
) -> tuple[str, dict[str, Any]]:
    """The request hash and stored response of a live key."""
    row = (
        await session.execute(
            select(IdempotencyKey.request_hash, IdempotencyKey.response).where(
                IdempotencyKey.merchant_id == merchant_id, IdempotencyKey.key == key
            )
        )
    ).one()
    return row.request_hash, row.response


async def save_idempotent_response(
    session: AsyncSession, merchant_id: str, key: str, response: dict[str, Any]
) -> None:
    """Remember the response to replay for this key."""
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.merchant_id == merchant_id, IdempotencyKey.key == key)
        .values(response=response)
    )
