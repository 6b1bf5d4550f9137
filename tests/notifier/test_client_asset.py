"""``GET /v1/client.js``: the SPEC §10 module, public, cacheable and versioned with the server."""

from __future__ import annotations

import re
from importlib import metadata

import httpx

from services.notifier.assets import DISTRIBUTION
from tests.support import ServiceProcess


def test_client_module_is_served_public_and_versioned(notifier: ServiceProcess) -> None:
    response = httpx.get(
        f"{notifier.url}/v1/client.js", headers={"Origin": "https://dashboard.example"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["etag"].startswith('"')
    body = response.text
    assert "export class NotifierClient" in body
    version = re.search(r'^export const VERSION = "([^"]+)";$', body, re.MULTILINE)
    assert version is not None
    assert version[1] == metadata.version(DISTRIBUTION) != "0.0.0-dev"
    assert response.headers["x-notifier-version"] == version[1]
    # No dependencies: no static import or re-export (the doc comment's example is indented).
    assert re.search(r"^(import|export .* from)\b", body, re.MULTILINE) is None
    assert "import(" not in body


def test_client_module_revalidates_with_its_etag(notifier: ServiceProcess) -> None:
    first = httpx.get(f"{notifier.url}/v1/client.js")
    etag = first.headers["etag"]
    again = httpx.get(f"{notifier.url}/v1/client.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["access-control-allow-origin"] == "*"
    stale = httpx.get(f"{notifier.url}/v1/client.js", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.content == first.content
