"""Accepting a public submit: the honeypot, the idempotency key, and the group-commit writer."""

from __future__ import annotations

import hashlib

import msgspec
from prometheus_client import Counter

from services.intake.inquiries.schemas import Submission, SubmitResponse
from shared.inquiries.idempotency import IdempotencyClaim
from shared.inquiries.writer import InquiryWriter
from shared.inquiries.writes import new_inquiry

# No merchant label: the public /metrics must not list tenants (per-merchant volume is stats).
SUBMITS = Counter("intake_submits_total", "Accepted submits", ["spam"])

_canonical = msgspec.json.Encoder(order="sorted").encode


async def submit(writer: InquiryWriter, submission: Submission) -> SubmitResponse:
    """Store the inquiry, or answer with the one that already holds its idempotency key."""
    inquiry = new_inquiry(submission.merchant_id, submission.fields, is_spam=submission.is_spam)
    claim = None
    if submission.idempotency_key is not None:
        request_hash = hashlib.sha256(
            _canonical([submission.fields, submission.is_spam])
        ).hexdigest()
        claim = IdempotencyClaim(submission.idempotency_key, request_hash)
    stored = await writer.write(inquiry, claim)
    SUBMITS.labels(str(submission.is_spam).lower()).inc()
    return SubmitResponse(id=stored.id, status="NEW", created_at=stored.created_at)
