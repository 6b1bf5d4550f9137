"""The intake ASGI app: ``uvicorn --factory services.intake.app:create_app``."""

from __future__ import annotations

from litestar import Litestar

from services.intake.context import IntakeContext
from services.intake.embed.controllers import EmbedController
from services.intake.inquiries.controllers import SubmitController
from services.intake.ratelimit import RateLimiter
from shared.inquiries.writer import InquiryWriter
from shared.runtime import Runtime, create_http_app
from shared.settings import IntakeSettings


def create_app() -> Litestar:
    """Build the app from the environment (settings are validated here, at start)."""
    settings = IntakeSettings.from_env()
    app = create_http_app(
        "intake", [SubmitController, EmbedController], cors_origins=settings.allowed_origins
    )
    runtime: Runtime = app.state.runtime
    limiter = RateLimiter(runtime.redis, settings.rate_per_ip, settings.rate_per_merchant)
    # On app state rather than as dependencies: with the session as the handler's only
    # dependency, Litestar resolves it directly instead of spawning a task group per request.
    # The group-commit writer is intake's alone: the backoffice writes through its request session.
    writer = InquiryWriter(runtime.engine, runtime.relay.wake, runtime.relay.publish_taken)
    app.state.intake = IntakeContext.build(settings, limiter, writer)
    app.on_shutdown.append(writer.close)  # shutdown hooks run in reverse: before the runtime's
    return app
