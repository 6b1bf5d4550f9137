"""``/v1/settings``: a merchant's lead-operations settings (SPEC §13)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from services.backoffice.auth import authorize, requires
from services.backoffice.inquiries.controllers import BEARER, MAX_BODY
from services.backoffice.settings import service
from services.backoffice.settings.schemas import SettingsBody, SettingsOut, parse_settings
from shared.auth import InquiryPermissions as P
from shared.auth import Principal
from shared.settings import SlaSettings
from shared.web import error_responses, request_body_operation


def provide_sla(request: Request[Any, Any, Any]) -> SlaSettings:
    """The defaults read from the environment at start."""
    settings: SlaSettings = request.app.state.sla_settings
    return settings


class SettingsController(Controller):
    """Read (``inquiry.find``) and change (``inquiry.update``) the merchant's settings."""

    path = "/v1/settings"
    tags = ["settings"]
    guards = [authorize]
    security = BEARER
    request_max_body_size = MAX_BODY
    dependencies = {"sla": Provide(provide_sla, sync_to_thread=False)}

    @get(
        "/",
        opt=requires(P.FIND),
        summary="The merchant's settings",
        responses=error_responses(401, 403),
    )
    async def read(self, session: AsyncSession, merchant: str, sla: SlaSettings) -> SettingsOut:
        """The first-response target in force (``SLA_FIRST_RESPONSE_SECONDS`` until set)."""
        return await service.read(session, merchant, sla)

    @put(
        "/",
        opt=requires(P.UPDATE),
        summary="Change the merchant's settings",
        responses=error_responses(400, 401, 403),
        operation_class=request_body_operation(SettingsBody, ["application/json"]),
    )
    async def change(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        merchant: str,
        principal: Principal,
    ) -> SettingsOut:
        """Set the first-response target (60-604800 s) for inquiries created from now on."""
        body = parse_settings(await request.body())
        return await service.change(session, merchant, principal.sub, body)
