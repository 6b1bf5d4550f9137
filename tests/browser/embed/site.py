"""A marketing site on another origin for the embed's browser tests, and what they do on it.

The site is a Python ``http.server`` on 127.0.0.1 (its own port, so its own origin); each test
module runs an intake that allows exactly that origin (``INTAKE_ALLOWED_ORIGINS``).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.support import Database, ServiceProcess

FALLBACK_LINK = "Contact us"


class MarketingSite:
    """A static site on its own origin; tests add pages to it by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {
            "/thanks": "<!doctype html><title>Thanks</title><h1>Thanks</h1>"
        }
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, body: str) -> str:
        """Serve ``body`` as a new page; its URL."""
        path = f"/{uuid.uuid4().hex[:8]}.html"
        self.pages[path] = f'<!doctype html><html lang="en"><title>Site</title><body>{body}</body>'
        return self.origin + path


@contextlib.contextmanager
def marketing_site() -> Iterator[MarketingSite]:
    """A running marketing site, shut down after."""
    site = MarketingSite()
    try:
        yield site
    finally:
        site.server.shutdown()


@contextlib.contextmanager
def intake_for(
    site: MarketingSite, base_env: dict[str, str], **env: str
) -> Iterator[ServiceProcess]:
    """An intake process that allows the site's origin (and only it), stopped after."""
    service = ServiceProcess("intake", {**base_env, "INTAKE_ALLOWED_ORIGINS": site.origin, **env})
    try:
        yield service.start()
    finally:
        service.stop()


def snippet(intake: ServiceProcess, merchant: str, locale: str = "en", next_url: str = "") -> str:
    """SPEC §11's snippet as the README shows it: a link to the hosted form for no JavaScript."""
    next_attribute = f' data-next="{escape(next_url)}"' if next_url else ""
    hosted = f"{intake.url}/v1/form?merchant_id={merchant}&amp;locale={locale}"
    return (
        f'<div data-inquiry-form data-merchant="{merchant}" data-locale="{locale}"'
        f'{next_attribute}><a href="{hosted}">{FALLBACK_LINK}</a></div>'
        f'<script src="{intake.url}/v1/embed.js" async></script>'
    )


def open_form(page: Page, url: str, forms: int = 1) -> None:
    """Go to ``url`` and wait until its forms are rendered."""
    page.goto(url)
    expect(page.locator('[data-inquiry-form-state="ready"]')).to_have_count(forms)


def fill(page: Page, email: str = "ann@example.com") -> str:
    """Fill the only form on the page; its business name, unique to this call, is returned."""
    marker = f"Acme {uuid.uuid4().hex[:8]}"
    page.get_by_label("Name", exact=True).fill("Ann Nguyen")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Business name", exact=True).fill(marker)
    page.get_by_label("Company size", exact=True).select_option("11-50")
    page.get_by_label("Country", exact=True).fill("vn")
    page.get_by_label("Inquiry type", exact=True).select_option("demo")
    page.get_by_label("Subject", exact=True).fill("A demo, please")
    page.get_by_label("Message", exact=True).fill("Hello,\nthree stores.")
    return marker


def start_inquiry(
    context: BrowserContext, url: str, email: str = "ann@example.com"
) -> tuple[Page, str, list[Request]]:
    """A page at ``url`` with its form filled in: the page, the business name, its submits."""
    page = context.new_page()
    open_form(page, url)
    return page, fill(page, email), submits(page)


def stored(db: Database, marker: str) -> list[dict[str, object]]:
    """The inquiries whose business name is ``marker``."""
    return db.rows("SELECT * FROM inquiries WHERE business_name = %s", marker)


def submits(page: Page) -> list[Request]:
    """Every submit the page sends from now on (preflights left out)."""
    sent: list[Request] = []
    page.on(
        "request",
        lambda r: sent.append(r) if r.method == "POST" and "/v1/inquiries" in r.url else None,
    )
    return sent


def console_errors(page: Page) -> list[str]:
    """Every error the page logs to its console from now on (CSP violations among them)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors
