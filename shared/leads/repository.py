"""SQL of lead operations that more than one service runs: merchant targets and repeat roots."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

import msgspec
import psycopg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import MerchantSettings

#: How far back a same-email inquiry makes a new one a repeat (SPEC §13).
REPEAT_WINDOW_DAYS = 30

# Same-email creates of one merchant queue on the first statement until the first commits, so a
# repeat created at the same moment on another instance still sees it. Locks are taken in one
# order (no deadlock between batches) and in the two-key space (the outbox relay's lock uses one
# key). The class key 24237 is 0x5EAD written in decimal: PostgreSQL 15 has no hex literals.
# The second statement (its own snapshot, taken after the locks) answers, for each (merchant,
# email) asked about, the merchant's first-response target (NULL: the default) and the root of
# the chain a new inquiry joins. Emails are compared with PostgreSQL's lower(), the one the index
# is built with (Python's may differ beyond ASCII). The root is the oldest linkable inquiry of the
# window (index ``ix_inquiries_repeat_lookup``: one index probe per key), or, when that one is
# itself a repeat, the root it points at while the root is still linkable, so every repeat
# points at one inquiry. Both go in one message: one round trip.
_LOCK_AND_LOOK_UP = b"""
SELECT pg_advisory_xact_lock(24237, lock_key)
FROM (
    SELECT DISTINCT hashtext(k.merchant_id || E'\\n' || lower(k.email)) AS lock_key
    FROM unnest(%(merchants)s::text[], %(emails)s::text[]) AS k(merchant_id, email)
    ORDER BY 1
) AS sorted;
SELECT k.merchant_id, k.email, COALESCE(root.id, first.id), s.first_response_target_seconds
FROM unnest(%(merchants)s::text[], %(emails)s::text[]) AS k(merchant_id, email)
LEFT JOIN LATERAL (
    SELECT m.id, m.duplicate_of FROM inquiries m
    WHERE m.merchant_id = k.merchant_id AND lower(m.email) = lower(k.email)
      AND m.deleted_at IS NULL AND NOT m.is_spam
      AND m.created_at >= now() - make_interval(days => %(window_days)s)
    ORDER BY m.created_at, m.id
    LIMIT 1
) AS first ON true
LEFT JOIN inquiries root
  ON root.id = first.duplicate_of AND root.deleted_at IS NULL AND NOT root.is_spam
LEFT JOIN merchant_settings s ON s.merchant_id = k.merchant_id
"""


class Found(msgspec.Struct, frozen=True):
    """What a batch of new inquiries needs to know: merchants' targets and chain roots."""

    #: The first-response target of each merchant that set one (others are on the default).
    targets: dict[str, int]
    #: The chain root of each (merchant, email) that has one.
    roots: dict[tuple[str, str], uuid.UUID]


async def lock_and_look_up(
    pg: psycopg.AsyncConnection[Any], keys: Collection[tuple[str, str]], *, begin: bool = False
) -> Found:
    """Lock the (merchant, email) keys, case folded, until the transaction ends; then look up
    their merchants' targets and chain roots. ``begin`` opens the transaction in the same
    message (on a connection in autocommit)."""
    distinct = list(set(keys))
    params = {
        "merchants": [m for m, _ in distinct],
        "emails": [e for _, e in distinct],
        "window_days": REPEAT_WINDOW_DAYS,
    }
    async with psycopg.AsyncClientCursor(pg) as cursor:
        await cursor.execute((b"BEGIN;" if begin else b"") + _LOCK_AND_LOOK_UP, params)
        while cursor.nextset():
            pass  # past BEGIN and the locks, to the lookup
        rows = await cursor.fetchall()
    targets = {merchant: target for merchant, _, _, target in rows if target is not None}
    roots = {(merchant, email): root for merchant, email, root, _ in rows if root is not None}
    return Found(targets, roots)


async def targets_of(session: AsyncSession, merchant_ids: Collection[str]) -> dict[str, int]:
    """The first-response targets the merchants set (merchants on the default are absent)."""
    statement = select(
        MerchantSettings.merchant_id, MerchantSettings.first_response_target_seconds
    ).where(MerchantSettings.merchant_id.in_(list(merchant_ids)))
    rows = await session.execute(statement)
    return {row.merchant_id: row.first_response_target_seconds for row in rows}
