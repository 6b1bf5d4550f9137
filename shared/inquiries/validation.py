"""Validation of inquiry fields, written once for the intake and the backoffice.

It reads the constraints from the msgspec types of ``shared.inquiries.fields``, trims text and
checks every field at once, so a form learns all its mistakes in one round trip, in the submit's
locale; what it returns is the typed struct.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar, cast

import msgspec

from shared.errors import BadRequest, FieldError
from shared.inquiries.fields import InquiryInput, InquiryPatch, has_control_characters
from shared.inquiries.formats import MULTILINE, check_format, prevalidated
from shared.models import Inquiry

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
    "no_change": ("names no field to change", "không có trường nào để thay đổi"),
}


T = TypeVar("T", bound=msgspec.Struct)


def message(code: str, locale: str, **values: object) -> str:
    """The error text for ``code`` in ``locale`` (English unless ``vi``)."""
    en, vi = _MESSAGES[code]
    return (vi if locale == "vi" else en).format(**values)


def locale_of(raw: dict[str, Any]) -> str:
    """The submit's locale for messages and pages: ``vi`` when asked for, else ``en``."""
    return "vi" if raw.get("locale") == "vi" else "en"


def invalid(errors: list[FieldError]) -> BadRequest:
    """The 400 for invalid inquiry input, naming every bad field."""
    return BadRequest("invalid inquiry: " + ", ".join(e.field for e in errors), errors=errors)


def _check_text(
    name: str, raw: object, info: msgspec.inspect.StrType
) -> tuple[str | None, dict[str, object], str]:
    if not isinstance(raw, str):
        return "not_text", {}, ""
    text = raw.replace("\r\n", "\n").strip()  # browsers send CRLF line breaks
    field = name.rsplit(".", 1)[-1]
    if has_control_characters(text, multiline=field in MULTILINE):
        return "control", {}, text
    if info.min_length and len(text) < info.min_length:
        return "empty", {}, text
    if info.max_length is not None and len(text) > info.max_length:
        return "too_long", {"n": info.max_length}, text
    code, text = check_format(field, text)
    return code, {}, text


class _Findings:
    """The errors found so far, worded in the submit's locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.errors: list[FieldError] = []

    def add(self, path: str, code: str, **values: object) -> None:
        """Note that ``path`` is wrong, and why."""
        self.errors.append(FieldError(path, message(code, self.locale, **values)))


def _check_value(path: str, raw: object, kind: msgspec.inspect.Type, found: _Findings) -> object:
    """Check one value against its msgspec type; note an error or return the clean value."""
    code: str | None = None
    values: dict[str, object] = {}
    clean: object = raw
    if isinstance(kind, msgspec.inspect.UnionType):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None  # an optional field left blank means "not given"
        kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type  # extra JSON schema only: the constraints sit on the inner type
    if isinstance(kind, msgspec.inspect.StrType):
        code, values, clean = _check_text(path, raw, kind)
    elif isinstance(kind, msgspec.inspect.LiteralType):
        clean = raw.strip() if isinstance(raw, str) else raw
        if clean not in kind.values:
            code, values = "choice", {"choices": ", ".join(map(str, kind.values))}
    elif isinstance(kind, msgspec.inspect.StructType):
        if not isinstance(raw, dict):
            code = "not_object"
        else:
            return _check_struct(kind, raw, found, prefix=f"{path}.")
    if code is not None:
        found.add(path, code, **values)
    return clean


def _check_struct(
    kind: msgspec.inspect.StructType,
    raw: dict[str, Any],
    found: _Findings,
    *,
    prefix: str = "",
    build: type[msgspec.Struct] | None = None,
) -> msgspec.Struct | None:
    """Check every field of ``raw``; the struct built from the clean values, or None if invalid.

    ``build`` is the struct to build when it is not ``kind``'s own (a PATCH builds the partial
    struct from the fields present, checked against the full one's rules).
    """
    partial = build is not None
    before = len(found.errors)
    known = {f.name: f for f in kind.fields}
    if kind.forbid_unknown_fields:
        for key in raw:
            if key not in known:
                found.add(prefix + key, "unknown")
    clean: dict[str, Any] = {}
    for name, field in known.items():
        if name not in raw and (partial or not field.required):
            continue
        if raw.get(name) is None and field.required:
            found.add(prefix + name, "required")
            continue
        value = _check_value(prefix + name, raw[name], field.type, found)
        if value is not None or partial:
            clean[name] = value
    if len(found.errors) > before:
        return None
    return (build or kind.cls)(**clean)


@functools.cache
def _type_info(schema: type[msgspec.Struct]) -> msgspec.inspect.StructType:
    # Inspecting a struct is costly: once per struct.
    return cast(msgspec.inspect.StructType, msgspec.inspect.type_info(schema))


_INPUT = _type_info(InquiryInput)
# A PATCH names only the inquiry's fields: one more is a mistake, not a form's extra.
_PATCH_RULES = msgspec.structs.replace(_INPUT, forbid_unknown_fields=True)
_READONLY = frozenset(Inquiry.__table__.columns.keys()) - {f.name for f in _INPUT.fields}


def validate_input(raw: dict[str, Any], schema: type[T]) -> tuple[T | None, list[FieldError]]:
    """A new inquiry as ``schema``: typed, trimmed and normalised, or None and every error.

    ``InquiryInput`` ignores fields that are not the inquiry's (a marketing form carries its
    submit button and such); ``StaffInquiryInput`` names them as errors.
    """
    if (clean := prevalidated(raw, schema)) is not None:
        return clean, []  # nothing to trim, fix or report: msgspec checked it in C
    found = _Findings(locale_of(raw))
    built = _check_struct(_type_info(schema), raw, found)
    return cast(T | None, built), found.errors


def validate_patch(raw: dict[str, Any]) -> InquiryPatch:
    """The fields a PATCH changes, checked like a new inquiry's; 400 naming every bad one."""
    found = _Findings("en")
    for key in raw:
        if key in _READONLY:
            found.add(key, "readonly")
    rest = {key: value for key, value in raw.items() if key not in _READONLY}
    patch = _check_struct(_PATCH_RULES, rest, found, build=InquiryPatch)
    if not found.errors and not rest:
        found.add("body", "no_change")
    if found.errors:
        raise invalid(found.errors)
    return cast(InquiryPatch, patch)


def clean_body(body: T) -> T:
    """A decoded staff body with its text trimmed; 400 naming a field left empty or holding
    control characters (the decoder checked types and lengths, not what trimming leaves)."""
    found = _Findings("en")
    built = _check_struct(_type_info(type(body)), msgspec.to_builtins(body), found)
    if found.errors:
        raise invalid(found.errors)
    return cast(T, built)


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON body that must be an object; 400 for anything else (too deep included)."""
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("body is not valid JSON: nested too deeply") from exc
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data
