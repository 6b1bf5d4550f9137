"""``GET /v1/client.js``: the browser client (SPEC §10), served as public, cacheable code.

The module is read once per process and stamped with the distribution's version, so a page
always gets the client that speaks the protocol of the notifier it talks to.
"""

from __future__ import annotations

import hashlib
import http
from importlib import metadata, resources

import msgspec
from websockets.datastructures import Headers
from websockets.http11 import Response

CLIENT_PATH = "/v1/client.js"
DISTRIBUTION = "sales-inquiries"
# The placeholder line in static/client.js; readable as is when the file is opened directly.
_VERSION_LINE = 'export const VERSION = "0.0.0-dev";'
# Short enough that a deploy reaches open dashboards within minutes; revalidation is a 304.
_CACHE_CONTROL = "public, max-age=300"


class Asset(msgspec.Struct, frozen=True):
    """A static file as served: body, its strong ETag and the version it carries."""

    body: bytes
    etag: str
    version: str


def load_client() -> Asset:
    """The client module with ``VERSION`` set to the installed distribution's version."""
    source = resources.files("services.notifier").joinpath("static/client.js").read_text("utf-8")
    if _VERSION_LINE not in source:
        raise RuntimeError(f"static/client.js lost its version line: {_VERSION_LINE}")
    version = metadata.version(DISTRIBUTION)
    stamped = source.replace(
        _VERSION_LINE, f"export const VERSION = {msgspec.json.encode(version).decode()};"
    )
    body = stamped.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, etag, version)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def asset_response(asset: Asset, if_none_match: str | None) -> Response:
    """``200`` with the module, or ``304`` when the browser's copy is current; CORS open."""
    status = (
        http.HTTPStatus.NOT_MODIFIED if _matches(if_none_match, asset.etag) else http.HTTPStatus.OK
    )
    headers = Headers(
        [
            ("Content-Type", "text/javascript"),
            ("ETag", asset.etag),
            ("Cache-Control", _CACHE_CONTROL),
            ("Access-Control-Allow-Origin", "*"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Notifier-Version", asset.version),
            ("Connection", "close"),
        ]
    )
    body = asset.body if status is http.HTTPStatus.OK else b""
    if body:  # a 304 has no body, and a Content-Length there would describe the 200's
        headers["Content-Length"] = str(len(body))
    return Response(status.value, status.phrase, headers, body)
