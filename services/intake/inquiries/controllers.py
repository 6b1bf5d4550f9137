"""``POST /v1/inquiries``: JSON or classic form posts from a public marketing site."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from litestar import Controller, Request, Response, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Redirect

from services.intake.context import IntakeContext
from services.intake.inquiries import service
from services.intake.inquiries.pages import error_page, thank_you_page
from services.intake.inquiries.schemas import Submission, SubmitResponse
from services.intake.ratelimit import client_ip
from shared.errors import AppError, BadRequest, FieldError, UnsupportedMediaType
from shared.inquiries.fields import InquiryInput, example_inquiry, merchant_error, merchant_ok
from shared.inquiries.validation import decode_object, invalid, locale_of, validate_input
from shared.web import error_response, error_responses, request_body_operation

MAX_BODY = 32 * 1024
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_HTML = "text/html"


def resolve_merchant(header: str | None, query: str | None) -> tuple[str, list[FieldError]]:
    """The merchant from ``x-merchant-id`` or the ``merchant_id`` query; errors if unusable."""
    if header is not None and query is not None and header != query:
        return "", [FieldError("x-merchant-id", "differs from the merchant_id query parameter")]
    merchant = header if header is not None else query
    if not merchant_ok(merchant):
        return "", [merchant_error(merchant)]
    return merchant, []


def _form_fields(body: bytes) -> dict[str, Any]:
    """A form body as the JSON one would be: ``source.page_url`` and such under ``source``."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest("form body is not valid UTF-8") from exc
    form: dict[str, Any] = {}
    source: dict[str, str] = {}
    for key, value in pairs:
        if key.startswith("source."):
            source[key.removeprefix("source.")] = value
        else:
            form[key] = value
    if source:
        if "source" in form:
            error = FieldError("source", "send source.* fields or source, not both")
            raise BadRequest("invalid inquiry: source", errors=[error])
        form["source"] = source
    return form


async def read_body(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], bool]:
    """The body as a dict, and whether it came from an HTML form."""
    media_type = request.content_type[0]
    if media_type not in (_JSON, _FORM):
        raise UnsupportedMediaType(
            f"content type {media_type or '(none)'!r} is not supported; send {_JSON} or {_FORM}"
        )
    body = await request.body()
    if media_type == _JSON:
        return decode_object(body), False
    return _form_fields(body), True


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return request.accept.best_match([_JSON, _HTML], default=_JSON) == _HTML


def _allowed_next(next_url: object, allowed_origins: list[str]) -> str | None:
    if not isinstance(next_url, str):
        return None
    parts = urlsplit(next_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return next_url if parts.scheme in ("http", "https") and origin in allowed_origins else None


def _render_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Errors of this route: a readable page for a browser form post, else the JSON body."""
    if isinstance(exc, AppError):
        status, detail, errors, headers = exc.status_code, exc.detail, exc.errors, exc.headers
    elif isinstance(exc, HTTPException):
        status, detail, errors, headers = exc.status_code, exc.detail, None, exc.headers or {}
    else:
        raise exc
    if request.state.get("html_form"):
        page = error_page(request.state.get("locale", "en"), detail, errors)
        return Response(page, status_code=status, media_type=_HTML, headers=headers)
    return error_response(status, detail, errors, headers)


class SubmitController(Controller):
    """The public submit endpoint."""

    path = "/v1/inquiries"
    tags = ["inquiries"]
    exception_handlers = {AppError: _render_error, HTTPException: _render_error}

    @post(
        "/",
        status_code=201,
        request_max_body_size=MAX_BODY,
        summary="Submit an inquiry",
        description="A JSON body, or a form-encoded one with the same field names "
        "(``source.page_url`` and so on for the source fields).",
        operation_class=request_body_operation(InquiryInput, [_JSON, _FORM], example_inquiry()),
        responses={
            201: ResponseSpec(SubmitResponse, description="Stored as NEW"),
            303: ResponseSpec(None, description="Browser form post: on to the allowed _next"),
            **error_responses(400, 413, 415, 422, 429),
        },
    )
    async def submit(
        self,
        request: Request[Any, Any, State],
        x_merchant_id: str | None = Parameter(header="x-merchant-id", required=False),
        merchant_id: str | None = Parameter(query="merchant_id", required=False),
        idempotency_key: str | None = Parameter(header="idempotency-key", required=False),
    ) -> Response[Any]:
        """Store the inquiry as NEW; it is notified after commit by the outbox relay."""
        intake: IntakeContext = request.app.state.intake
        merchant, merchant_errors = resolve_merchant(x_merchant_id, merchant_id)
        ip = client_ip(
            request.client.host if request.client else None,
            request.headers.getall("x-forwarded-for", []),
            intake.trusted_proxies,
        )
        await intake.limiter.hit(ip, None)  # every request counts against its client IP
        raw, is_form = await read_body(request)
        request.state.locale = locale_of(raw)
        request.state.html_form = is_form and _wants_html(request)
        fields, errors = validate_input(raw, InquiryInput)
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
            errors.append(FieldError("Idempotency-Key", "must be 1-255 characters"))
        errors = merchant_errors + errors
        if errors or fields is None:
            raise invalid(errors)
        # Only an accepted submit counts against its merchant: junk cannot shut their form.
        await intake.limiter.hit(None, merchant)
        answer = await service.submit(
            intake.writer,
            Submission(
                merchant_id=merchant,
                fields=fields,
                is_spam=bool(str(raw.get("_gotcha") or "").strip()),
                idempotency_key=idempotency_key,
            ),
        )
        if not request.state.html_form:
            return Response(answer, status_code=201)
        next_url = _allowed_next(raw.get("_next"), intake.allowed_origins)
        if next_url is not None:
            return Redirect(next_url, status_code=303)
        return Response(thank_you_page(request.state.locale), status_code=201, media_type=_HTML)
