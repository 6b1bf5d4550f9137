"""The console live and at large: two staff, overdue, stats, phone, keyboard, dev sign-in."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.console.support import (
    arrival,
    dev_sign_in,
    inbox_page,
    merchant,
    open_inquiry,
    rows,
    sign_in,
    staff_call,
    staff_page,
    tab_to,
    token,
    watch_arrival,
)
from tests.support import Database, ServiceProcess, submit


def test_two_staff_work_a_lead_live(
    browser: Browser, intake: ServiceProcess, backoffice: ServiceProcess, screenshots: Path
) -> None:
    m = merchant()
    alice = staff_page(browser, backoffice, token("alice", m, name="Alice"))
    bob = staff_page(browser, backoffice, token("bob", m, name="Bob"))
    try:
        for page in (alice, bob):
            watch_arrival(page, "Kiwi Live Co")
        inquiry_id = submit(intake, m, business_name="Kiwi Live Co")
        stored_at = time.time()  # the 201: the inquiry is committed
        for page in (alice, bob):
            # Timed in the page itself: Playwright's polling would add its own delay.
            assert arrival(page) - stored_at < 1.0
            expect(rows(page).first).to_contain_text("Kiwi Live Co")
        for page in (alice, bob):
            expect(page.get_by_role("status")).to_contain_text("Kiwi Live Co")
            expect(page).to_have_title(re.compile(r"^\(1\) "))
        alice.screenshot(path=screenshots / "console-inbox.png", full_page=True)

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

        # Bob starts a reply of his own; Alice's change redraws his view without losing it.
        bob.locator("#detail").get_by_role("button", name="Reply", exact=True).click()
        bob.locator("#detail").get_by_label("Reply").fill("Draft from Bob")
        detail = alice.locator("#detail")
        detail.get_by_role("button", name="Reply", exact=True).click()
        detail.get_by_label("Reply").fill("Happy to help, Ann.")
        detail.get_by_role("button", name="Send reply").click()
        expect(bob.locator("#detail .summary")).to_contain_text("Replied")
        expect(bob.locator("#detail ol.activity")).to_contain_text("Happy to help, Ann.")
        expect(bob.locator("#detail").get_by_label("Reply")).to_have_value("Draft from Bob")
        expect(bob.locator("#detail").get_by_label("Reply")).to_be_focused()
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
    context: BrowserContext,
    intake: ServiceProcess,
    backoffice: ServiceProcess,
    db: Database,
    screenshots: Path,
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
    page.screenshot(path=screenshots / "console-stats.png", full_page=True)


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
    _, _, page = inbox_page(context, intake, backoffice, "Juliet Keys")
    link = rows(page).first.get_by_role("link")
    tab_to(page, link)  # through the header and the filters
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_be_focused()
    tab_to(page, page.locator("#detail").get_by_role("button", name="Claim"))
    page.keyboard.press("Enter")
    expect(page.locator("#detail .summary")).to_contain_text("Assigned")
    # After the claim the focus is on the detail's heading; the way back is just above it.
    tab_to(page, page.get_by_role("link", name="Back to the inbox"), key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(link).to_be_focused()  # the list continues from the inquiry that was open


def test_the_development_sign_in(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    submit(intake, m, business_name="Kilo Dev Shop")
    page = context.new_page()
    dev_sign_in(page, backoffice, "devrep", m)
    expect(rows(page).first).to_contain_text("Kilo Dev Shop")
    expect(page.locator("header")).to_contain_text("devrep")
