"""Wire schemas of a merchant's lead-operations settings."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

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
