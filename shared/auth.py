"""Staff tokens (SPEC §6): HS256 JWTs whose ``perms`` map merchant id → permission strings."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated, Any

import jwt
import msgspec

from shared.errors import Unauthorized
from shared.settings import AuthSettings


class InquiryPermissions(StrEnum):
    """The permission strings of SPEC §6."""

    FIND = "inquiry.find"
    FIND_BY_ID = "inquiry.find_by_id"
    COUNT = "inquiry.count"
    CREATE = "inquiry.create"
    UPDATE = "inquiry.update"
    DELETE = "inquiry.delete"


# The staff id is stored in ``assignee_id`` / ``actor_id`` columns of this width.
MAX_SUB_LENGTH = 128


class Principal(msgspec.Struct, frozen=True):
    """Who is calling, until when, and what they may do for which merchant."""

    sub: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_SUB_LENGTH)]
    name: str | None
    exp: int
    perms: dict[str, list[str]]

    def can(self, merchant_id: str, permission: str) -> bool:
        """Whether this principal holds ``permission`` for ``merchant_id``."""
        return permission in self.perms.get(merchant_id, ())


def decode_token(token: str, settings: AuthSettings) -> Principal:
    """Verify signature, algorithm and expiry; reject anything else with 401.

    HS256 is checked against ``JWT_SECRET``; RS256 only against ``JWT_PUBLIC_KEY`` when one is
    configured. Each algorithm has its own key, so a public key is never taken for a secret.
    """
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
        keys = {"HS256": settings.jwt_secret}
        if settings.jwt_public_key:
            keys["RS256"] = settings.jwt_public_key
        # A list or object here is a hostile header, not an algorithm (and is unhashable).
        if not isinstance(algorithm, str) or algorithm not in keys:
            shown = algorithm if isinstance(algorithm, str) else type(algorithm).__name__
            raise Unauthorized(f"invalid token: algorithm {shown[:20]!r} is not accepted")
        claims = jwt.decode(
            token,
            keys[algorithm],
            algorithms=[algorithm],
            options={"require": ["sub", "exp"]},
        )
        return msgspec.convert(
            {
                "sub": claims["sub"],
                "name": claims.get("name"),
                "exp": claims["exp"],
                "perms": claims.get("perms") or {},
            },
            Principal,
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    except msgspec.ValidationError as exc:
        raise Unauthorized(f"invalid token claims: {exc}") from exc
    except (TypeError, ValueError, KeyError) as exc:
        # A header or claim of a type PyJWT does not expect: still just a bad token.
        raise Unauthorized("invalid token: malformed") from exc


def mint_token(
    settings: AuthSettings,
    *,
    sub: str,
    merchant_id: str,
    perms: list[str],
    ttl_seconds: int = 3600,
    name: str | None = None,
) -> str:
    """A signed development token for one merchant."""
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name or sub,
        "exp": int(time.time()) + ttl_seconds,
        "perms": {merchant_id: perms},
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
