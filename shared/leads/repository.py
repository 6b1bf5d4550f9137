"""SQL of lead operations that more than one service runs: merchant targets and repeat roots."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import MerchantSettings

#: How far back a same-email inquiry makes a new one a repeat (SPEC §13).
REPEAT_WINDOW_DAYS = 30

# Same-email creates of one merchant queue here until the first commits, so a repeat created at
# the same moment on another instance still sees it. Locks are taken in one order (no deadlock
# between batches) and in the two-key space (the outbox relay's lock uses one key). The class key
# 24237 is 0x5EAD written in decimal: PostgreSQL 15 has no hex integer literals. The statement
# that reads the chains must come after this one: each statement sees what was committed when it
# began, and this one may wait for a commit.
LOCK_REPEAT_KEYS = """
SELECT pg_advisory_xact_lock(24237, lock_key)
FROM (
    SELECT DISTINCT hashtext(k.merchant_id || E'\\n' || lower(k.email)) AS lock_key
    FROM unnest(%(merchants)s::text[], %(emails)s::text[]) AS k(merchant_id, email)
    ORDER BY 1
) AS sorted
"""

# A CTE: for each row of ``new`` (id, merchant_id, email, is_spam, created_at, n), its
# ``due_at`` (creation + the merchant's target, or ``%(default_target)s`` seconds) and its
# ``duplicate_of``. Emails are compared with PostgreSQL's lower(), the one the index is built
# with. The root is the oldest linkable inquiry of the window (index
# ``ix_inquiries_repeat_lookup``: one index probe per row), or, when that one is itself a repeat,
# the root it points at while the root is still linkable, so every repeat points at one inquiry;
# with none stored, the batch's own first linkable row of that email (``head``) is the root of
# the ones after it. Rows the same statement inserts are invisible to it: ``head`` covers them.
RESOLVED = f"""
resolved AS (
    SELECT new.id,
           new.created_at + make_interval(
               secs => COALESCE(s.first_response_target_seconds, %(default_target)s)
           ) AS due_at,
           COALESCE(stored.root_id, CASE WHEN head.n < new.n THEN head.id END) AS duplicate_of
    FROM new
    LEFT JOIN merchant_settings s ON s.merchant_id = new.merchant_id
    LEFT JOIN LATERAL (
        SELECT COALESCE(root.id, first.id) AS root_id
        FROM (
            SELECT m.id, m.duplicate_of FROM inquiries m
            WHERE m.merchant_id = new.merchant_id AND lower(m.email) = lower(new.email)
              AND m.deleted_at IS NULL AND NOT m.is_spam
              AND m.created_at >= now() - interval '{REPEAT_WINDOW_DAYS} days'
            ORDER BY m.created_at, m.id
            LIMIT 1
        ) AS first
        LEFT JOIN inquiries root
          ON root.id = first.duplicate_of AND root.deleted_at IS NULL AND NOT root.is_spam
    ) AS stored ON true
    LEFT JOIN (
        SELECT DISTINCT ON (merchant_id, lower(email)) merchant_id, lower(email) AS folded, id, n
        FROM new WHERE NOT is_spam
        ORDER BY merchant_id, lower(email), n
    ) AS head ON head.merchant_id = new.merchant_id AND head.folded = lower(new.email)
)"""  # noqa: S608 - constant text: our own names


async def targets_of(session: AsyncSession, merchant_ids: Collection[str]) -> dict[str, int]:
    """The first-response targets the merchants set (merchants on the default are absent)."""
    statement = select(
        MerchantSettings.merchant_id, MerchantSettings.first_response_target_seconds
    ).where(MerchantSettings.merchant_id.in_(list(merchant_ids)))
    rows = await session.execute(statement)
    return {row.merchant_id: row.first_response_target_seconds for row in rows}
