"""``GET /v1/inquiries/export``: the listing's filters, as a CSV attachment (SPEC §13)."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from services.backoffice.auth import authorize, requires
from services.backoffice.exports import service
from services.backoffice.inquiries.controllers import BEARER
from services.backoffice.inquiries.params import filters_of
from services.backoffice.inquiries.repository import Filters
from shared.auth import InquiryPermissions as P
from shared.runtime import Runtime
from shared.web import error_responses

# Litestar adds ``; charset=utf-8`` to text media types itself.
CSV = "text/csv"


class ExportController(Controller):
    """Download every inquiry a listing would show, however many, as one CSV file."""

    path = "/v1/inquiries/export"
    tags = ["inquiries"]
    guards = [authorize]
    security = BEARER
    dependencies = {"filters": Provide(filters_of, sync_to_thread=False)}

    @get(
        "/",
        opt=requires(P.FIND),
        summary="Export inquiries as CSV",
        media_type=CSV,
        responses={
            200: ResponseSpec(str, description="CSV with a header row", media_type=CSV),
            **error_responses(400, 401, 403),
        },
    )
    async def export(
        self,
        request: Request[Any, Any, Any],
        filters: Filters,
        sort: Literal["created_at", "-created_at"] = "-created_at",
    ) -> Stream:
        """Streamed in constant memory; formula-like cells are prefixed with ``'``."""
        runtime: Runtime = request.app.state.runtime
        chunks = await service.csv_chunks(
            runtime.sessions, filters, newest_first=sort == "-created_at"
        )
        disposition = f'attachment; filename="{service.filename(filters.merchant_id)}"'
        return Stream(chunks, media_type=CSV, headers={"Content-Disposition": disposition})
