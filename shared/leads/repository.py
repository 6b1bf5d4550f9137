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

# For each (merchant, email) asked about: the root of the chain a new inquiry joins. Emails are
# compared with PostgreSQL's lower(), the one the index is built with (Python's may differ
# beyond ASCII).
# The oldest linkable inquiry of the window (index ``ix_inquiries_repeat_lookup``: one index
# probe per key), or, when that one is itself a repeat, the root it points at while the root is
# still linkable, so every repeat points at one inquiry.
_REPEAT_ROOTS = text(
    """
    SELECT k.merchant_id, k.email, COALESCE(root.id, first.id) AS root_id
    FROM unnest(:merchants, :emails) AS k(merchant_id, email)
    CROSS JOIN LATERAL (
        SELECT m.id, m.duplicate_of FROM inquiries m
        WHERE m.merchant_id = k.merchant_id AND lower(m.email) = lower(k.email)
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
# the same moment on another instance still sees it. Locks are taken in one order (no deadlock
# between batches) and in the two-key space (the outbox relay's lock uses one key). The class key
# 24237 is 0x5EAD written in decimal: PostgreSQL 15 has no hex integer literals.
_LOCK_REPEAT_KEYS = text(
    """
    SELECT pg_advisory_xact_lock(24237, lock_key)
    FROM (
        SELECT DISTINCT hashtext(k.merchant_id || E'\\n' || lower(k.email)) AS lock_key
        FROM unnest(:merchants, :emails) AS k(merchant_id, email)
        ORDER BY 1
    ) AS sorted
    """
).bindparams(bindparam("merchants", type_=ARRAY(String)), bindparam("emails", type_=ARRAY(String)))


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
    """The chain root of each (merchant, email) that has one, after locking the keys (case
    folded) until the caller's transaction ends."""
    distinct = list(set(keys))
    arrays = {"merchants": [m for m, _ in distinct], "emails": [e for _, e in distinct]}
    await session.execute(_LOCK_REPEAT_KEYS, arrays)
    rows = await session.execute(_REPEAT_ROOTS, {**arrays, "window_days": REPEAT_WINDOW_DAYS})
    return {(row.merchant_id, row.email): row.root_id for row in rows}
