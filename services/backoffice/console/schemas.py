"""Wire schemas of the console's development sign-in."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from shared.inquiries.fields import MERCHANT_ID


class DevLoginBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who to sign in as: a user id and the merchant to work for."""

    user_id: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^\S+$")]
    merchant_id: Annotated[str, Meta(pattern="^" + MERCHANT_ID.pattern)]


class DevLoginOut(msgspec.Struct, frozen=True):
    """A token carrying every inquiry permission for that merchant."""

    token: str
