"""Wire schemas of the public submit endpoint."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

from shared.inquiries.fields import InquiryInput


class SubmitResponse(msgspec.Struct, frozen=True):
    """The answer to an accepted submit (and to its idempotent replays)."""

    id: uuid.UUID
    status: Literal["NEW"]
    created_at: datetime


class Submission(msgspec.Struct, frozen=True):
    """A validated submit, ready for the service."""

    merchant_id: str
    fields: InquiryInput
    is_spam: bool
    idempotency_key: str | None
