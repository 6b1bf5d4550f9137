"""What every HTTP service process holds: database, Redis, outbox relay, and its Litestar app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Reference, SecurityScheme
from litestar.types import ControllerRouterHandler
from sqlalchemy import text

from shared.db import create_engine, create_sessionmaker, session_provider
from shared.logging import configure_logging
from shared.metrics import metrics_controller, request_metrics
from shared.outbox import OutboxRelay
from shared.redis import answers, create_redis
from shared.settings import DatabaseSettings, LogSettings, RedisSettings, ServerSettings
from shared.web import EXCEPTION_HANDLERS, RequestContextMiddleware, health_controller


class Runtime:
    """The connections of one service process, opened at start and closed at shutdown."""

    def __init__(self, database: DatabaseSettings, redis: RedisSettings) -> None:
        self.engine = create_engine(database)
        self.sessions = create_sessionmaker(self.engine)
        self.redis = create_redis(redis)
        self.relay = OutboxRelay(self.engine, self.sessions, self.redis, redis)

    async def database_ok(self) -> bool:
        """PostgreSQL answers a query (within ``DATABASE_TIMEOUT_SECONDS``, as every wait)."""
        # No asyncio.timeout here: cancelling a psycopg query costs seconds of cancel attempts
        # on a frozen server; the connection's own deadline ends the wait cleanly.
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    async def redis_ok(self) -> bool:
        """Redis answers PING within a second."""
        return await answers(self.redis)

    async def start(self) -> None:
        """Start the outbox relay."""
        self.relay.start()

    async def close(self) -> None:
        """Stop the relay and close every connection."""
        await self.relay.stop()
        await self.redis.aclose()
        await self.engine.dispose()


def create_http_app(
    service: str,
    route_handlers: Sequence[ControllerRouterHandler],
    *,
    dependencies: Callable[[Runtime], dict[str, Any]] | None = None,
    cors_origins: list[str] | None = None,
    security: dict[str, SecurityScheme | Reference] | None = None,
) -> Litestar:
    """A Litestar app with the project's logging, errors, health, metrics and transaction.

    ``dependencies`` builds the service's own providers from the process's :class:`Runtime`.
    """
    configure_logging(LogSettings.from_env())
    runtime = Runtime(DatabaseSettings.from_env(), RedisSettings.from_env())
    # Redis is optional for readiness: without it submits and changes still commit, and their
    # events wait in the outbox; PostgreSQL is required.
    checks = {"database": runtime.database_ok, "redis": runtime.redis_ok}
    health = health_controller(checks, optional=frozenset({"redis"}))
    return Litestar(
        route_handlers=[
            *route_handlers,
            health,
            metrics_controller(ServerSettings.from_env().metrics_token),
        ],
        dependencies={
            "session": Provide(session_provider(runtime.sessions, runtime.relay.wake)),
            **(dependencies(runtime) if dependencies else {}),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestContextMiddleware(request_metrics(service))],
        cors_config=CORSConfig(allow_origins=cors_origins) if cors_origins else None,
        on_startup=[runtime.start],
        on_shutdown=[runtime.close],
        openapi_config=OpenAPIConfig(
            title=f"Sales Inquiries — {service}",
            version="1.0.0",
            path="/schema",
            # The JSON alone: every browsable renderer Litestar ships loads its assets from a CDN.
            render_plugins=[JsonRenderPlugin()],
            # Declared per route (the backoffice's controllers): /metrics and /health need none.
            components=Components(security_schemes=dict(security or {})),
        ),
        # No route takes more (SPEC §6: 64 KiB; the submit 32 KiB); Litestar would allow 10 MB.
        request_max_body_size=64 * 1024,
        state=State({"runtime": runtime}),
        logging_config=None,
    )
