"""The one error hierarchy of the project; ``shared.web`` maps it to HTTP once."""

from __future__ import annotations

import msgspec


class FieldError(msgspec.Struct, frozen=True):
    """One bad input field and why, in words a person can act on."""

    field: str
    message: str


#: At most this many field errors are listed: a body of thousands of unknown keys must not get
#: an answer ten times its size.
MAX_LISTED_ERRORS = 50
_MAX_DETAIL = 500


def capped(detail: str, errors: list[FieldError] | None) -> tuple[str, list[FieldError] | None]:
    """``detail`` and ``errors`` bounded in size; the detail says how many were left out."""
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 1] + "…"
    if errors is not None and len(errors) > MAX_LISTED_ERRORS:
        detail += f" ({len(errors) - MAX_LISTED_ERRORS} more errors not listed)"
        errors = errors[:MAX_LISTED_ERRORS]
    return detail, errors


class AppError(Exception):
    """A failure the client caused or must know about; carries its HTTP status."""

    status_code = 500

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        detail, errors = capped(detail, errors)
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(AppError):
    """The request is malformed or a field is invalid."""

    status_code = 400


class Unauthorized(AppError):
    """No valid credentials."""

    status_code = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    """Valid credentials without the permission needed."""

    status_code = 403


class NotFound(AppError):
    """No such resource for this tenant."""

    status_code = 404


class Conflict(AppError):
    """The resource is not in a state that allows the action."""

    status_code = 409


class PreconditionFailed(AppError):
    """``If-Match`` named a version that is no longer current."""

    status_code = 412


class UnsupportedMediaType(AppError):
    """The body's content type is not one the endpoint reads."""

    status_code = 415


class IdempotencyKeyReused(AppError):
    """An ``Idempotency-Key`` came back with a different body."""

    status_code = 422


class RateLimited(AppError):
    """Too many requests; ``Retry-After`` says when to come back."""

    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
