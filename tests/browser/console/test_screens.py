"""The console's screens in a real Chromium: sign-in, inbox, detail and its actions, language."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from playwright.sync_api import BrowserContext, expect

from tests.browser.console.support import (
    ALL,
    inbox_page,
    lead_page,
    merchant,
    open_inquiry,
    rows,
    sign_in,
    staff_call,
    token,
)
from tests.support import ServiceProcess, submit


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


def test_an_expired_token_ends_the_session(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m = merchant()
    submit(intake, m, business_name="Lima Short Stay")
    page = context.new_page()
    sign_in(page, backoffice, token("rep1", m, ttl=4))
    expect(rows(page).first).to_contain_text("Lima Short Stay")
    # The notifier closes the socket at expiry (4001); the console goes back to the sign-in.
    expect(page.get_by_label("Access token")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("alert")).to_contain_text("session ended")
    assert page.evaluate("Object.keys(sessionStorage).length") == 0


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
    m, inquiry_id, page = lead_page(context, intake, backoffice, "Echo Travel")
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
    m, inquiry_id, page = lead_page(context, intake, backoffice, "Foxtrot Media")
    # A colleague claims it first (the console has not heard yet: no notifier event here).
    won = staff_call(backoffice, "rival", m, "POST", f"/v1/inquiries/{inquiry_id}/assign")
    assert won.status_code == 200
    page.locator("#detail").get_by_role("button", name="Claim").click()
    expect(page.get_by_role("alert").filter(has_text="rival")).to_contain_text("already assigned")


def test_a_stale_edit_offers_a_reload(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess
) -> None:
    m, inquiry_id, page = lead_page(context, intake, backoffice, "Golf Supplies")
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
    _, _, page = inbox_page(context, intake, backoffice, "Hotel Saigon")
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
