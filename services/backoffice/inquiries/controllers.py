"""``/v1/inquiries`` and ``/v1/labels``: every route guarded by ``services.backoffice.auth``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.openapi.spec import SecurityRequirement
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.auth import authorize, requires
from services.backoffice.inquiries import service
from services.backoffice.inquiries.actions import create
from services.backoffice.inquiries.params import (
    BodyRequest,
    Cursor,
    From,
    Id,
    Target,
    To,
    filters_of,
    moment,
    parse_if_match,
    validation_error,
)
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
from shared.inquiries.changes import Delete, Edit, Restore
from shared.inquiries.fields import InquiryPatch, StaffInquiryInput, example_inquiry
from shared.inquiries.labels import LOST_REASON_LABELS, STATUS_LABELS, TYPE_LABELS
from shared.inquiries.validation import decode_object, invalid, validate_input, validate_patch
from shared.inquiries.writes import load
from shared.leads.labels import FIELD_LABELS, TOPIC_LABELS
from shared.models import Inquiry
from shared.web import error_responses, request_body_operation


def _with_etag(row: Inquiry, status_code: int = 200) -> Response[InquiryOut]:
    return Response(inquiry_out(row), status_code=status_code, headers={"ETag": f'"{row.version}"'})


_JSON = ["application/json"]
MAX_BODY = 64 * 1024
#: The scheme ``services.backoffice.app`` declares; every route here needs it.
BEARER: list[SecurityRequirement] = [{"BearerToken": []}]


class InquiryController(Controller):
    """Find, count, read, create, change and move inquiries through their lifecycle."""

    path = "/v1/inquiries"
    tags = ["inquiries"]
    guards = [authorize]
    security = BEARER
    exception_handlers = {ValidationException: validation_error}
    request_max_body_size = MAX_BODY
    request_class = BodyRequest
    dependencies = {
        "filters": Provide(filters_of, sync_to_thread=False),
        "target": Provide(Target, sync_to_thread=False),
    }

    @get("/", opt=requires(P.FIND), summary="List inquiries (keyset pagination)")
    async def find(
        self,
        session: AsyncSession,
        filters: Filters,
        sort: Literal["created_at", "-created_at"] = "-created_at",
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
        cursor: Cursor = None,
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
        created_from: From = None,
        created_to: To = None,
        interval: Interval | None = None,
    ) -> StatsOut:
        """Over inquiries created in [from, to) (spam excluded); ``interval`` adds ``series``."""
        after, before = moment("from", created_from), moment("to", created_to)
        return await service.stats(
            session, Filters(merchant, None, None, None, None, after, before), interval
        )

    @get("/{inquiry_id:uuid}", opt=requires(P.FIND_BY_ID), summary="One inquiry, with its ETag")
    async def get_one(
        self, session: AsyncSession, merchant: str, inquiry_id: Id
    ) -> Response[InquiryOut]:
        """The inquiry with its labels; ``ETag`` is its version, for ``If-Match``."""
        return _with_etag(await load(session, merchant, inquiry_id))

    @get("/{inquiry_id:uuid}/events", opt=requires(P.FIND_BY_ID), summary="Audit trail")
    async def events(
        self, session: AsyncSession, merchant: str, inquiry_id: Id
    ) -> list[AuditEventOut]:
        """Every change of the inquiry, oldest first, with actor and time."""
        return await service.events(session, merchant, inquiry_id)

    @post(
        "/",
        opt=requires(P.CREATE),
        summary="Create a staff-entered lead",
        operation_class=request_body_operation(StaffInquiryInput, _JSON, example_inquiry()),
        responses=error_responses(400, 413),
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        merchant: str,
        principal: Principal,
    ) -> Response[InquiryOut]:
        """Starts NEW and is notified as ``submitted``, like a public submit."""
        fields, errors = validate_input(decode_object(await request.body()), StaffInquiryInput)
        if errors or fields is None:
            raise invalid(errors)
        return _with_etag(await create(session, merchant, principal.sub, fields), 201)

    @patch(
        "/{inquiry_id:uuid}",
        opt=requires(P.UPDATE),
        summary="Change fields (not status)",
        operation_class=request_body_operation(InquiryPatch, _JSON),
        responses=error_responses(400, 412, 413),
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        target: Target,
        if_match: Annotated[str | None, Parameter(header="if-match", max_length=64)] = None,
    ) -> Response[InquiryOut]:
        """Contact, business, subject, message, type, locale and source; 412 on a stale ETag."""
        expected = parse_if_match(if_match)
        patch = validate_patch(decode_object(await request.body()))
        return _with_etag(await target.change(Edit(patch, expected)))

    @delete("/{inquiry_id:uuid}", opt=requires(P.DELETE), summary="Soft-delete", status_code=204)
    async def delete(self, target: Target) -> None:
        """Hide the inquiry from every read until it is restored."""
        await target.change(Delete())

    @post("/{inquiry_id:uuid}/restore", opt=requires(P.DELETE), status_code=200)
    async def restore(self, target: Target) -> Response[InquiryOut]:
        """Bring back a soft-deleted inquiry; 409 if it is not deleted."""
        return _with_etag(await target.change(Restore()))

    @post("/{inquiry_id:uuid}/assign", opt=requires(P.UPDATE), status_code=200)
    async def assign(self, target: Target, data: AssignBody | None = None) -> Response[InquiryOut]:
        """Claim it (for yourself by default); 409 naming the holder unless ``reassign``."""
        return _with_etag(await target.change((data or AssignBody()).command(target.actor_id)))

    @post("/{inquiry_id:uuid}/convert", opt=requires(P.UPDATE), status_code=200)
    async def convert(
        self, target: Target, data: ConvertBody | None = None
    ) -> Response[InquiryOut]:
        """Close as converted (terminal)."""
        return _with_etag(await target.change((data or ConvertBody()).command()))

    @post("/{inquiry_id:uuid}/reply", opt=requires(P.UPDATE), status_code=200)
    async def reply(self, target: Target, data: ReplyBody) -> Response[InquiryOut]:
        """Record a reply (author and time) on an ASSIGNED or REPLIED inquiry."""
        return _with_etag(await target.change(data.command()))

    @post("/{inquiry_id:uuid}/lose", opt=requires(P.UPDATE), status_code=200)
    async def lose(self, target: Target, data: LoseBody) -> Response[InquiryOut]:
        """Close as lost with a reason (terminal)."""
        return _with_etag(await target.change(data.command()))


class LabelsController(Controller):
    """The bilingual vocabulary, for any valid token."""

    path = "/v1/labels"
    tags = ["labels"]
    guards = [authorize]
    security = BEARER

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
