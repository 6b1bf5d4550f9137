"""``/console/``: the staff console page, its static assets and the development sign-in."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from services.backoffice.console import service
from services.backoffice.console.schemas import DevLoginBody, DevLoginOut
from shared.errors import Forbidden
from shared.settings import AuthSettings, ConsoleSettings, is_loopback
from shared.web import error_responses


def console_routes(settings: ConsoleSettings) -> list[ControllerRouterHandler]:
    """The page and its assets; the development sign-in only when ``CONSOLE_DEV_LOGIN`` is on."""
    page = service.render_page(settings)

    @get(["/console", "/console/"], include_in_schema=False, sync_to_thread=False)
    def console_page(request: Request[Any, Any, Any]) -> Response[str]:
        """The single page; its CSP allows the backoffice and the notifier, nothing else."""
        origins = service.notifier_origins(
            settings, request.headers.get("host", ""), request.url.scheme
        )
        return Response(
            page,
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Security-Policy": service.content_security_policy(origins),
                # The CSP is built from the Host header: never let a cache share it.
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    assets = create_static_files_router(
        path="/console/static",
        directories=[service.STATIC_DIR],
        name="console-static",
        cache_control=CacheControlHeader(no_cache=True),  # no build step: revalidate by ETag
        include_in_schema=False,
    )

    @post(
        "/console/dev-login",
        status_code=200,
        summary="Development sign-in (make run only)",
        tags=["console"],
        responses=error_responses(400, 403),
    )
    async def dev_login(request: Request[Any, Any, Any], data: DevLoginBody) -> DevLoginOut:
        """A token with every inquiry permission for the chosen user and merchant."""
        hostname = service.hostname_of(request.headers.get("host", ""))
        if not is_loopback(hostname):
            # A page on another site that rebinds its DNS name to 127.0.0.1 gets nothing.
            raise Forbidden(f"development sign-in answers only on a loopback host, not {hostname}")
        auth: AuthSettings = request.app.state.auth_settings
        return DevLoginOut(service.dev_token(auth, data.user_id, data.merchant_id))

    return [console_page, assets, *([dev_login] if settings.console_dev_login else [])]
