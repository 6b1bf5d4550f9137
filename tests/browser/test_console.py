"""The staff console in a real Chromium against real intake, backoffice, notifier, PG, Redis."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from shared.auth import InquiryPermissions
from tests.conftest import JWT_SECRET
from tests.support import Database, ServiceProcess, inquiry_body

ALL = [p.value for p in InquiryPermissions]


@pytest.fixture(scope="module")
def notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """The notifier the console's live updates come from."""
    service = ServiceProcess("notifier", base_env).start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def backoffice(base_env: dict[str, str], notifier: ServiceProcess) -> Iterator[ServiceProcess]:
    """A backoffice as `make run` starts it: console, dev sign-in, the notifier's address."""
    env = {
        **base_env,
        "CONSOLE_NOTIFIER_URL": f"ws://127.0.0.1:{notifier.port}",
        "CONSOLE_DEV_LOGIN": "1",
    }
    service = ServiceProcess("backoffice", env).start()
    yield service
    service.stop()


def token(sub: str, *merchants: str, name: str | None = None) -> str:
    """A staff token with every inquiry permission for each of ``merchants``."""
    claims = {
        "sub": sub,
        "name": name or sub,
        "exp": int(time.time()) + 3600,
        "perms": {m: ALL for m in merchants},
    }
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def merchant() -> str:
    """A merchant of this test alone."""
    return "m" + uuid.uuid4().hex[:12]


def submit(intake: ServiceProcess, merchant_id: str, **fields: Any) -> str:
    """A public submit through intake, as a marketing page sends it; the new id."""
    response = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(**fields),
        headers={"x-merchant-id": merchant_id},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    inquiry_id: str = response.json()["id"]
    return inquiry_id


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


def rows(page: Page, table: str = "Inquiries") -> Any:
    """The inquiry rows of the inbox (its header row excluded)."""
    return page.get_by_role("table", name=table).locator("tbody tr")


def open_inquiry(page: Page, business: str) -> None:
    """Select the row of ``business`` and wait for its detail."""
    rows(page).filter(has_text=business).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()


def test_sign_in_keeps_the_token_in_session_storage_only(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    for business in ("Alpha Ltd", "Beta Ltd", "Gamma Ltd"):
        submit(intake, m, business_name=business)
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    expect(rows(page)).to_have_count(3)
    # Newest first, each row with name, business, subject, status label and assignee.
    expect(rows(page).nth(0)).to_contain_text("Gamma Ltd")
    expect(rows(page).nth(2)).to_contain_text("Alpha Ltd")
    expect(rows(page).nth(0)).to_contain_text("Ann Nguyen")
    expect(rows(page).nth(0)).to_contain_text("Pricing for 3 stores")
    expect(rows(page).nth(0)).to_contain_text("New")
    jwt_token = token("rep1", m)
    assert jwt_token.split(".")[0] in page.evaluate("Object.values(sessionStorage).join()")
    assert "eyJ" not in page.evaluate("Object.values(localStorage).join()")
    assert "eyJ" not in page.url
    page.reload()  # the session survives a reload of the tab
    expect(rows(page)).to_have_count(3)


def test_a_bad_token_is_refused_with_the_reason(
    context: BrowserContext, backoffice: ServiceProcess
) -> None:
    page = context.new_page()
    page.goto(f"{backoffice.url}/console/")
    page.get_by_label("Access token").fill("not a token")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not an access token")
    forged = jwt.encode(
        {"sub": "x", "exp": int(time.time()) + 60, "perms": {"m1": ALL}},
        "another-secret-0123456789-0123456789",
        algorithm="HS256",
    )
    page.get_by_label("Access token").fill(forged)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("invalid token")
    expect(page.get_by_role("table", name="Inquiries")).to_have_count(0)


def test_filters_and_load_more(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    ids = [submit(intake, m, business_name=f"Shop {i:02d}") for i in range(27)]
    submit(intake, m, business_name="Zebra Imports", subject="Wholesale zebras")
    staff_call(backoffice, "rep1", m, "POST", f"/v1/inquiries/{ids[0]}/assign")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    expect(rows(page)).to_have_count(25)
    page.get_by_role("button", name="Load more").click()
    expect(rows(page)).to_have_count(28)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    page.get_by_label("Search").fill("zebra")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Zebra Imports")
    page.get_by_label("Search").fill("")
    page.get_by_label("Assigned to me").check()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Shop 00")
    page.get_by_label("Assigned to me").uncheck()
    page.get_by_label("Status").select_option(label="Assigned")
    expect(rows(page)).to_have_count(1)
    page.get_by_label("Status").select_option(label="New")
    expect(rows(page)).to_have_count(25)


def test_a_token_for_several_merchants_offers_a_merchant_select(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    first, second = sorted([merchant(), merchant()])
    submit(intake, first, business_name="First Co")
    submit(intake, second, business_name="Second Co")
    page = context.new_page()
    sign_in(page, backoffice, token("owner", first, second))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("First Co")
    page.get_by_label("Merchant").select_option(second)
    expect(rows(page).first).to_contain_text("Second Co")
    expect(rows(page)).to_have_count(1)


def test_work_a_lead_from_claim_to_converted(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess, screenshots: Path
) -> None:
    m = merchant()
    submit(intake, m, business_name="Delta Foods", website="https://delta.example")
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, backoffice, token("rep1", m, name="Rep One"))
    page.screenshot(path=screenshots / "console-inbox.png", full_page=True)
    open_inquiry(page, "Delta Foods")
    detail = page.locator("#detail")
    for value in (
        "ann@example.com",
        "+84 90 123 4567",
        "https://delta.example",
        "Retail",
        "VN",
        "we run three stores.",
        "utm_source: google",
    ):
        expect(detail).to_contain_text(value)
    # A NEW inquiry can be claimed or lost; replying and converting need a claim first.
    expect(detail.get_by_role("button", name="Claim")).to_be_visible()
    expect(detail.get_by_role("button", name="Mark lost")).to_be_visible()
    expect(detail.get_by_role("button", name="Reply", exact=True)).to_have_count(0)
    expect(detail.get_by_role("button", name="Mark converted")).to_have_count(0)

    detail.get_by_role("button", name="Claim").click()
    expect(detail.get_by_role("button", name="Claim")).to_have_count(0)
    expect(rows(page).first).to_contain_text("Assigned")
    detail.get_by_role("button", name="Reply", exact=True).click()
    detail.get_by_label("Reply").fill("Thanks! Our price list is attached.")
    detail.get_by_role("button", name="Send reply").click()
    expect(detail.locator(".summary")).to_contain_text("Replied")
    detail.get_by_role("button", name="Mark converted").click()
    expect(detail.locator(".summary")).to_contain_text("Converted")
    expect(detail.get_by_role("button", name="Mark lost")).to_have_count(0)
    activity = detail.locator("ol.activity li")
    expect(activity).to_have_count(4)
    expect(activity.nth(0)).to_contain_text("Submitted")
    expect(activity.nth(1)).to_contain_text("Claimed by rep1")
    expect(activity.nth(2)).to_contain_text("Thanks! Our price list is attached.")
    expect(activity.nth(3)).to_contain_text("Marked converted by rep1")
    expect(rows(page).first).to_contain_text("Converted")
    page.screenshot(path=screenshots / "console-detail.png", full_page=True)


def test_mark_lost_with_a_reason(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    inquiry_id = submit(intake, m, business_name="Echo Travel")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    open_inquiry(page, "Echo Travel")
    detail = page.locator("#detail")
    detail.get_by_role("button", name="Mark lost").click()
    detail.get_by_label("Reason").select_option(label="Chose a competitor")
    detail.get_by_label("Note (optional)").fill("Went with a cheaper vendor")
    detail.get_by_role("button", name="Confirm").click()
    expect(detail.locator(".summary")).to_contain_text("Lost")
    expect(detail.locator("ol.activity li").last).to_contain_text("Chose a competitor")
    stored = staff_call(backoffice, "rep1", m, "GET", f"/v1/inquiries/{inquiry_id}").json()
    assert (stored["status"], stored["lost_reason"]) == ("LOST", "competitor")
    assert stored["lost_note"] == "Went with a cheaper vendor"


def test_a_lost_claim_race_names_the_holder(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    inquiry_id = submit(intake, m, business_name="Foxtrot Media")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    open_inquiry(page, "Foxtrot Media")
    # A colleague claims it first (the console has not heard yet: no notifier event here).
    won = staff_call(backoffice, "rival", m, "POST", f"/v1/inquiries/{inquiry_id}/assign")
    assert won.status_code == 200
    page.locator("#detail").get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert").filter(has_text="rival")).to_contain_text("already assigned")


def test_a_stale_edit_offers_a_reload(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    inquiry_id = submit(intake, m, business_name="Golf Supplies")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    open_inquiry(page, "Golf Supplies")
    detail = page.locator("#detail")
    detail.get_by_role("button", name="Edit").click()
    changed = staff_call(
        backoffice,
        "rival",
        m,
        "PATCH",
        f"/v1/inquiries/{inquiry_id}",
        json={"subject": "Changed by a colleague"},
    )
    assert changed.status_code == 200
    detail.get_by_label("Subject").fill("My own subject")
    detail.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("changed this inquiry after you opened it")
    page.get_by_role("alert").get_by_role("button", name="Reload").click()
    expect(detail.get_by_role("heading", level=2)).to_contain_text("Changed by a colleague")
    stored = staff_call(backoffice, "rep1", m, "GET", f"/v1/inquiries/{inquiry_id}").json()
    assert stored["subject"] == "Changed by a colleague"


def test_the_language_switch_relabels_the_console(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    submit(intake, m, business_name="Hotel Saigon")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    expect(rows(page).first).to_contain_text("New")
    page.get_by_label("Language").select_option("vi")
    expect(rows(page, "Yêu cầu").first).to_contain_text("Mới")
    expect(page.get_by_role("columnheader", name="Trạng thái")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    rows(page, "Yêu cầu").filter(has_text="Hotel Saigon").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Hoạt động")).to_be_visible()
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_visible()
    page.get_by_label("Language").select_option("en")
    expect(page.get_by_role("button", name="Claim")).to_be_visible()


def staff_page(browser: Browser, backoffice: ServiceProcess, jwt_token: str) -> Page:
    """One member of staff in a browser profile of their own, signed in, live."""
    page = browser.new_context().new_page()
    sign_in(page, backoffice, jwt_token)
    expect(page.locator("#live-state")).to_have_text("Live")
    return page


def test_two_staff_work_a_lead_live(
    browser: Browser, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    alice = staff_page(browser, backoffice, token("alice", m, name="Alice"))
    bob = staff_page(browser, backoffice, token("bob", m, name="Bob"))
    try:
        inquiry_id = submit(intake, m, business_name="Kiwi Live Co")
        stored_at = time.monotonic()  # the 201: the inquiry is committed
        for page in (alice, bob):
            expect(rows(page).first).to_contain_text("Kiwi Live Co", timeout=1000)
        assert time.monotonic() - stored_at < 1.0
        for page in (alice, bob):
            expect(page.get_by_role("status")).to_contain_text("Kiwi Live Co")
            expect(page).to_have_title(re.compile(r"^\(1\) "))

        open_inquiry(alice, "Kiwi Live Co")
        expect(alice).not_to_have_title(re.compile(r"^\(1\) "))  # opened: no longer counted
        expect(bob).to_have_title(re.compile(r"^\(1\) "))
        alice.locator("#detail").get_by_role("button", name="Claim").click()
        # Bob never reloads: his row changes in place, and his claim is refused by name.
        expect(rows(bob).first).to_contain_text("Assigned")
        expect(rows(bob).first).to_contain_text("alice")
        open_inquiry(bob, "Kiwi Live Co")
        bob.locator("#detail").get_by_role("button", name="Claim").click()
        expect(bob.get_by_role("alert")).to_contain_text("already assigned to alice")

        detail = alice.locator("#detail")
        detail.get_by_role("button", name="Reply", exact=True).click()
        detail.get_by_label("Reply").fill("Happy to help, Ann.")
        detail.get_by_role("button", name="Send reply").click()
        expect(bob.locator("#detail .summary")).to_contain_text("Replied")
        detail.get_by_role("button", name="Mark converted").click()
        expect(bob.locator("#detail .summary")).to_contain_text("Converted")
        expect(bob.locator("#detail").get_by_role("button", name="Claim")).to_have_count(0)
        steps = bob.locator("#detail ol.activity li")
        expect(steps).to_have_count(4)
        for n, text in enumerate(
            ["Submitted", "Claimed by alice", "Happy to help, Ann.", "Marked converted by alice"]
        ):
            expect(steps.nth(n)).to_contain_text(text)
        stored = staff_call(backoffice, "bob", m, "GET", f"/v1/inquiries/{inquiry_id}").json()
        assert (stored["status"], stored["assignee_id"]) == ("CONVERTED", "alice")
    finally:
        alice.context.close()
        bob.context.close()


def test_overdue_rows_and_the_stats_view(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess, db: Database
) -> None:
    m = merchant()
    late, won, lost, _ = (submit(intake, m, business_name=f"Stat {n}") for n in range(4))
    db.value(
        "UPDATE inquiries SET due_at = now() - interval '1 hour' WHERE id = %s RETURNING id", late
    )
    for inquiry_id, action, body in [
        (won, "assign", {}),
        (won, "reply", {"message": "On it"}),
        (won, "convert", {}),
        (lost, "lose", {"reason": "no_budget"}),
    ]:
        done = staff_call(
            backoffice, "rep1", m, "POST", f"/v1/inquiries/{inquiry_id}/{action}", json=body
        )
        assert done.status_code == 200, done.text
    page = context.new_page()
    sign_in(page, backoffice, token("owner", m))
    expect(rows(page).filter(has_text="Stat 0")).to_contain_text("Overdue")
    expect(rows(page).filter(has_text="Stat 3")).not_to_contain_text("Overdue")

    page.get_by_role("link", name="Stats").click()
    stats = page.locator("main")
    expect(stats.get_by_role("heading", name="Inquiries per status")).to_be_visible()
    counts = stats.locator("dl.counts")
    expect(counts).to_contain_text("New2")
    expect(counts).to_contain_text("Converted1")
    expect(counts).to_contain_text("Lost1")
    expect(stats).to_contain_text("50 %")  # conversion: 1 converted of 2 closed
    expect(stats.locator("dt", has_text="Open and overdue").locator("+ dd")).to_have_text("1")
    expect(stats.locator("dt", has_text="Met").locator("+ dd")).to_have_text("1")
    chart = stats.get_by_role("img", name=re.compile("Inquiries submitted per day"))
    expect(chart).to_have_attribute("aria-label", re.compile(r": 4 in all$"))
    expect(chart.locator("rect.bar")).to_have_count(30)


def test_a_phone_sized_screen_shows_one_pane_at_a_time(
    browser: Browser, intake: ServiceProcess, backoffice: ServiceProcess, screenshots: Path
) -> None:
    m = merchant()
    submit(intake, m, business_name="India Pocket Shop")
    phone = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    try:
        page = phone.new_page()
        sign_in(page, backoffice, token("rep1", m))
        wider = "document.documentElement.scrollWidth > window.innerWidth"
        assert not page.evaluate(wider), "the inbox scrolls sideways on a phone"
        open_inquiry(page, "India Pocket Shop")
        expect(page.get_by_role("table", name="Inquiries")).to_be_hidden()
        assert not page.evaluate(wider), "the detail scrolls sideways on a phone"
        page.screenshot(path=screenshots / "console-detail-phone.png", full_page=True)
        page.get_by_role("link", name="Back to the inbox").click()
        expect(page.get_by_role("table", name="Inquiries")).to_be_visible()
    finally:
        phone.close()


def test_the_keyboard_alone_opens_and_claims_a_lead(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    submit(intake, m, business_name="Juliet Keys")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m))
    link = rows(page).first.get_by_role("link")
    for _ in range(30):  # Tab through the header and filters to the row's link
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the inquiry's link is not reachable with Tab")
    page.keyboard.press("Enter")
    heading = page.locator("#detail-title")
    expect(heading).to_be_focused()
    claim = page.locator("#detail").get_by_role("button", name="Claim")
    for _ in range(10):
        page.keyboard.press("Tab")
        if claim.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page.locator("#detail .summary")).to_contain_text("Assigned")


def test_the_development_sign_in(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    submit(intake, m, business_name="Kilo Dev Shop")
    page = context.new_page()
    page.goto(f"{backoffice.url}/console/")
    form = page.get_by_role("form", name="Development sign-in")
    form.get_by_label("User id").fill("devrep")
    form.get_by_label("Merchant").fill(m)
    form.get_by_role("button", name="Development sign-in").click()
    expect(rows(page).first).to_contain_text("Kilo Dev Shop")
    expect(page.locator("header")).to_contain_text("devrep")
