"""Formats of inquiry fields beyond type and length (email, URLs, country), and the fast path.

A submit as a marketing form sends it is usually clean already: nothing to trim, no field left
blank, no error. :func:`prevalidated` checks that with msgspec's own decoder (types and limits
in C) and the format checks below, and returns the struct; anything else (a space to trim, a
CRLF, a blank field, a mistake) goes through the full validator, which words every
error. Both give the same struct for the same input: a property test holds them to it.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar
from urllib.parse import urlsplit

import msgspec
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from shared.inquiries.countries import COUNTRIES
from shared.inquiries.fields import has_control_characters

T = TypeVar("T", bound=msgspec.Struct)

#: Newline and tab belong in a message (and a reply or a note); nowhere else.
MULTILINE = frozenset({"message", "note"})

# The everyday address: ASCII dot-atoms, a domain of letter-digit-hyphen labels ending in a
# letters-only one. For these, email_validator's answer is known (valid; the domain lower-cased),
# and it costs ~8 % of intake's CPU per submit to hear it; anything else goes to it.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{1,63})\Z"
)


def plain_email(value: str) -> str | None:
    """``value`` normalised as email_validator would, when it is an everyday address; else None
    (then ask email_validator)."""
    match = _PLAIN_EMAIL.match(value)
    if match is None or len(value) > 254 or len(match["local"]) > 64 or "--" in value:
        return None  # "--": Punycode and the labels that must not look like it
    domain = match["domain"].lower()
    if any(domain == name or domain.endswith(f".{name}") for name in SPECIAL_USE_DOMAIN_NAMES):
        return None
    return f"{match['local']}@{domain}"


def check_format(name: str, value: str) -> tuple[str | None, str]:
    """Field-specific formats beyond length: returns (error code or None, normalised value)."""
    if name == "email":
        if (plain := plain_email(value)) is not None:
            return None, plain
        try:
            return None, validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            return "email", value
    if name in ("website", "page_url", "referrer"):
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
        return (None if ok else "url"), value
    if name == "country":
        return (None if value.upper() in COUNTRIES else "country"), value.upper()
    return None, value


def prevalidated(raw: dict[str, Any], schema: type[T]) -> T | None:
    """``raw`` as ``schema`` when it needs no trimming or fixing and breaks no rule; else None."""
    try:
        built = msgspec.convert(raw, schema)
    except msgspec.ValidationError:
        return None
    changed = _normalised(built)
    if changed is None:
        return None
    source = getattr(built, "source", None)
    if source is not None:
        changed_source = _normalised(source)
        if changed_source is None:
            return None
        if changed_source:
            changed["source"] = msgspec.structs.replace(source, **changed_source)
    return msgspec.structs.replace(built, **changed) if changed else built


def _normalised(struct: msgspec.Struct) -> dict[str, object] | None:
    """The text fields whose normal form differs, or None when one is blank, would be trimmed,
    holds a control character or breaks its format."""
    changed: dict[str, object] = {}
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if not isinstance(value, str):
            continue
        if value != value.strip() or "\r" in value:
            return None
        if not value:
            return None  # left blank: "not given" if optional, an error if not
        if has_control_characters(value, multiline=name in MULTILINE):
            return None
        code, normal = check_format(name, value)
        if code is not None:
            return None
        if normal != value:
            changed[name] = normal
    return changed
