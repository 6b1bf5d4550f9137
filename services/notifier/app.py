"""The notifier ASGI app: ``uvicorn --factory services.notifier.app:create_app``."""

from __future__ import annotations

from litestar import Litestar

from services.notifier.controllers import ws_route
from services.notifier.service import Notifier
from shared.logging import configure_logging
from shared.settings import AuthSettings, LogSettings, NotifierSettings, RedisSettings
from shared.web import EXCEPTION_HANDLERS, RequestContextMiddleware, health_controller, metrics


def create_app() -> Litestar:
    """Build the app from the environment (no database: the stream is its only input)."""
    configure_logging(LogSettings.from_env())
    notifier = Notifier(
        NotifierSettings.from_env(), RedisSettings.from_env(), AuthSettings.from_env()
    )
    prometheus, metrics_controller = metrics("notifier")
    health = health_controller({"redis": notifier.redis_ok, "stream_reader": notifier.reader_ok})
    return Litestar(
        route_handlers=[ws_route(notifier), health, metrics_controller],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestContextMiddleware(), prometheus.middleware],
        on_startup=[notifier.start],
        on_shutdown=[notifier.close],
        openapi_config=None,
        logging_config=None,
    )
