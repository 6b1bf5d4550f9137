"""HTTP plumbing every service shares: error mapping, request ids, access log, health, metrics."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import msgspec
import structlog
from litestar import Controller, Request, Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from shared.errors import AppError, FieldError, capped
from shared.health import LIVE, ReadinessCheck, log_request, readiness
from shared.metrics import UNCOUNTED, RequestMetrics

log = structlog.get_logger("http")


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """Every error response: ``{"status_code", "detail", "errors"?}``."""

    status_code: int
    detail: str
    errors: list[FieldError] | None = None


def error_response(
    status_code: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[ErrorBody]:
    """The JSON error response of SPEC §5."""
    return Response(
        ErrorBody(status_code, detail, errors),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type="application/json",
    )


_ERROR_MEANINGS = {
    400: "Invalid input: every bad field is listed in errors",
    401: "Missing, expired or invalid token",
    403: "No permission for this merchant",
    404: "No such inquiry for this merchant",
    409: "Not allowed in the current state",
    412: "If-Match names a stale version",
    413: "Body over the size limit",
    415: "Unsupported content type",
    422: "Idempotency-Key reused with another body",
    429: "Rate limited; see Retry-After",
    503: "Database unavailable; see Retry-After",
}


def error_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the error statuses an endpoint can answer."""
    return {
        code: ResponseSpec(ErrorBody, description=_ERROR_MEANINGS[code], generate_examples=False)
        for code in codes
    }


def _app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[ErrorBody]:
    return error_response(exc.status_code, exc.detail, exc.errors, exc.headers)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    # Litestar's own errors (unknown route, wrong method, body too large, bad parameter).
    detail = exc.detail
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        FieldError(str(e.get("key", "")), str(e.get("message", "")))
        for e in extra
        if isinstance(e, dict)
    ] or None
    if errors and detail.startswith("Validation failed"):
        detail = "invalid request: " + "; ".join(f"{e.field}: {e.message}" for e in errors)
    return error_response(exc.status_code, *capped(detail, errors), exc.headers)


def _database_down(_: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    # The request wrote nothing (its transaction never committed): safe to retry.
    log.error("database unavailable", error_type=type(exc).__name__)
    return error_response(503, "database unavailable, retry shortly", headers={"Retry-After": "5"})


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled error", error_type=type(exc).__name__)
    return error_response(500, "internal server error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    AppError: _app_error,
    HTTPException: _http_error,
    OperationalError: _database_down,
    SQLAlchemyTimeoutError: _database_down,
    Exception: _unexpected,
}


class RequestContextMiddleware(ASGIMiddleware):
    """Binds a request id to every log line of the request, writes one access line and records
    the request's metrics."""

    scopes = ("http",)  # type: ignore[assignment]

    def __init__(self, metrics: RequestMetrics) -> None:
        self._metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Bind the id, echo it back as ``X-Request-ID``; log and count method, path, status,
        time."""
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
                break
        # An id for log correlation, not a secret: no urandom call per request.
        request_id = request_id or f"{random.getrandbits(128):032x}"
        # Each request runs in its own task, started from a context with nothing bound: no
        # clear_contextvars needed (it copies the whole context on every call).
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        method, path = str(scope.get("method", "")), scope["path"]
        counted = not path.startswith(UNCOUNTED)
        if counted:
            self._metrics.started(method, scope["path_template"])
        try:
            await next_app(scope, receive, send_with_id)
        finally:
            log_request(method, path, status, started)
            if counted:
                seconds = time.perf_counter() - started
                self._metrics.finished(method, scope["path_template"], status, seconds)


class ShutdownState:
    """Whether this process was told to stop; readiness answers 503 from then on."""

    def __init__(self) -> None:
        self.draining = False

    def begin(self) -> None:
        """Start draining (called from the SIGTERM handler)."""
        self.draining = True


#: The process's one shutdown state, set by the server's signal handler.
SHUTDOWN = ShutdownState()


def health_controller(
    checks: Mapping[str, ReadinessCheck], optional: frozenset[str] = frozenset()
) -> type[Controller]:
    """``/health/live`` and ``/health/ready`` (each dependency's state; 503 if a required one is
    down or the process is draining before it stops; see :func:`shared.health.readiness`).
    """

    class HealthController(Controller):
        path = "/health"
        include_in_schema = False

        @get("/live", sync_to_thread=False)
        def live(self) -> dict[str, str]:
            """The process is up and serving."""
            return LIVE

        @get("/ready")
        async def ready(self) -> Response[dict[str, Any]]:
            """Every dependency answers, and the process is not shutting down."""
            if SHUTDOWN.draining:
                return Response({"status": "draining", "checks": {}}, status_code=503)
            status, body = await readiness(checks, optional)
            return Response(body, status_code=status)

    return HealthController


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """Replace msgspec's ``#/$defs/X`` references with the definitions themselves."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


def request_body_operation(
    schema_of: type, media_types: Sequence[str], example: dict[str, Any] | None = None
) -> type[Operation]:
    """An OpenAPI operation documenting a body the handler parses itself (e.g. JSON or a form),
    with an ``example`` of its JSON form."""
    generated = msgspec.json.schema(schema_of)
    schema = _inline_refs(generated, generated.get("$defs", {}))
    schema.pop("$defs", None)

    @dataclass
    class BodyOperation(Operation):
        def __post_init__(self) -> None:
            # Litestar serialises a plain dict as it is: the schema is msgspec's own.
            self.request_body = RequestBody(
                content={
                    m: OpenAPIMediaType(
                        schema=cast(Schema, schema),
                        example=example if m == "application/json" else None,
                    )
                    for m in media_types
                },
                required=True,
            )

    return BodyOperation
