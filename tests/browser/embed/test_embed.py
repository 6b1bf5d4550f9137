"""The embeddable form in real Chromium: rendered on a marketing page of another origin (en and
vi), accessible, styled on its own, submitted once however often it is clicked; the hosted page
with and without JavaScript. Real intake, PostgreSQL and Redis.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.embed.site import (
    FALLBACK_LINK,
    MarketingSite,
    console_errors,
    fill,
    open_form,
    snippet,
    stored,
    submits,
)
from tests.intake.test_form_page import EN_LABELS
from tests.support import Database, ServiceProcess

TRAP_LABEL = "Leave this field empty"


def test_form_is_labelled_and_a_double_click_stores_one_inquiry(
    context: BrowserContext,
    embed_intake: ServiceProcess,
    site: MarketingSite,
    db: Database,
    screenshots: Path,
) -> None:
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_form(page, site.add(snippet(embed_intake, "m-embed")))
    expect(page.get_by_role("link", name=FALLBACK_LINK)).to_have_count(0)  # replaced by the form
    for label in EN_LABELS:
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    for label in ("Name", "Email", "Business name", "Subject", "Message"):
        expect(page.get_by_label(label, exact=True)).to_have_attribute("required", "")
    expect(page.get_by_label("Phone", exact=True)).not_to_have_attribute("required", "")
    expect(
        page.locator(".inq-field", has=page.get_by_label("Email")).locator(".inq-req")
    ).to_have_text("*")
    page.screenshot(path=screenshots / "embed-en.png", full_page=True)

    marker = fill(page)
    sent = submits(page)
    page.get_by_role("button", name="Send inquiry").dblclick()

    expect(page.get_by_role("status")).to_contain_text("Thank you! We received your inquiry")
    rows = stored(db, marker)
    assert [(r["merchant_id"], r["type"], r["country"], r["is_spam"]) for r in rows] == [
        ("m-embed", "demo", "VN", False)
    ]
    assert rows[0]["source"] == {"page_url": page.url}
    assert len(sent) == 1  # the button was disabled while sending: the second click did nothing
    # Nothing but the page's own origin and the intake the script came from.
    assert requested
    assert {url.split("/")[2] for url in requested} == {
        site.origin.split("/")[2],
        embed_intake.url.split("/")[2],
    }


def test_honeypot_is_hidden_from_people_and_assistive_technology(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite
) -> None:
    page = context.new_page()
    open_form(page, site.add(snippet(embed_intake, "m-trap")))

    tree = page.locator("[data-inquiry-form]").aria_snapshot()
    assert "Business name" in tree
    assert TRAP_LABEL not in tree
    assert "_gotcha" not in tree
    expect(page.get_by_role("textbox", name=TRAP_LABEL)).to_have_count(0)
    trap = page.locator('input[name="_gotcha"]')
    expect(trap).to_have_attribute("tabindex", "-1")
    expect(trap).to_have_attribute("autocomplete", "off")
    box = trap.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0  # off-screen, not merely transparent
    # Tabbing from the last field goes to the button, past the trap.
    page.get_by_label("Message", exact=True).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send inquiry")).to_be_focused()


def test_styles_apply_to_the_form_only(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite
) -> None:
    outside = '<label for="q">Search</label><input id="q"><button>Go</button><p>Text</p>'
    properties = "font-weight border-top-width padding-top background-color margin-top"
    read_styles = (
        "props => [...document.querySelectorAll('body > label, body > input, body > button, "
        "body > p')].map(e => { const s = getComputedStyle(e); "
        "return props.split(' ').map(p => s.getPropertyValue(p)); })"
    )
    page = context.new_page()
    page.goto(site.add(outside))
    before = page.evaluate(read_styles, properties)
    open_form(page, site.add(outside + snippet(embed_intake, "m-style")))
    expect(page.locator('link[href$="/v1/embed.css"]')).to_have_count(1)

    assert page.evaluate(read_styles, properties) == before
    assert (
        page.get_by_label("Name", exact=True).evaluate("e => getComputedStyle(e).borderTopStyle")
        == "solid"
    )  # the form's own stylesheet did apply


def test_vietnamese_form_beside_an_english_one(
    context: BrowserContext,
    embed_intake: ServiceProcess,
    site: MarketingSite,
    screenshots: Path,
) -> None:
    page = context.new_page()
    two_forms = snippet(embed_intake, "m-en") + snippet(embed_intake, "m-vi", locale="vi")
    open_form(page, site.add(two_forms), forms=2)
    english, vietnamese = page.locator("[data-inquiry-form]").all()

    for label in ("Họ và tên", "Email", "Tên doanh nghiệp", "Quy mô công ty", "Loại yêu cầu"):
        expect(vietnamese.get_by_label(label, exact=True)).to_be_visible()
    expect(vietnamese.get_by_role("button", name="Gửi yêu cầu")).to_be_visible()
    expect(vietnamese.get_by_label("Loại yêu cầu", exact=True).locator("option")).to_contain_text(
        ["Bán hàng", "Dùng thử", "Báo giá", "Hợp tác", "Khác"]
    )
    expect(english.get_by_role("button", name="Send inquiry")).to_be_visible()
    # Each form's labels point at its own inputs: the ids differ.
    ids = page.locator("[data-inquiry-form] [id]").evaluate_all("es => es.map(e => e.id)")
    assert len(ids) == len(set(ids))
    page.screenshot(path=screenshots / "embed-en-and-vi.png", full_page=True)

    vietnamese.get_by_label("Email", exact=True).fill("sai")
    vietnamese.get_by_role("button", name="Gửi yêu cầu").click()
    expect(vietnamese.get_by_label("Email", exact=True)).to_have_accessible_description(
        "phải là địa chỉ email hợp lệ"
    )
    expect(vietnamese.get_by_label("Họ và tên", exact=True)).to_have_accessible_description(
        "không được để trống"
    )
    expect(english.locator("[aria-invalid]")).to_have_count(0)


def test_data_next_is_where_a_submit_goes(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite, db: Database
) -> None:
    page = context.new_page()
    open_form(page, site.add(snippet(embed_intake, "m-next", next_url=f"{site.origin}/thanks")))
    marker = fill(page)
    page.get_by_role("button", name="Send inquiry").click()

    page.wait_for_url(f"{site.origin}/thanks")
    assert len(stored(db, marker)) == 1


def test_hosted_form_without_javascript_lands_a_row(
    browser: Browser, embed_intake: ServiceProcess, db: Database
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{embed_intake.url}/v1/form?merchant_id=m-nojs&locale=vi")
        expect(page.locator('[data-inquiry-form-state="ready"]')).to_have_count(0)  # no script ran
        trap = page.locator('input[name="_gotcha"]').bounding_box()
        assert trap is not None
        assert trap["x"] + trap["width"] <= 0  # the stylesheet alone keeps the trap off-screen
        marker = f"NoJS {uuid.uuid4().hex[:8]}"
        page.get_by_label("Họ và tên", exact=True).fill("Ann Nguyen")
        page.get_by_label("Email", exact=True).fill("ann@example.com")
        page.get_by_label("Tên doanh nghiệp", exact=True).fill(marker)
        page.get_by_label("Tiêu đề", exact=True).fill("Báo giá")
        page.get_by_label("Nội dung", exact=True).fill("Xin chào")
        page.get_by_role("button", name="Gửi yêu cầu").click()

        expect(page.get_by_role("heading", name="Cảm ơn bạn")).to_be_visible()
        rows = stored(db, marker)
        assert [(r["merchant_id"], r["locale"], r["type"]) for r in rows] == [
            ("m-nojs", "vi", "sales")
        ]
    finally:
        context.close()


def test_hosted_form_with_javascript_is_enhanced_under_its_policy(
    context: BrowserContext, embed_intake: ServiceProcess, db: Database
) -> None:
    page = context.new_page()
    problems = console_errors(page)
    open_form(page, f"{embed_intake.url}/v1/form?merchant_id=m-hosted")
    marker = fill(page)
    page.get_by_role("button", name="Send inquiry").click()

    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    assert page.url.endswith("/v1/form?merchant_id=m-hosted")  # answered in place, by fetch
    assert len(stored(db, marker)) == 1
    assert problems == []  # in particular, no Content-Security-Policy violation
