"""The backoffice ASGI app: ``uvicorn --factory services.backoffice.app:create_app``."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi.spec import SecurityScheme

from services.backoffice.auth import provide_merchant, provide_principal
from services.backoffice.console.controllers import console_routes
from services.backoffice.inquiries.controllers import InquiryController, LabelsController
from shared.runtime import Runtime, create_http_app
from shared.settings import AuthSettings, ConsoleSettings


def create_app() -> Litestar:
    """Build the app from the environment (settings are validated here, at start)."""
    auth_settings = AuthSettings.from_env()

    def dependencies(_: Runtime) -> dict[str, Any]:
        return {
            "principal": Provide(provide_principal, sync_to_thread=False),
            "merchant": Provide(provide_merchant, sync_to_thread=False),
        }

    app = create_http_app(
        "backoffice",
        [InquiryController, LabelsController, *console_routes(ConsoleSettings.from_env())],
        dependencies=dependencies,
        security={"BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")},
    )
    app.state.auth_settings = auth_settings
    return app
