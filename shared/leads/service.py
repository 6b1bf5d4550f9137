"""What lead operations add to every new inquiry: its first-response deadline and repeat link.

``resolve`` runs inside the create transaction, for a whole batch of new inquiries at once
(two queries per batch, whatever its size), so the group-commit writer keeps its throughput.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from shared.leads import repository
from shared.settings import SlaSettings


class Lead(msgspec.Struct, frozen=True):
    """What the resolution needs to know of a new inquiry."""

    id: uuid.UUID
    merchant_id: str
    email: str
    created_at: datetime
    is_spam: bool = False


class LeadFacts(msgspec.Struct, frozen=True):
    """The deadline of a new inquiry (``created_at`` + the target in force) and its chain root."""

    due_at: datetime
    duplicate_of: uuid.UUID | None


@functools.cache
def default_target_seconds() -> int:
    """``SLA_FIRST_RESPONSE_SECONDS``, read once per process (validated at start by the CLI)."""
    return SlaSettings.from_env().sla_first_response_seconds


async def resolve(session: AsyncSession, leads: Sequence[Lead]) -> list[LeadFacts]:
    """The facts of each lead, in order; earlier leads of the batch count as already stored."""
    if not leads:
        return []
    targets = await repository.targets_of(session, {lead.merchant_id for lead in leads})
    roots = await repository.repeat_roots(
        session, [(lead.merchant_id, lead.email.lower()) for lead in leads]
    )
    facts = []
    for lead in leads:
        key = (lead.merchant_id, lead.email.lower())
        target = targets.get(lead.merchant_id, default_target_seconds())
        root = roots.get(key)
        if root is None and not lead.is_spam:
            roots[key] = lead.id  # the next repeat in this batch links to this one
        facts.append(LeadFacts(lead.created_at + timedelta(seconds=target), root))
    return facts
