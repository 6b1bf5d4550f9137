"""What the console's browser tests share: the services, tokens, submits, sign-in, the inbox."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from shared.auth import InquiryPermissions
from tests.conftest import JWT_SECRET
from tests.support import ServiceProcess, submit

ALL = [p.value for p in InquiryPermissions]


def token(sub: str, *merchants: str, name: str | None = None, ttl: int = 3600) -> str:
    """A staff token with every inquiry permission for each of ``merchants``."""
    claims = {
        "sub": sub,
        "name": name or sub,
        "exp": int(time.time()) + ttl,
        "perms": {m: ALL for m in merchants},
    }
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def merchant() -> str:
    """A merchant of this test alone."""
    return "m" + uuid.uuid4().hex[:12]


def staff_call(
    backoffice: ServiceProcess, sub: str, merchant_id: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """A colleague working through the API (not through this browser)."""
    headers = {"Authorization": f"Bearer {token(sub, merchant_id)}", "x-merchant-id": merchant_id}
    headers.update(kwargs.pop("headers", {}))
    return httpx.request(method, f"{backoffice.url}{path}", headers=headers, timeout=10, **kwargs)


def sign_in(page: Page, backoffice: ServiceProcess, jwt_token: str) -> None:
    """Open the console and sign in with a token; wait for the inbox."""
    page.goto(f"{backoffice.url}/console/")
    page.get_by_label("Access token").fill(jwt_token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("table", name="Inquiries")).to_be_visible()


def dev_sign_in(page: Page, backoffice: ServiceProcess, user_id: str, merchant_id: str) -> None:
    """Sign in with the "Development sign-in" of ``make run`` (no token pasted)."""
    page.goto(f"{backoffice.url}/console/")
    form = page.get_by_role("form", name="Development sign-in")
    form.get_by_label("User id").fill(user_id)
    form.get_by_label("Merchant").fill(merchant_id)
    form.get_by_role("button", name="Development sign-in").click()


def rows(page: Page, table: str = "Inquiries") -> Any:
    """The inquiry rows of the inbox (its header row excluded)."""
    return page.get_by_role("table", name=table).locator("tbody tr")


def open_inquiry(page: Page, business: str) -> None:
    """Select the row of ``business`` and wait for its detail."""
    rows(page).filter(has_text=business).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()


def staff_page(browser: Browser, backoffice: ServiceProcess, jwt_token: str) -> Page:
    """One member of staff in a browser profile of their own, signed in, live."""
    page = browser.new_context().new_page()
    sign_in(page, backoffice, jwt_token)
    expect(page.locator("#live-state")).to_have_text("Live")
    return page


def inbox_page(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess, business: str
) -> tuple[str, str, Page]:
    """A new merchant with one submitted lead, in the inbox of rep1: (merchant, id, page)."""
    m = merchant()
    inquiry_id = submit(intake, m, business_name=business)
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    return m, inquiry_id, page


def lead_page(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess, business: str
) -> tuple[str, str, Page]:
    """A new merchant with one submitted lead, open in the console of rep1: (merchant, id, page)."""
    m, inquiry_id, page = inbox_page(context, intake, backoffice, business)
    open_inquiry(page, business)
    return m, inquiry_id, page


_WATCH = """business => {
  const seen = () => [...document.querySelectorAll("tbody tr")].some(
    (row) => row.textContent.includes(business));
  const observer = new MutationObserver(() => {
    if (seen()) { window.arrivedAt = Date.now() / 1000; observer.disconnect(); }
  });
  observer.observe(document.body, { childList: true, subtree: true });
}"""


def watch_arrival(page: Page, business: str) -> None:
    """Note (on the page's own clock, which is this machine's) when a row of ``business`` shows."""
    page.evaluate(_WATCH, business)


def arrival(page: Page) -> float:
    """The wall-clock second at which the watched row appeared (waits for it, up to 10 s)."""
    page.wait_for_function("window.arrivedAt !== undefined", timeout=10_000)
    seen: float = page.evaluate("window.arrivedAt")
    return seen


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 40) -> None:
    """Press ``key`` until ``target`` has the focus; fail if the keyboard cannot reach it."""
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reachable with {key}")
