"""``/v1/inquiries`` and ``/v1/labels``: every route guarded by ``services.backoffice.auth``."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.auth import authorize, requires
from services.backoffice.inquiries import actions, edits, service
from services.backoffice.inquiries.filters import provide_filters
from services.backoffice.inquiries.repository import Filters
from services.backoffice.inquiries.schemas import (
    AssignBody,
    AuditEventOut,
    ConvertBody,
    CountOut,
    InquiryOut,
    InquiryPage,
    LabelsOut,
    LoseBody,
    ReplyBody,
    StatsOut,
    inquiry_out,
)
from services.backoffice.reports.schemas import Interval
from shared.auth import InquiryPermissions as P
from shared.auth import Principal
from shared.errors import FieldError
from shared.inquiries.labels import (
    LOST_REASON_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from shared.leads.labels import FIELD_LABELS, TOPIC_LABELS
from shared.models import Inquiry
from shared.web import ErrorBody, error_response

_NAMED = re.compile(r"field `([^`]+)`")
# Python names of parameters whose wire name differs (``from`` is a keyword).
_WIRE_NAMES = {"created_from": "from", "created_to": "to", "if_match": "If-Match"}
Id = Annotated[uuid.UUID, Parameter(description="The inquiry id")]


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorBody]:
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


def _with_etag(row: Inquiry, status_code: int = 200) -> Response[InquiryOut]:
    return Response(inquiry_out(row), status_code=status_code, headers={"ETag": f'"{row.version}"'})


class InquiryController(Controller):
    """Find, count, read, create, change and move inquiries through their lifecycle."""

    path = "/v1/inquiries"
    tags = ["inquiries"]
    guards = [authorize]
    dependencies = {"filters": Provide(provide_filters, sync_to_thread=False)}
    exception_handlers = {ValidationException: _validation_error}

    @get("/", opt=requires(P.FIND), summary="List inquiries (keyset pagination)")
    async def find(
        self,
        session: AsyncSession,
        filters: Filters,
        sort: Literal["created_at", "-created_at"] = "-created_at",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> InquiryPage:
        """Inquiries of the merchant, newest first unless ``sort=created_at``; spam hidden."""
        return await service.find(session, filters, sort=sort, limit=limit, cursor=cursor)

    @get("/count", opt=requires(P.COUNT), summary="Count inquiries")
    async def count(self, session: AsyncSession, filters: Filters) -> CountOut:
        """How many inquiries match the same filters as the listing."""
        return await service.count(session, filters)

    @get("/stats", opt=requires(P.COUNT), summary="Counts, time to first reply, conversion")
    async def stats(
        self,
        session: AsyncSession,
        merchant: str,
        created_from: Annotated[datetime | None, Parameter(query="from")] = None,
        created_to: Annotated[datetime | None, Parameter(query="to")] = None,
        interval: Interval | None = None,
    ) -> StatsOut:
        """Over inquiries created in [from, to) (spam excluded); ``interval`` adds ``series``."""
        filters = Filters(merchant, created_after=created_from, created_before=created_to)
        return await service.stats(session, filters, interval)

    @get("/{inquiry_id:uuid}", opt=requires(P.FIND_BY_ID), summary="One inquiry, with its ETag")
    async def get_one(
        self, session: AsyncSession, merchant: str, inquiry_id: Id
    ) -> Response[InquiryOut]:
        """The inquiry with its labels; ``ETag`` is its version, for ``If-Match``."""
        return _with_etag(await service.get(session, merchant, inquiry_id))

    @get("/{inquiry_id:uuid}/events", opt=requires(P.FIND_BY_ID), summary="Audit trail")
    async def events(
        self, session: AsyncSession, merchant: str, inquiry_id: Id
    ) -> list[AuditEventOut]:
        """Every change of the inquiry, oldest first, with actor and time."""
        return await service.events(session, merchant, inquiry_id)

    @post("/", opt=requires(P.CREATE), summary="Create a staff-entered lead")
    async def create(
        self, session: AsyncSession, merchant: str, principal: Principal, data: dict[str, Any]
    ) -> Response[InquiryOut]:
        """Starts NEW and is notified as ``submitted``, like a public submit."""
        created = await service.create(session, merchant, principal.sub, data)
        return Response(created, status_code=201, headers={"ETag": f'"{created.version}"'})

    @patch("/{inquiry_id:uuid}", opt=requires(P.UPDATE), summary="Change fields (not status)")
    async def update(
        self,
        session: AsyncSession,
        merchant: str,
        principal: Principal,
        inquiry_id: Id,
        data: dict[str, Any],
        if_match: Annotated[str | None, Parameter(header="if-match")] = None,
    ) -> Response[InquiryOut]:
        """Contact, business, subject, message, type, locale and source; 412 on a stale ETag."""
        expected = edits.parse_if_match(if_match)
        row = await edits.update(session, merchant, inquiry_id, principal.sub, data, expected)
        return _with_etag(row)

    @delete("/{inquiry_id:uuid}", opt=requires(P.DELETE), summary="Soft-delete", status_code=204)
    async def delete(
        self, session: AsyncSession, merchant: str, principal: Principal, inquiry_id: Id
    ) -> None:
        """Hide the inquiry from every read until it is restored."""
        await edits.delete(session, merchant, inquiry_id, principal.sub)

    @post("/{inquiry_id:uuid}/restore", opt=requires(P.DELETE), status_code=200)
    async def restore(
        self, session: AsyncSession, merchant: str, principal: Principal, inquiry_id: Id
    ) -> Response[InquiryOut]:
        """Bring back a soft-deleted inquiry; 409 if it is not deleted."""
        return _with_etag(await edits.restore(session, merchant, inquiry_id, principal.sub))

    @post("/{inquiry_id:uuid}/assign", opt=requires(P.UPDATE), status_code=200)
    async def assign(
        self,
        session: AsyncSession,
        merchant: str,
        principal: Principal,
        inquiry_id: Id,
        data: AssignBody | None = None,
    ) -> Response[InquiryOut]:
        """Claim it (for yourself by default); 409 naming the holder unless ``reassign``."""
        body = data or AssignBody()
        return _with_etag(await actions.assign(session, merchant, inquiry_id, principal.sub, body))

    @post("/{inquiry_id:uuid}/reply", opt=requires(P.UPDATE), status_code=200)
    async def reply(
        self,
        session: AsyncSession,
        merchant: str,
        principal: Principal,
        inquiry_id: Id,
        data: ReplyBody,
    ) -> Response[InquiryOut]:
        """Record a reply (author and time) on an ASSIGNED or REPLIED inquiry."""
        return _with_etag(await actions.reply(session, merchant, inquiry_id, principal.sub, data))

    @post("/{inquiry_id:uuid}/convert", opt=requires(P.UPDATE), status_code=200)
    async def convert(
        self,
        session: AsyncSession,
        merchant: str,
        principal: Principal,
        inquiry_id: Id,
        data: ConvertBody | None = None,
    ) -> Response[InquiryOut]:
        """Close as converted (terminal)."""
        body = data or ConvertBody()
        return _with_etag(await actions.convert(session, merchant, inquiry_id, principal.sub, body))

    @post("/{inquiry_id:uuid}/lose", opt=requires(P.UPDATE), status_code=200)
    async def lose(
        self,
        session: AsyncSession,
        merchant: str,
        principal: Principal,
        inquiry_id: Id,
        data: LoseBody,
    ) -> Response[InquiryOut]:
        """Close as lost with a reason (terminal)."""
        return _with_etag(await actions.lose(session, merchant, inquiry_id, principal.sub, data))


class LabelsController(Controller):
    """The bilingual vocabulary, for any valid token."""

    path = "/v1/labels"
    tags = ["labels"]
    guards = [authorize]

    @get("/", sync_to_thread=False, summary="Bilingual labels")
    def labels(self) -> LabelsOut:
        """Statuses, types, lost reasons, event topics and §13 fields in English and Vietnamese."""
        return LabelsOut(
            statuses=STATUS_LABELS,
            types=TYPE_LABELS,
            lost_reasons=LOST_REASON_LABELS,
            topics=TOPIC_LABELS,
            fields=FIELD_LABELS,
        )
