"""Wire schemas of a merchant's lead-operations settings."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from msgspec import Meta

from shared.errors import BadRequest, FieldError

MIN_TARGET_SECONDS = 60
MAX_TARGET_SECONDS = 604_800  # one week

TargetSeconds = Annotated[
    int,
    Meta(
        ge=MIN_TARGET_SECONDS,
        le=MAX_TARGET_SECONDS,
        description="Seconds from submit within which a first reply is due",
    ),
]


class SettingsBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The settings a merchant may change."""

    first_response_target_seconds: TargetSeconds


class SettingsOut(msgspec.Struct, frozen=True):
    """The settings in force for the merchant (the defaults until it sets its own)."""

    first_response_target_seconds: int


# msgspec names the field as ``$.name`` (wrong value) or `name` (missing or unknown field).
_FIELD = re.compile(r"`\$\.([^`]+)`|field `([^`]+)`")


def parse_settings(body: bytes) -> SettingsBody:
    """The body decoded strictly (``"3600"`` is not a number); 400 naming the bad field."""
    try:
        return msgspec.json.decode(body, type=SettingsBody)
    except msgspec.ValidationError as exc:
        found = _FIELD.search(str(exc))
        field = (found.group(1) or found.group(2)) if found else "body"
        raise BadRequest(f"{field}: {exc}", errors=[FieldError(field, str(exc))]) from exc
    except msgspec.DecodeError as exc:
        raise BadRequest(f"body: not JSON ({exc})", errors=[FieldError("body", str(exc))]) from exc
