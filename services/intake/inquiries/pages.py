"""Small HTML pages for plain form posts (no JavaScript): thank-you and error pages."""

from __future__ import annotations

from html import escape

from shared.errors import FieldError

_TEXT = {
    "en": {
        "thanks_title": "Thank you",
        "thanks_body": "We received your inquiry and will get back to you soon.",
        "error_title": "Please check your inquiry",
        "error_body": "We could not accept the form:",
        "back": "Go back",
    },
    "vi": {
        "thanks_title": "Cảm ơn bạn",
        "thanks_body": "Chúng tôi đã nhận được yêu cầu của bạn và sẽ sớm liên hệ lại.",
        "error_title": "Vui lòng kiểm tra lại yêu cầu",
        "error_body": "Chúng tôi chưa thể nhận biểu mẫu:",
        "back": "Quay lại",
    },
}


def _page(locale: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def thank_you_page(locale: str) -> str:
    """Shown after a form submit when there is no allowed ``_next`` to go to."""
    text = _TEXT[locale]
    return _page(locale, text["thanks_title"], f"<p>{escape(text['thanks_body'])}</p>")


def error_page(locale: str, detail: str, errors: list[FieldError] | None) -> str:
    """Shown when a form submit is rejected: every problem, then a way back."""
    text = _TEXT[locale]
    items = (
        "".join(
            f"<li><strong>{escape(e.field)}</strong>: {escape(e.message)}</li>"
            for e in errors or []
        )
        or f"<li>{escape(detail)}</li>"
    )
    body = (
        f"<p>{escape(text['error_body'])}</p><ul>{items}</ul>"
        f'<p><a href="javascript:history.back()">{escape(text["back"])}</a></p>'
    )
    return _page(locale, text["error_title"], body)
