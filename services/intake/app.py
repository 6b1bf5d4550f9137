"""The intake ASGI app: ``uvicorn --factory services.intake.app:create_app``."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.di import Provide

from services.intake.inquiries.controllers import SubmitController
from services.intake.ratelimit import RateLimiter
from shared.runtime import Runtime, create_http_app
from shared.settings import IntakeSettings


def create_app() -> Litestar:
    """Build the app from the environment (settings are validated here, at start)."""
    settings = IntakeSettings.from_env()

    def dependencies(runtime: Runtime) -> dict[str, Any]:
        limiter = RateLimiter(runtime.redis, settings.rate_per_ip, settings.rate_per_merchant)
        return {
            "limiter": Provide(lambda: limiter, sync_to_thread=False),
            "intake_settings": Provide(lambda: settings, sync_to_thread=False),
        }

    return create_http_app(
        "intake",
        [SubmitController],
        dependencies=dependencies,
        cors_origins=settings.allowed_origins,
    )
