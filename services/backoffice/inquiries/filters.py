"""The listing's query filters as one dependency: list, count and export read them alike."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar.params import Parameter

from services.backoffice.inquiries.repository import Filters
from shared.inquiries.labels import InquiryType, Status


def provide_filters(
    merchant: str,
    status: Status | None = None,
    assignee_id: Annotated[str | None, Parameter(max_length=128)] = None,
    type: InquiryType | None = None,
    q: Annotated[str | None, Parameter(max_length=200)] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    include_spam: bool = False,
    overdue: Annotated[
        bool | None, Parameter(description="Still NEW or ASSIGNED after its due_at")
    ] = None,
    duplicate_of: Annotated[
        uuid.UUID | None, Parameter(description="Repeats linked to this inquiry")
    ] = None,
) -> Filters:
    """The filters of a listing request, for the caller's merchant."""
    return Filters(
        merchant,
        status,
        assignee_id,
        type,
        q,
        created_after,
        created_before,
        include_spam,
        overdue,
        duplicate_of,
    )
