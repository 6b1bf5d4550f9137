"""``GET /v1/embed.js``, ``/v1/embed.css``, ``/v1/form`` and ``/v1/form/fragment`` (SPEC §11)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter

from services.intake.context import IntakeContext
from services.intake.embed.form import render_form, render_page
from shared.errors import BadRequest, FieldError
from shared.inquiries.fields import MERCHANT_ID
from shared.web import error_responses

_STATIC = Path(__file__).parent / "static"
# Unversioned URLs that sites hard-code: short freshness, then a cheap revalidation by ETag.
_CACHE = "public, max-age=300"


@dataclass(frozen=True)
class Asset:
    """A static file, read once at import, with its entity tag."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def load(cls, name: str, media_type: str) -> Asset:
        """Read ``static/<name>``."""
        body = (_STATIC / name).read_bytes()
        return cls(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')

    def response(self, if_none_match: str | None) -> Response[bytes]:
        """The file, or ``304`` when the client's copy is current."""
        headers = {
            "Cache-Control": _CACHE,
            "ETag": self.etag,
            "X-Content-Type-Options": "nosniff",
            # Sites that isolate themselves (COEP) may still load it.
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        current = {tag.strip() for tag in (if_none_match or "").split(",")}
        if self.etag in current or "*" in current:
            return Response(b"", status_code=304, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


# Litestar adds "; charset=utf-8" to text/* media types itself.
EMBED_JS = Asset.load("embed.js", "text/javascript")
EMBED_CSS = Asset.load("embed.css", "text/css")


def _form_request(merchant_id: str | None, locale: str) -> str:
    """The merchant of a form request; a ``400`` naming every bad parameter otherwise."""
    errors = []
    if merchant_id is None:
        errors.append(FieldError("merchant_id", "is required, e.g. ?merchant_id=m1"))
    elif not MERCHANT_ID.match(merchant_id):
        errors.append(FieldError("merchant_id", "must be 1-64 of A-Z a-z 0-9 _ -"))
    if locale not in ("en", "vi"):
        errors.append(FieldError("locale", "must be en or vi"))
    if errors or merchant_id is None:
        names = ", ".join(error.field for error in errors)
        raise BadRequest(f"invalid form request: {names}", errors=errors)
    return merchant_id


def _page_policy(allowed_origins: list[str]) -> str:
    """The hosted page's Content-Security-Policy: nothing but its own origin.

    Only the marketing sites (``INTAKE_ALLOWED_ORIGINS``) may show it in an ``<iframe>``.
    """
    framers = " ".join(["'self'", *allowed_origins])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors {framers}"
    )


class EmbedController(Controller):
    """The form a marketing site embeds, and its hosted page."""

    path = "/v1"
    tags = ["embed"]

    @get("/embed.js", summary="The embeddable form script", sync_to_thread=False)
    def script(
        self, if_none_match: str | None = Parameter(header="if-none-match", required=False)
    ) -> Response[bytes]:
        """Renders the form into every ``[data-inquiry-form]`` element of the including page."""
        return EMBED_JS.response(if_none_match)

    @get("/embed.css", summary="The embeddable form's stylesheet", sync_to_thread=False)
    def stylesheet(
        self, if_none_match: str | None = Parameter(header="if-none-match", required=False)
    ) -> Response[bytes]:
        """Rules scoped to the form's own ``.inq`` element: nothing else on the page changes."""
        return EMBED_CSS.response(if_none_match)

    @get(
        "/form",
        summary="The hosted inquiry form page",
        sync_to_thread=False,
        responses=error_responses(400),
    )
    def page(
        self,
        request: Request[Any, Any, State],
        merchant_id: str | None = Parameter(query="merchant_id", required=False),
        locale: str = Parameter(query="locale", default="en"),
    ) -> Response[str]:
        """A shareable (or framable) page with the form; it works with JavaScript off."""
        merchant = _form_request(merchant_id, locale)
        intake: IntakeContext = request.app.state.intake
        headers = {
            "Cache-Control": _CACHE,
            "Content-Security-Policy": _page_policy(intake.allowed_origins),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }
        return Response(render_page(merchant, locale), media_type="text/html", headers=headers)

    @get(
        "/form/fragment",
        summary="The form alone, as embed.js inserts it",
        sync_to_thread=False,
        responses=error_responses(400),
    )
    def fragment(
        self,
        merchant_id: str | None = Parameter(query="merchant_id", required=False),
        locale: str = Parameter(query="locale", default="en"),
    ) -> Response[str]:
        """Fetched cross-origin by ``embed.js`` (CORS for ``INTAKE_ALLOWED_ORIGINS``)."""
        merchant = _form_request(merchant_id, locale)
        headers = {"Cache-Control": _CACHE, "Vary": "Origin", "X-Content-Type-Options": "nosniff"}
        return Response(render_form(merchant, locale), media_type="text/html", headers=headers)
