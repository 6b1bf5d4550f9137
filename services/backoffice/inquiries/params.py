"""Query, header and path parameters of the backoffice, parsed strictly, and their 400s.

The OpenAPI document states each limit (length, pattern, format) so a fuzzer knows them.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.inquiries import actions
from services.backoffice.inquiries.repository import Filters
from shared.auth import Principal
from shared.errors import BadRequest, FieldError
from shared.inquiries.changes import Change
from shared.inquiries.labels import InquiryType, Status
from shared.models import Inquiry
from shared.web import ErrorBody, error_response

_NAMED = re.compile(r"field `([^`]+)`")
# Python names of parameters whose wire name differs (``from`` is a keyword).
_WIRE_NAMES = {"created_from": "from", "created_to": "to", "if_match": "If-Match"}
Id = Annotated[uuid.UUID, Parameter(description="The inquiry id")]
# Free text that reaches SQL: no NUL or other control character (PostgreSQL refuses NUL).
_PLAIN = r"^[^\x00-\x1f\x7f]*$"
SearchText = Annotated[str | None, Parameter(max_length=200, pattern=_PLAIN)]
UserId = Annotated[str | None, Parameter(max_length=128, pattern=_PLAIN)]
Cursor = Annotated[str | None, Parameter(max_length=200, pattern=r"^[A-Za-z0-9_-]*$")]
#: RFC 3339, parsed strictly by ``moment`` (a number is not a date).
_DATE_TIME = {"format": "date-time"}
DateTime = Annotated[str | None, Parameter(max_length=64, schema_extra=_DATE_TIME)]
From = Annotated[str | None, Parameter(query="from", max_length=64, schema_extra=_DATE_TIME)]
To = Annotated[str | None, Parameter(query="to", max_length=64, schema_extra=_DATE_TIME)]


class BodyRequest(Request[Any, Any, Any]):
    """Litestar's request, but a JSON body nested too deeply for the decoder is a 400."""

    async def json(self) -> Any:
        """The decoded JSON body."""
        try:
            return await super().json()
        except RecursionError as exc:
            raise BadRequest("body is not valid JSON: nested too deeply") from exc


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorBody]:
    """Litestar's body errors, with the field named even when msgspec reports it as ``$``."""
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        text = str(item.get("message", ""))
        named = _NAMED.search(text)
        key = str(item.get("key", ""))
        field = named.group(1) if named and key in ("", "data") else key or "body"
        field = _WIRE_NAMES.get(field, field)
        errors.append(FieldError(field, text))
    if not errors:
        errors = [FieldError("body", str(exc.detail))]
    detail = "invalid request: " + "; ".join(f"{e.field}: {e.message}" for e in errors)
    return error_response(400, detail, errors)


def moment(name: str, value: str | None) -> datetime | None:
    """A query parameter's RFC 3339 date-time, in UTC; 400 naming ``name`` for anything else.

    In UTC because PostgreSQL refuses offsets beyond ±15:59 that RFC 3339 allows (``+21:44``);
    one without an offset is taken as UTC.
    """
    if value is None:
        return None
    try:
        parsed = msgspec.convert(value, datetime)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (msgspec.ValidationError, OverflowError) as exc:  # Overflow: beyond 0001 or 9999
        error = FieldError(name, "must be an RFC 3339 date-time, such as 2026-01-31T09:00:00Z")
        raise BadRequest(f"{name}: {error.message}", errors=[error]) from exc


def parse_if_match(if_match: str | None) -> int | None:
    """The version named by ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None for absent or ``*``."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        error = FieldError("If-Match", "must be an ETag from GET")
        raise BadRequest(f"If-Match: {error.message}", errors=[error])
    return int(tag)


def filters_of(  # noqa: PLR0913 - one argument per query filter of SPEC §6
    merchant: str,
    status: Status | None = None,
    assignee_id: UserId = None,
    type: InquiryType | None = None,
    q: SearchText = None,
    created_after: DateTime = None,
    created_before: DateTime = None,
    include_spam: bool = False,
    overdue: Annotated[
        bool | None, Parameter(description="Still NEW or ASSIGNED after its due_at")
    ] = None,
    duplicate_of: Annotated[
        uuid.UUID | None, Parameter(description="Repeats linked to this inquiry")
    ] = None,
) -> Filters:
    """The filters a listing, a count and an export share, from their query parameters."""
    after = moment("created_after", created_after)
    before = moment("created_before", created_before)
    return Filters(
        merchant, status, assignee_id, type, q, after, before, include_spam, overdue, duplicate_of
    )


class Target:
    """The inquiry a request changes: the merchant's, by the caller, in the request's transaction.

    A Litestar dependency (built from the route's ``inquiry_id`` and the guard's caller).
    """

    def __init__(
        self, session: AsyncSession, merchant: str, principal: Principal, inquiry_id: Id
    ) -> None:
        self.session = session
        self.merchant_id = merchant
        self.actor_id = principal.sub
        self.inquiry_id = inquiry_id

    async def change(self, command: Change) -> Inquiry:
        """Apply ``command`` to the inquiry; the inquiry after it."""
        return await actions.change(
            self.session, self.merchant_id, self.inquiry_id, self.actor_id, command
        )
