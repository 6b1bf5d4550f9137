"""The form's HTML, rendered once here for both the hosted page and the embed (SPEC §11).

Which fields are required and how long they may be is read from the submit schema
(``InquiryInput``), so the form can never disagree with what intake accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import cast, get_args

import msgspec

from services.intake.embed.labels import FIELD_LABELS, TEXT, in_locale
from shared.inquiries.fields import InquiryInput
from shared.inquiries.labels import TYPE_LABELS, BusinessSize


@dataclass(frozen=True)
class Widget:
    """How one inquiry field is asked for."""

    name: str
    kind: str  # an <input> type, or "select" / "textarea"
    autocomplete: str | None = None  # the browser's autofill token, where there is one
    hint: str | None = None  # a key of TEXT, shown under the field
    maxlength: int | None = None  # where the schema says it by a pattern instead


WIDGETS = (
    Widget("name", "text", "name"),
    Widget("email", "email", "email"),
    Widget("phone", "tel", "tel"),
    Widget("business_name", "text", "organization"),
    Widget("business_size", "select"),
    Widget("industry", "text"),
    Widget("website", "url", "url", hint="website_hint"),
    Widget("country", "text", "country", hint="country_hint", maxlength=2),
    Widget("type", "select"),
    Widget("subject", "text"),
    Widget("message", "textarea"),
)


def _schema_rules() -> dict[str, tuple[bool, int | None]]:
    """(required, max length) of every field of ``InquiryInput``."""
    info = cast(msgspec.inspect.StructType, msgspec.inspect.type_info(InquiryInput))
    rules: dict[str, tuple[bool, int | None]] = {}
    for field in info.fields:
        kind = field.type
        if isinstance(kind, msgspec.inspect.UnionType):
            kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
        if isinstance(kind, msgspec.inspect.Metadata):
            kind = kind.type
        max_length = kind.max_length if isinstance(kind, msgspec.inspect.StrType) else None
        rules[field.name] = (field.required, max_length)
    return rules


_RULES = _schema_rules()


def _choices(name: str, locale: str) -> list[tuple[str, str]]:
    """(value, text) of a select's options, in the vocabulary's own order."""
    if name == "type":
        return [(value, in_locale(label, locale)) for value, label in TYPE_LABELS.items()]
    employees = TEXT["employees"]
    return [("", in_locale(TEXT["choose"], locale))] + [
        (size, in_locale(employees, locale).format(size=size)) for size in get_args(BusinessSize)
    ]


def _control(widget: Widget, locale: str, attributes: str) -> str:
    if widget.kind == "textarea":
        return f'<textarea {attributes} rows="6"></textarea>'
    if widget.kind == "select":
        options = "".join(
            f'<option value="{escape(value)}">{escape(text)}</option>'
            for value, text in _choices(widget.name, locale)
        )
        return f"<select {attributes}>{options}</select>"
    return f'<input {attributes} type="{widget.kind}">'


def _field(widget: Widget, locale: str) -> str:
    required, max_length = _RULES[widget.name]
    field_id = f"inq-{widget.name}"
    attributes = [f'id="{field_id}"', f'name="{widget.name}"']
    if widget.autocomplete is not None:
        attributes.append(f'autocomplete="{widget.autocomplete}"')
    if max_length := widget.maxlength or max_length:
        attributes.append(f'maxlength="{max_length}"')
    if required:
        attributes.append("required")
    hint = ""
    if widget.hint is not None:
        attributes.append(f'aria-describedby="{field_id}-hint"')
        text = escape(in_locale(TEXT[widget.hint], locale))
        hint = f'<p class="inq-hint" id="{field_id}-hint">{text}</p>'
    # The star is for the eye (assistive technology hears "required" from the attribute), and
    # sits beside the label, not in it: the label's text is exactly the field's name.
    marker = '<span class="inq-req" aria-hidden="true">*</span>' if required else ""
    label = escape(in_locale(FIELD_LABELS[widget.name], locale))
    return (
        f'<div class="inq-field"><div class="inq-head"><label for="{field_id}">{label}</label>'
        f"{marker}</div>{_control(widget, locale, ' '.join(attributes))}{hint}</div>"
    )


def _data_text(key: str, locale: str) -> str:
    return f'data-text-{key}="{escape(in_locale(TEXT[key], locale))}"'


def render_form(merchant_id: str, locale: str) -> str:
    """The form, posting to ``/v1/inquiries?merchant_id=…`` when there is no JavaScript.

    ``embed.js`` reads the texts it shows later (thank-you, retry) from the ``data-text-*``
    attributes, so every word of the form comes from one place. Ids start ``inq-``; the script
    renumbers them so that several forms can share a page.
    """
    texts = " ".join(_data_text(key, locale) for key in ("thanks", "invalid", "retry"))
    fields = "".join(_field(widget, locale) for widget in WIDGETS)
    # The honeypot: off-screen (stylesheet), out of the tab order and of the accessibility tree;
    # a person never fills it, a bot filling every input does (SPEC §5 stores that as spam).
    honeypot = (
        '<div class="inq-hp" aria-hidden="true">'
        f'<label for="inq-gotcha">{escape(in_locale(TEXT["honeypot"], locale))}</label>'
        '<input id="inq-gotcha" name="_gotcha" type="text" tabindex="-1" autocomplete="off">'
        "</div>"
    )
    submit = escape(in_locale(TEXT["submit"], locale))
    return (
        f'<div class="inq" lang="{locale}" {texts}>'
        f'<form class="inq-form" method="post" accept-charset="utf-8" '
        f'action="/v1/inquiries?merchant_id={escape(merchant_id)}">'
        f'<p class="inq-note">{escape(in_locale(TEXT["required_note"], locale))}</p>'
        f'<input type="hidden" name="locale" value="{locale}">'
        f"{fields}{honeypot}"
        '<p class="inq-alert" role="alert"></p>'
        f'<button class="inq-submit" type="submit">{submit}</button>'
        "</form>"
        '<p class="inq-status" role="status" tabindex="-1"></p>'
        "</div>"
    )


def render_page(merchant_id: str, locale: str) -> str:
    """The hosted page: the form, its stylesheet, and ``embed.js`` to enhance it."""
    title = escape(in_locale(TEXT["title"], locale))
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # An empty icon: no request for a /favicon.ico the intake does not have.
        f'<title>{title}</title><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="/v1/embed.css"></head>'
        f'<body class="inq-page"><main><h1>{title}</h1>'
        f'<div data-inquiry-form data-merchant="{escape(merchant_id)}" data-locale="{locale}">'
        f"{render_form(merchant_id, locale)}</div></main>"
        '<script src="/v1/embed.js" async></script></body></html>'
    )
