"""A dashboard page on its own origin that runs the notifier's ``/v1/client.js`` in Chromium.

The page's origin (a ``http.server`` thread on 127.0.0.1) differs from the notifier's, so the
module import itself proves the CORS headers; ``/token`` mints staff tokens as a dashboard's
backend would (``refuse=1`` signs them with a key the notifier does not trust); ``/example`` is
the README's dashboard example.
"""

from __future__ import annotations

import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

from shared.auth import InquiryPermissions, mint_token
from shared.settings import AuthSettings
from tests.conftest import JWT_SECRET
from tests.support import ServiceProcess

TRUSTED = AuthSettings(jwt_secret=JWT_SECRET)
UNTRUSTED = AuthSettings(jwt_secret="another-key-the-notifier-does-not-know-0123456789")  # noqa: S106
PERMS = [p.value for p in InquiryPermissions]
EXAMPLE = Path(__file__).with_name("dashboard_example.html")


def staff_token(
    merchant: str, ttl: int = 3600, settings: AuthSettings = TRUSTED, perms: list[str] = PERMS
) -> str:
    """The token the page's ``getToken`` gets: the same user (``sub``) for every call."""
    return mint_token(
        settings, sub=f"dashboard-{merchant}", merchant_id=merchant, perms=perms, ttl_seconds=ttl
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            query = dict(urllib.parse.parse_qsl(url.query))
            settings = UNTRUSTED if query.get("refuse") == "1" else TRUSTED
            perms = query["perms"].split(",") if "perms" in query else PERMS
            ttl = int(query.get("ttl", "3600"))
            body = staff_token(query["merchant"], ttl, settings, perms).encode()
            content_type = "text/plain"
        elif url.path == "/example":
            # The README's dashboard, pointed at this test's notifier and merchant.
            query = dict(urllib.parse.parse_qsl(url.query))
            html = EXAMPLE.read_text().replace("localhost:8003", query["notifier"])
            body = html.replace("inquiries:m1", f"inquiries:{query['merchant']}").encode()
            content_type = "text/html"
        else:
            body = b"<!doctype html><title>dashboard</title><h1>dashboard</h1>"
            content_type = "text/html"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is about the client."""


@contextmanager
def page_server() -> Iterator[str]:
    """Serve the dashboard page and ``/token``; yields the page's base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# What a dashboard does with the client; everything it sees is kept in ``window.dashboard``.
_START = """
async ({ notifier, merchant, ttl, refuse, since, epoch }) => {
  const { NotifierClient, VERSION } = await import(`${notifier}/v1/client.js`);
  const seen = { version: VERSION, states: [], events: [], resets: 0, errors: [], tokens: 0 };
  seen.tokenQuery = `merchant=${merchant}&ttl=${ttl}&refuse=${refuse}`; // a test may change it
  window.dashboard = seen;
  const client = new NotifierClient({
    url: `${notifier.replace("http", "ws")}/v1/ws`,
    async getToken() {
      seen.tokens += 1;
      const response = await fetch(`/token?${seen.tokenQuery}`);
      return response.text();
    },
  });
  client.onState((state, detail) => seen.states.push({
    state, code: detail.code ?? null, reason: detail.reason ?? null, at: performance.now(),
  }));
  window.sub = client.subscribe(`inquiries:${merchant}`, {
    since: since ?? undefined,
    epoch: epoch ?? undefined,
    onEvent(event) { seen.events.push(event); },
    onReset() { seen.resets += 1; },
    onError(error) { seen.errors.push(error); },
  });
  window.client = client;
}
"""


class Dashboard:
    """One page running one ``NotifierClient`` subscribed to a merchant's collection room."""

    def __init__(self, page: Page, base_url: str, notifier: ServiceProcess, merchant: str) -> None:
        self.page = page
        self.merchant = merchant
        self.notifier = notifier
        page.goto(base_url)

    @classmethod
    def open(cls, context: BrowserContext, base_url: str, notifier: ServiceProcess) -> Dashboard:
        """A new page for a merchant nobody else uses."""
        return cls(context.new_page(), base_url, notifier, f"m-{uuid.uuid4().hex[:8]}")

    def start(
        self,
        ttl: int = 3600,
        refuse: bool = False,
        since: str | None = None,
        epoch: str | None = None,
    ) -> Dashboard:
        """Create the client (tokens of ``ttl`` seconds) and subscribe (from ``since``)."""
        args = {
            "notifier": self.notifier.url,
            "merchant": self.merchant,
            "ttl": ttl,
            "refuse": int(refuse),
            "since": since,
            "epoch": epoch,
        }
        self.page.evaluate(_START, args)
        return self

    def seen(self) -> dict[str, Any]:
        """What the page recorded: states, events, resets, errors, token fetches, version."""
        result: dict[str, Any] = self.page.evaluate("window.dashboard")
        return result

    def offset(self) -> str | None:
        """The subscription's ``offset`` as the page sees it."""
        result: str | None = self.page.evaluate("window.sub.offset")
        return result

    def epoch(self) -> str | None:
        """The subscription's stream ``epoch`` as the page sees it."""
        result: str | None = self.page.evaluate("window.sub.epoch")
        return result

    def wait(self, condition: str, timeout: float = 15) -> None:
        """Wait until the JS ``condition`` on ``d`` (window.dashboard) holds."""
        self.page.wait_for_function(
            f"() => {{ const d = window.dashboard; return {condition}; }}", timeout=timeout * 1000
        )

    def wait_subscribed(self, timeout: float = 15) -> None:
        """Wait until the room is joined: the sub has an offset, live events follow from here."""
        self.page.wait_for_function("() => window.sub.offset !== undefined", timeout=timeout * 1000)

    def wait_connected(self, times: int = 1, timeout: float = 15) -> None:
        """Wait until the client reached ``connected`` ``times`` times."""
        self.wait(f"d.states.filter((s) => s.state === 'connected').length >= {times}", timeout)

    def states(self) -> list[str]:
        """The state names so far."""
        return [s["state"] for s in self.seen()["states"]]

    def wait_events(self, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """The events once at least ``count`` arrived."""
        self.wait(f"d.events.length >= {count}", timeout)
        events: list[dict[str, Any]] = self.seen()["events"]
        return events
