"""The console as HTTP sees it: the page and its CSP, its assets, the development sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import jwt
import pytest

from services.backoffice.console.service import STATIC_DIR
from tests.backoffice.conftest import ALL_PERMS, new_merchant
from tests.conftest import JWT_SECRET
from tests.support import ServiceProcess

NOTIFIER = "wss://notify.example.com"


@pytest.fixture(scope="module")
def dev_backoffice(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A backoffice as `make run` starts it: dev sign-in on, the notifier named explicitly."""
    env = {**base_env, "CONSOLE_DEV_LOGIN": "1", "CONSOLE_NOTIFIER_URL": NOTIFIER}
    service = ServiceProcess("backoffice", env).start()
    yield service
    service.stop()


def csp_of(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive → sources."""
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_the_page_allows_only_itself_and_the_notifier(api: httpx.Client) -> None:
    for path in ("/console/", "/console"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-store"
    csp = csp_of(response)
    # Default notifier: the page's host, port 8003 (here the Host is 127.0.0.1:<port>).
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'", "http://127.0.0.1:8003"]
    assert csp["connect-src"] == ["'self'", "http://127.0.0.1:8003", "ws://127.0.0.1:8003"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response.headers["content-security-policy"]
    assert '<meta name="dev-login" content="">' in response.text
    assert '<meta name="notifier-url" content="">' in response.text


def test_a_malformed_host_header_never_reaches_the_policy(api: httpx.Client) -> None:
    # The server refuses Host headers that break the header syntax outright (400); a name it
    # lets through but that is no hostname must not be pasted into the policy either.
    response = api.get("/console/", headers={"Host": "under_score.example"})
    assert response.status_code == 200
    csp = csp_of(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]


def test_every_asset_the_page_names_is_served_with_its_type(api: httpx.Client) -> None:
    page = api.get("/console/").text
    named = re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page)
    assert named, "the page loads its script and stylesheet from the backoffice"
    files = sorted(p.name for p in STATIC_DIR.iterdir())
    for name in files:
        response = api.get(f"/console/static/{name}")
        assert response.status_code == 200, name
        assert response.text == (STATIC_DIR / name).read_text(encoding="utf-8")
        expected = "javascript" if name.endswith(".js") else "css"
        assert expected in response.headers["content-type"], name
    assert {n.rsplit("/", 1)[1] for n in named} <= set(files)
    # Modules import one another by relative path: each import must name a served file.
    for name in files:
        for imported in re.findall(r'from "\./([^"]+)"', (STATIC_DIR / name).read_text()):
            assert imported in files, f"{name} imports missing {imported}"
    assert api.get("/console/static/../app.py").status_code == 404


def test_the_dev_sign_in_is_off_by_default(api: httpx.Client) -> None:
    response = api.post("/console/dev-login", json={"user_id": "u1", "merchant_id": "m1"})
    assert response.status_code in (404, 405)
    assert "token" not in response.text


def test_the_dev_sign_in_mints_a_working_token(dev_backoffice: ServiceProcess) -> None:
    merchant = new_merchant()
    with httpx.Client(base_url=dev_backoffice.url, timeout=10) as client:
        page = client.get("/console/")
        assert f'<meta name="notifier-url" content="{NOTIFIER}">' in page.text
        assert '<meta name="dev-login" content="1">' in page.text
        csp = csp_of(page)
        assert csp["script-src"] == ["'self'", "https://notify.example.com"]
        assert csp["connect-src"] == ["'self'", "https://notify.example.com", NOTIFIER]

        response = client.post(
            "/console/dev-login", json={"user_id": "rep7", "merchant_id": merchant}
        )
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
        assert claims["sub"] == "rep7"
        assert claims["perms"] == {merchant: ALL_PERMS}
        listing = client.get(
            "/v1/inquiries",
            headers={"Authorization": f"Bearer {token}", "x-merchant-id": merchant},
        )
        assert listing.status_code == 200, listing.text


def test_the_dev_sign_in_rejects_bad_input_and_foreign_hosts(
    dev_backoffice: ServiceProcess,
) -> None:
    with httpx.Client(base_url=dev_backoffice.url, timeout=10) as client:
        bad = client.post("/console/dev-login", json={"user_id": "rep7", "merchant_id": "no way"})
        assert bad.status_code == 400
        assert "merchant_id" in bad.json()["detail"]
        empty = client.post("/console/dev-login", json={"user_id": "", "merchant_id": "m1"})
        assert empty.status_code == 400
        assert "user_id" in empty.json()["detail"]
        # A page whose DNS name was rebound to 127.0.0.1 still sends its own name as Host.
        rebound = client.post(
            "/console/dev-login",
            json={"user_id": "rep7", "merchant_id": "m1"},
            headers={"Host": "attacker.example:8002"},
        )
        assert rebound.status_code == 403
        assert "token" not in rebound.json()


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"CONSOLE_DEV_LOGIN": "1", "HOST": "0.0.0.0"}, "CONSOLE_DEV_LOGIN"),
        ({"CONSOLE_NOTIFIER_URL": "notify.example.com"}, "CONSOLE_NOTIFIER_URL"),
    ],
)
def test_the_backoffice_refuses_to_start_with_an_unsafe_console(
    base_env: dict[str, str], extra: dict[str, str], named: str
) -> None:
    service = ServiceProcess("backoffice", {**base_env, **extra})
    with pytest.raises(RuntimeError, match="exited") as failure:
        service.start()
    assert named in str(failure.value)
