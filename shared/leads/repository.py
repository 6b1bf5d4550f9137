"""SQL of lead operations that more than one service runs: the merchants' targets.

A new inquiry's ``due_at`` and repeat link are resolved by the database function that creates
it (``create_inquiries``, migration 0004: the repeat-key locks, the 30-day window of SPEC §13
and the chain lookup are there).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import MerchantSettings


async def targets_of(session: AsyncSession, merchant_ids: Collection[str]) -> dict[str, int]:
    """The first-response targets the merchants set (merchants on the default are absent)."""
    statement = select(
        MerchantSettings.merchant_id, MerchantSettings.first_response_target_seconds
    ).where(MerchantSettings.merchant_id.in_(list(merchant_ids)))
    rows = await session.execute(statement)
    return {row.merchant_id: row.first_response_target_seconds for row in rows}
