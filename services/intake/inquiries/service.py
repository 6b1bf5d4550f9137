"""Accepting a public submit: idempotency, honeypot, and the stored, notified inquiry."""

from __future__ import annotations

import hashlib

import msgspec
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.inquiries import repository
from services.intake.inquiries.schemas import Submission, SubmitResponse
from shared.errors import IdempotencyKeyReused
from shared.inquiries.service import new_inquiry, store
from shared.inquiries.writer import InquiryWriter

# No merchant label: the public /metrics must not list tenants (SPEC §5); see backoffice stats.
SUBMITS = Counter("intake_submits_total", "Accepted submits", ["spam"])

_canonical = msgspec.json.Encoder(order="sorted").encode


async def submit(
    session: AsyncSession, writer: InquiryWriter, submission: Submission
) -> SubmitResponse:
    """Store the inquiry (or replay the first answer to its idempotency key).

    A plain submit goes through the group-commit writer. One with an ``Idempotency-Key`` is
    written in the request's own transaction, together with its key.
    """
    inquiry = new_inquiry(submission.merchant_id, submission.fields, is_spam=submission.is_spam)
    answer = SubmitResponse(
        id=inquiry.created.id, status="NEW", created_at=inquiry.created.created_at
    )
    key = submission.idempotency_key
    if key is None:
        await writer.write(inquiry)
    else:
        request_hash = hashlib.sha256(
            _canonical([submission.fields, submission.is_spam])
        ).hexdigest()
        if not await repository.claim_idempotency_key(
            session, submission.merchant_id, key, request_hash
        ):
            stored_hash, response = await repository.get_idempotency_key(
                session, submission.merchant_id, key
            )
            if stored_hash != request_hash:
                raise IdempotencyKeyReused("Idempotency-Key was already used with a different body")
            return msgspec.convert(response, SubmitResponse)
        await store(session, [inquiry])
        await repository.save_idempotent_response(
            session, submission.merchant_id, key, msgspec.to_builtins(answer)
        )
    SUBMITS.labels(str(submission.is_spam).lower()).inc()
    return answer
