"""The inquiry fields a client may send (SPEC §4), and their validation.

``InquiryInput`` is the wire schema; ``validate_input`` reads its constraints and checks every
field at once, so a form learns all its mistakes in one round trip, in the submit's locale.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, cast
from urllib.parse import urlsplit

import msgspec
from email_validator import EmailNotValidError, validate_email
from msgspec import Meta

from shared.errors import FieldError
from shared.inquiries.labels import BusinessSize, InquiryType, Locale

Text200 = Annotated[str, Meta(min_length=1, max_length=200)]
Text512 = Annotated[str, Meta(max_length=512)]


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
    email: Annotated[str, Meta(max_length=254, extra_json_schema={"format": "email"})]
    phone: Annotated[str, Meta(max_length=32)] | None = None
    business_name: Text200
    business_size: BusinessSize | None = None
    industry: Annotated[str, Meta(max_length=100)] | None = None
    website: Annotated[str, Meta(max_length=2048, extra_json_schema={"format": "uri"})] | None = (
        None
    )
    country: Annotated[str, Meta(pattern="^[A-Z]{2}$")] | None = None
    subject: Text200
    message: Annotated[str, Meta(min_length=1, max_length=5000)]
    type: InquiryType = "sales"
    locale: Locale = "en"
    source: Source | None = None


_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("is required", "là bắt buộc"),
    "not_text": ("must be text", "phải là văn bản"),
    "not_object": ("must be an object", "phải là một đối tượng"),
    "empty": ("must not be empty", "không được để trống"),
    "too_long": ("must be at most {n} characters", "tối đa {n} ký tự"),
    "choice": ("must be one of: {choices}", "phải là một trong: {choices}"),
    "email": ("must be a valid email address", "phải là địa chỉ email hợp lệ"),
    "url": ("must be an http or https URL", "phải là địa chỉ URL http hoặc https"),
    "country": (
        "must be an ISO 3166 alpha-2 country code, such as VN",
        "phải là mã quốc gia ISO 3166 alpha-2, ví dụ VN",
    ),
    "control": (
        "must not contain NUL or control characters",
        "không được chứa ký tự NUL hoặc ký tự điều khiển",
    ),
    "unknown": ("is not a field of an inquiry", "không phải là trường của yêu cầu"),
    "readonly": ("cannot be changed here", "không thể thay đổi ở đây"),
}

# fmt: off
COUNTRIES = frozenset((  # noqa: SIM905 - one compact block of codes
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR "
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ "
    "EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW "
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV "
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG "
    "TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM "
    "ZW "
).split())
# fmt: on

# Newline and tab belong in a message; nowhere else is any control character acceptable.
_MULTILINE = frozenset({"message"})


def message(code: str, locale: str, **values: object) -> str:
    """The error text for ``code`` in ``locale`` (English unless ``vi``)."""
    en, vi = _MESSAGES[code]
    return (vi if locale == "vi" else en).format(**values)


#: A tenant id: what ``x-merchant-id`` (and a room name) may carry.
MERCHANT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # \Z, not $: "m1\n" must not pass


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """NUL and other control characters; newline and tab pass in ``multiline`` text."""
    allowed = "\n\t" if multiline else ""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def _check_format(name: str, value: str) -> tuple[str | None, str]:
    """Field-specific formats beyond length: returns (error code or None, normalised value)."""
    if name == "email":
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


def _check_text(
    name: str, raw: object, info: msgspec.inspect.StrType, multiline: bool
) -> tuple[str | None, dict[str, object], str]:
    if not isinstance(raw, str):
        return "not_text", {}, ""
    text = raw.replace("\r\n", "\n").strip()  # browsers send CRLF line breaks
    if has_control_characters(text, multiline=multiline):
        return "control", {}, text
    if info.min_length and len(text) < info.min_length:
        return "empty", {}, text
    if info.max_length is not None and len(text) > info.max_length:
        return "too_long", {"n": info.max_length}, text
    code, text = _check_format(name.rsplit(".", 1)[-1], text)
    return code, {}, text


def _check_value(
    path: str, raw: object, kind: msgspec.inspect.Type, locale: str, errors: list[FieldError]
) -> object:
    """Check one value against its msgspec type; append an error or return the clean value."""
    code: str | None = None
    values: dict[str, object] = {}
    clean: object = raw
    if isinstance(kind, msgspec.inspect.UnionType):
        if raw is None or raw == "":
            return None  # an optional field left blank on a form means "not given"
        kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type  # extra JSON schema only: the constraints sit on the inner type
    if isinstance(kind, msgspec.inspect.StrType):
        code, values, clean = _check_text(path, raw, kind, path in _MULTILINE)
    elif isinstance(kind, msgspec.inspect.LiteralType):
        clean = raw.strip() if isinstance(raw, str) else raw
        if clean not in kind.values:
            code, values = "choice", {"choices": ", ".join(map(str, kind.values))}
    elif isinstance(kind, msgspec.inspect.StructType):
        if not isinstance(raw, dict):
            code = "not_object"
        else:
            return _check_struct(kind, raw, locale, errors, prefix=f"{path}.")
    if code is not None:
        errors.append(FieldError(path, message(code, locale, **values)))
    return clean


def _check_struct(
    kind: msgspec.inspect.StructType,
    raw: dict[str, Any],
    locale: str,
    errors: list[FieldError],
    *,
    prefix: str = "",
    partial: bool = False,
    allow_unknown: bool = True,
) -> dict[str, Any]:
    known = {f.name: f for f in kind.fields}
    if not allow_unknown or kind.forbid_unknown_fields:
        errors.extend(
            FieldError(prefix + key, message("unknown", locale)) for key in raw if key not in known
        )
    clean: dict[str, Any] = {}
    for name, field in known.items():
        if name not in raw:
            if field.required and not partial:
                errors.append(FieldError(prefix + name, message("required", locale)))
            continue
        if raw[name] is None and field.required:
            errors.append(FieldError(prefix + name, message("required", locale)))
            continue
        value = _check_value(prefix + name, raw[name], field.type, locale, errors)
        if value is not None or partial:
            clean[name] = value
    return clean


# Inspecting the struct is costly: once, at import.
_INPUT_TYPE = cast(msgspec.inspect.StructType, msgspec.inspect.type_info(InquiryInput))


def validate_input(
    raw: dict[str, Any], *, partial: bool = False, allow_unknown: bool = True
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every field of ``raw``; return the trimmed, normalised values and all errors.

    ``partial`` checks only the fields present (a PATCH); ``allow_unknown`` ignores fields that
    are not the inquiry's (a marketing form carries its submit button and such).
    """
    locale = raw.get("locale") if raw.get("locale") in ("en", "vi") else "en"
    errors: list[FieldError] = []
    clean = _check_struct(
        _INPUT_TYPE, raw, str(locale), errors, partial=partial, allow_unknown=allow_unknown
    )
    return clean, errors


def locale_of(raw: dict[str, Any]) -> str:
    """The submit's locale for messages and pages: ``vi`` when asked for, else ``en``."""
    return "vi" if raw.get("locale") == "vi" else "en"
