"""The PRD's launch criterion as a person shows it: hosted form in one tab, console in another."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, expect

from tests.browser.console.support import dev_sign_in, merchant, open_inquiry, rows
from tests.support import Database, ServiceProcess


def test_a_lead_from_the_hosted_form_is_worked_to_converted_in_the_console(
    context: BrowserContext, intake: ServiceProcess, backoffice: ServiceProcess, db: Database
) -> None:
    m = merchant()
    console = context.new_page()
    dev_sign_in(console, backoffice, "rep-launch", m)
    expect(console.get_by_role("table", name="Inquiries")).to_be_visible()
    expect(console.locator("#live-state")).to_have_text("Live")

    form_tab = context.new_page()
    form_tab.goto(f"{intake.url}/v1/form?merchant_id={m}&locale=en")
    form_tab.get_by_label("Name", exact=True).fill("Lan Tran")
    form_tab.get_by_label("Email", exact=True).fill("lan@example.com")
    form_tab.get_by_label("Business name").fill("Launch Bakery")
    form_tab.get_by_label("Subject", exact=True).fill("Catering for 200")
    form_tab.get_by_label("Message", exact=True).fill("Can you deliver on Friday?")
    form_tab.get_by_role("button", name="Send inquiry").click()
    expect(form_tab.get_by_role("status")).to_be_visible()

    # Live: the lead shows at the top, with a toast naming its business, without a reload.
    expect(rows(console).first).to_contain_text("Launch Bakery", timeout=5_000)
    expect(console.get_by_role("status").filter(has_text="Launch Bakery")).to_be_visible()
    open_inquiry(console, "Launch Bakery")
    detail = console.locator("#detail")
    detail.get_by_role("button", name="Claim").click()
    detail.get_by_role("button", name="Reply", exact=True).click()
    detail.get_by_label("Reply").fill("Yes, Friday works.")
    detail.get_by_role("button", name="Send reply").click()
    expect(detail.locator(".summary")).to_contain_text("Replied")
    detail.get_by_role("button", name="Mark converted").click()
    expect(detail.locator(".summary")).to_contain_text("Converted")
    expect(detail.locator("ol.activity li")).to_have_count(4)

    stored = db.rows(
        "SELECT status, assignee_id, first_replied_at FROM inquiries WHERE merchant_id = %s", m
    )
    assert len(stored) == 1
    assert stored[0]["status"] == "CONVERTED"
    assert stored[0]["assignee_id"] == "rep-launch"
    assert stored[0]["first_replied_at"] is not None
