"""``Idempotency-Key``: a keyed submit claims its key in the transaction that stores it.

The key and the inquiry are stored together or not at all; a key already held answers with
the inquiry that holds it (or 422 for another body) and stores nothing.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import IdempotencyKeyReused
from shared.inquiries import repository
from shared.inquiries.changes import NewInquiry
from shared.inquiries.writes import store

# Expired keys are deleted by a keyed batch at most this often (keys come only with keyed ones).
_PURGE_EVERY_SECONDS = 600.0


class Stored(msgspec.Struct, frozen=True):
    """The inquiry a submit answers with: its own, or the one holding its idempotency key."""

    id: uuid.UUID
    created_at: datetime


class IdempotencyClaim(msgspec.Struct, frozen=True):
    """An ``Idempotency-Key`` and the hash of the request that came with it."""

    key: str
    request_hash: str


Keyed = tuple[NewInquiry, IdempotencyClaim | None]


class IdempotencyKeys:
    """Writes a batch of submits, some with a key, in the caller's transaction."""

    def __init__(self) -> None:
        self._purge_due = 0.0

    async def write(self, session: AsyncSession, batch: list[Keyed]) -> list[Stored | Exception]:
        """Claim the keys, then store every inquiry whose claim (if any) succeeded; the answer
        of each submit, in batch order."""
        held: dict[int, Stored | Exception] = {}
        # Keys in one order in every batch: two batches never wait on each other's keys
        # crosswise (a deadlock).
        for index in sorted(range(len(batch)), key=lambda i: _claim_order(batch[i])):
            answer = await self._claim(session, *batch[index])
            if answer is not None:
                held[index] = answer
        fresh = [inquiry for i, (inquiry, _) in enumerate(batch) if i not in held]
        if fresh:
            await store(session, fresh)
        return [held.get(i, Stored(q.id, q.created_at)) for i, (q, _) in enumerate(batch)]

    async def _claim(
        self, session: AsyncSession, inquiry: NewInquiry, claim: IdempotencyClaim | None
    ) -> Stored | Exception | None:
        """None when the inquiry is to be stored; else the earlier answer, or the 422."""
        if claim is None:
            return None
        if time.monotonic() >= self._purge_due:
            await repository.purge_idempotency_keys(session)
            self._purge_due = time.monotonic() + _PURGE_EVERY_SECONDS
        answer = Stored(inquiry.id, inquiry.created_at)
        held = await repository.claim_idempotency_key(
            session, inquiry.merchant_id, claim.key, claim.request_hash, msgspec.to_builtins(answer)
        )
        if held is None:
            return None
        request_hash, response = held
        if request_hash != claim.request_hash:
            return IdempotencyKeyReused("Idempotency-Key was already used with a different body")
        return msgspec.convert(response, Stored)


def _claim_order(keyed: Keyed) -> tuple[str, str]:
    inquiry, claim = keyed
    return ("", "") if claim is None else (inquiry.merchant_id, claim.key)
