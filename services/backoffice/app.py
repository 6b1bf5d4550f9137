"""The backoffice ASGI app: ``uvicorn --factory services.backoffice.app:create_app``."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi.spec import SecurityScheme

from services.backoffice.auth import provide_merchant, provide_principal
from services.backoffice.console.controllers import console_routes
from services.backoffice.exports.controllers import ExportController
from services.backoffice.inquiries.controllers import InquiryController, LabelsController
from services.backoffice.overdue.service import OverdueScanner
from services.backoffice.settings.controllers import SettingsController
from shared.runtime import Runtime, create_http_app
from shared.settings import AuthSettings, ConsoleSettings, SlaSettings


def create_app() -> Litestar:
    """Build the app from the environment (settings are validated here, at start)."""
    auth_settings = AuthSettings.from_env()
    sla_settings = SlaSettings.from_env()

    def dependencies(_: Runtime) -> dict[str, Any]:
        return {
            "principal": Provide(provide_principal, sync_to_thread=False),
            "merchant": Provide(provide_merchant, sync_to_thread=False),
        }

    app = create_http_app(
        "backoffice",
        [
            InquiryController,
            LabelsController,
            SettingsController,
            ExportController,
            *console_routes(ConsoleSettings.from_env()),
        ],
        dependencies=dependencies,
        security={"BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")},
    )
    app.state.auth_settings = auth_settings
    app.state.sla_settings = sla_settings
    runtime: Runtime = app.state.runtime
    scanner = OverdueScanner(runtime.sessions, runtime.relay.wake)
    app.on_startup.append(scanner.start)
    app.on_shutdown.append(scanner.stop)  # shutdown hooks run in reverse: before the runtime's
    return app
