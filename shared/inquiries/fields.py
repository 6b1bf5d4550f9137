"""The inquiry fields a client may send (SPEC §4): the wire schemas of a new lead and of a PATCH.

The limits live on the types, once; ``shared.inquiries.validation`` reads them from here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeGuard

import msgspec
from msgspec import UNSET, Meta, UnsetType

from shared.errors import FieldError
from shared.inquiries.labels import BusinessSize, InquiryType, Locale

Text200 = Annotated[str, Meta(min_length=1, max_length=200)]
Text512 = Annotated[str, Meta(max_length=512)]
Email = Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]
Phone = Annotated[str, Meta(max_length=32)]
Industry = Annotated[str, Meta(max_length=100)]
# An http(s) URL, or empty (not given); the validator checks the host too.
Website = Annotated[str, Meta(max_length=2048, pattern=r"^(?:[hH][tT][tT][pP][sS]?://\S+)?$")]
# Lower case is accepted and stored upper case; empty means not given, as for every optional
# text field (the document says so, or a fuzzer rightly calls accepting "" a schema violation).
Country = Annotated[str, Meta(pattern="^(?:[A-Za-z]{2})?$")]
Message = Annotated[str, Meta(min_length=1, max_length=5000)]


class Source(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Where the visitor came from."""

    page_url: Text512 | None = None
    referrer: Text512 | None = None
    utm_source: Text512 | None = None
    utm_medium: Text512 | None = None
    utm_campaign: Text512 | None = None
    utm_term: Text512 | None = None
    utm_content: Text512 | None = None


class InquiryInput(msgspec.Struct, kw_only=True):
    """What a prospect (or a staff member on their behalf) tells us about a lead."""

    name: Text200
    email: Email
    phone: Phone | None = None
    business_name: Text200
    business_size: BusinessSize | None = None
    industry: Industry | None = None
    website: Website | None = None
    country: Country | None = None
    subject: Text200
    message: Message
    type: InquiryType = "sales"
    locale: Locale = "en"
    source: Source | None = None


class StaffInquiryInput(InquiryInput, kw_only=True, forbid_unknown_fields=True):
    """A lead entered by staff: only the inquiry's own fields (a typo is an error, not ignored)."""


class InquiryPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The fields a PATCH changes; the ones it leaves out stay ``UNSET`` (and are not encoded)."""

    name: Text200 | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    business_name: Text200 | UnsetType = UNSET
    business_size: BusinessSize | UnsetType | None = UNSET
    industry: Industry | UnsetType | None = UNSET
    website: Website | UnsetType | None = UNSET
    country: Country | UnsetType | None = UNSET
    subject: Text200 | UnsetType = UNSET
    message: Message | UnsetType = UNSET
    type: InquiryType | UnsetType = UNSET
    locale: Locale | UnsetType = UNSET
    source: Source | UnsetType | None = UNSET


def example_inquiry() -> dict[str, Any]:
    """A valid inquiry with every optional field, as a marketing form sends it (a fresh copy):
    the example in the OpenAPI documents (schemathesis submits it), the bench's body, the tests'
    base body."""
    return {
        "name": "Ann Nguyen",
        "email": "ann@example.com",
        "phone": "+84 90 123 4567",
        "business_name": "Acme Trading",
        "business_size": "11-50",
        "industry": "Retail",
        "website": "https://acme.example",
        "country": "VN",
        "subject": "Pricing for 3 stores",
        "message": "Hello,\nwe run three stores.\tThanks!",
        "type": "pricing",
        "locale": "en",
        "source": {"page_url": "https://site.example/contact", "utm_source": "google"},
    }


#: A tenant id: what ``x-merchant-id`` (and a room name) may carry.
MERCHANT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # \Z, not $: "m1\n" must not pass
MERCHANT_ID_RULE = "1-64 of A-Z a-z 0-9 _ -"


def merchant_ok(merchant_id: str | None) -> TypeGuard[str]:
    """Whether ``merchant_id`` is a usable tenant id."""
    return merchant_id is not None and MERCHANT_ID.match(merchant_id) is not None


def merchant_error(merchant_id: str | None) -> FieldError:
    """Why ``merchant_id`` is not usable (missing or malformed), as the ``x-merchant-id`` error."""
    if merchant_id is None:
        return FieldError("x-merchant-id", f"is required: {MERCHANT_ID_RULE}")
    return FieldError("x-merchant-id", f"must be {MERCHANT_ID_RULE}")


# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F: one
# regex scan, not a category lookup per character of a 5,000-character message.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and newline pass


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """NUL and other control characters; newline and tab pass in ``multiline`` text."""
    return (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text) is not None
