"""The console page: where the browser finds the notifier, the page's CSP, dev tokens."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from shared.auth import InquiryPermissions, mint_token
from shared.settings import AuthSettings, ConsoleSettings

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
DEFAULT_NOTIFIER_PORT = 8003
DEV_TOKEN_SECONDS = 8 * 3600  # a working day; the console signs out when it expires
_HOSTNAME = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$")
_HTTP_OF = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_WS_OF = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class NotifierOrigins(NamedTuple):
    """The notifier as the page's CSP names it: scripts over http(s), the socket over ws(s)."""

    http: str
    ws: str


def hostname_of(host: str) -> str:
    """The name in a Host header without its port (``[::1]`` kept bracketed); "" if malformed."""
    name = host if host.endswith("]") else host.rsplit(":", 1)[0]
    return name if _HOSTNAME.match(name) else ""


def notifier_origins(settings: ConsoleSettings, host: str, scheme: str) -> NotifierOrigins | None:
    """The configured notifier's origins, else the page's host on port 8003, as the browser does.

    ``host`` is the request's Host header; a malformed one yields ``None`` (no live updates)
    rather than a header built from untrusted text.
    """
    if settings.console_notifier_url:
        parts = urlsplit(settings.console_notifier_url)
        netloc, base_scheme = parts.netloc, parts.scheme
    else:
        hostname = hostname_of(host)
        if not hostname:
            return None
        netloc, base_scheme = f"{hostname}:{DEFAULT_NOTIFIER_PORT}", scheme
    return NotifierOrigins(
        f"{_HTTP_OF[base_scheme]}://{netloc}", f"{_WS_OF[base_scheme]}://{netloc}"
    )


def content_security_policy(origins: NotifierOrigins | None) -> str:
    """Everything from the backoffice itself; the notifier only for its client and socket."""
    script = "'self'" + (f" {origins.http}" if origins else "")
    connect = "'self'" + (f" {origins.http} {origins.ws}" if origins else "")
    return (
        f"default-src 'none'; script-src {script}; connect-src {connect}; style-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def render_page(settings: ConsoleSettings) -> str:
    """The single page, with the notifier's base URL and the dev sign-in switch in its meta tags."""
    template = (HERE / "index.html").read_text(encoding="utf-8")
    return template.replace(
        "{{notifier_url}}", html.escape(settings.console_notifier_url.rstrip("/"))
    ).replace("{{dev_login}}", "1" if settings.console_dev_login else "")


def dev_token(auth: AuthSettings, user_id: str, merchant_id: str) -> str:
    """A token for ``user_id`` with every inquiry permission for ``merchant_id``."""
    return mint_token(
        auth,
        sub=user_id,
        merchant_id=merchant_id,
        perms=[p.value for p in InquiryPermissions],
        ttl_seconds=DEV_TOKEN_SECONDS,
        name=user_id,
    )
