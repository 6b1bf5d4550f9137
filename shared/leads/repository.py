"""SQL of lead operations that more than one service runs: merchant targets and repeat roots."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from shared.models import MerchantSettings

#: How far back a same-email inquiry makes a new one a repeat (SPEC §13).
REPEAT_WINDOW_DAYS = 30

# For each (merchant, lower(email)) asked about: the root of the chain a new inquiry joins.
# The oldest linkable inquiry of the window (index ``ix_inquiries_repeat_lookup``: one index
# probe per key), or, when that one is itself a repeat, the root it points at while the root is
# still linkable, so every repeat points at one inquiry.
_REPEAT_ROOTS = text(
    """
    SELECT k.merchant_id, k.email_key, COALESCE(root.id, first.id) AS root_id
    FROM unnest(:merchants, :emails) AS k(merchant_id, email_key)
    CROSS JOIN LATERAL (
        SELECT m.id, m.duplicate_of FROM inquiries m
        WHERE m.merchant_id = k.merchant_id AND lower(m.email) = k.email_key
          AND m.deleted_at IS NULL AND NOT m.is_spam
          AND m.created_at >= now() - make_interval(days => :window_days)
        ORDER BY m.created_at, m.id
        LIMIT 1
    ) AS first
    LEFT JOIN inquiries root
      ON root.id = first.duplicate_of AND root.deleted_at IS NULL AND NOT root.is_spam
    """
).bindparams(bindparam("merchants", type_=ARRAY(String)), bindparam("emails", type_=ARRAY(String)))

# Same-email creates of one merchant queue here until the first commits, so a repeat created at
# the same moment on another instance still sees it (namespaced: other locks use one key).
_LOCK_REPEAT_KEYS = text(
    """
    SELECT pg_advisory_xact_lock(0x5EAD, hashtext(key))
    FROM (SELECT DISTINCT unnest(CAST(:keys AS text[])) AS key ORDER BY 1) AS sorted
    """
)


async def targets_of(session: AsyncSession, merchant_ids: Collection[str]) -> dict[str, int]:
    """The first-response targets the merchants set (merchants on the default are absent)."""
    statement = select(
        MerchantSettings.merchant_id, MerchantSettings.first_response_target_seconds
    ).where(MerchantSettings.merchant_id.in_(list(merchant_ids)))
    rows = await session.execute(statement)
    return {row.merchant_id: row.first_response_target_seconds for row in rows}


async def repeat_roots(
    session: AsyncSession, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], uuid.UUID]:
    """The chain root of each (merchant, lowercased email) that has one, after locking the keys
    until the caller's transaction ends."""
    ordered = sorted(set(keys))
    await session.execute(_LOCK_REPEAT_KEYS, {"keys": [f"{m}\n{e}" for m, e in ordered]})
    rows = await session.execute(
        _REPEAT_ROOTS,
        {
            "merchants": [m for m, _ in ordered],
            "emails": [e for _, e in ordered],
            "window_days": REPEAT_WINDOW_DAYS,
        },
    )
    return {(row.merchant_id, row.email_key): row.root_id for row in rows}
