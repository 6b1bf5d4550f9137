"""What lead operations add to every new inquiry: its first-response deadline and repeat link.

The lookup runs inside the create transaction (``shared.inquiries.writes.store``, the intake's
group-commit writer), for a whole batch of new inquiries at once: one round trip per batch,
whatever its size, so the writer keeps its throughput.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_driver
from shared.inquiries.changes import NewInquiry
from shared.leads import repository
from shared.settings import SlaSettings


@functools.cache
def default_target_seconds() -> int:
    """``SLA_FIRST_RESPONSE_SECONDS``, read once per process (validated at start by the CLI)."""
    return SlaSettings.from_env().sla_first_response_seconds


async def resolve(session: AsyncSession, inquiries: Sequence[NewInquiry]) -> list[NewInquiry]:
    """:func:`link` in the session's transaction (the staff create, a keyed submit)."""
    if not inquiries:
        return []
    async with session_driver(session) as pg:
        found = await repository.lock_and_look_up(pg, keys_of(inquiries))
    return link(inquiries, found)


def keys_of(inquiries: Sequence[NewInquiry]) -> list[tuple[str, str]]:
    """The (merchant, email) keys of a batch: what :func:`link` needs looked up and locked."""
    return [(inquiry.merchant_id, inquiry.input.email) for inquiry in inquiries]


def link(inquiries: Sequence[NewInquiry], found: repository.Found) -> list[NewInquiry]:
    """The inquiries with ``due_at`` (creation + the merchant's target in force) and
    ``duplicate_of`` (the root of their repeat chain) set; earlier ones of the batch count as
    already stored."""
    in_batch: dict[tuple[str, str], uuid.UUID] = {}  # roots started by this very batch
    resolved = []
    for inquiry in inquiries:
        target = found.targets.get(inquiry.merchant_id, default_target_seconds())
        folded = (inquiry.merchant_id, inquiry.input.email.lower())
        root = found.roots.get((inquiry.merchant_id, inquiry.input.email)) or in_batch.get(folded)
        if root is None and not inquiry.is_spam:
            in_batch[folded] = inquiry.id  # the next repeat in this batch links to this one
        due_at = inquiry.created_at + timedelta(seconds=target)
        resolved.append(msgspec.structs.replace(inquiry, due_at=due_at, duplicate_of=root))
    return resolved
