"""SQL of merchant settings: one row per merchant that changed a default."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import MERCHANT_SETTINGS


async def save_target(session: AsyncSession, merchant_id: str, seconds: int, actor_id: str) -> None:
    """Set the merchant's first-response target (insert or overwrite)."""
    values = {
        "first_response_target_seconds": seconds,
        "updated_at": func.now(),
        "updated_by": actor_id,
    }
    statement = insert(MERCHANT_SETTINGS).values(merchant_id=merchant_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["merchant_id"], set_=values)
    )
