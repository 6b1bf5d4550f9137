"""The one guard of the backoffice: bearer token, merchant header and the route's permission.

A route declares what it needs with ``opt={"permission": InquiryPermissions.X}``; routes without
it (the labels) need only a valid token. The guard leaves the caller on ``request.state``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from shared.auth import InquiryPermissions, Principal, decode_token
from shared.errors import BadRequest, Forbidden, Unauthorized
from shared.inquiries.fields import merchant_error, merchant_ok
from shared.settings import AuthSettings

PERMISSION = "permission"


def requires(permission: InquiryPermissions) -> dict[str, Any]:
    """Route ``opt`` naming the permission the guard enforces."""
    return {PERMISSION: permission}


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return token.strip()


def authorize(
    connection: ASGIConnection[Any, Any, Any, Any], route_handler: BaseRouteHandler
) -> None:
    """401 without a valid token, 400 without a merchant, 403 without the route's permission."""
    settings: AuthSettings = connection.app.state.auth_settings
    principal = decode_token(_bearer(connection), settings)
    connection.state.principal = principal
    permission = route_handler.opt.get(PERMISSION)
    if permission is None:
        return
    merchant = connection.headers.get("x-merchant-id")
    if not merchant_ok(merchant):
        error = merchant_error(merchant)
        raise BadRequest(f"x-merchant-id: {error.message}", errors=[error])
    if not principal.can(merchant, permission):
        raise Forbidden(f"no {permission} permission for merchant {merchant}")
    connection.state.merchant_id = merchant


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller the guard verified."""
    principal: Principal = request.state.principal
    return principal


def provide_merchant(request: Request[Any, Any, Any]) -> str:
    """The merchant the guard checked the caller's permission for."""
    merchant: str = request.state.merchant_id
    return merchant
