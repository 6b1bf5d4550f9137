"""The embeddable form when things go wrong: field errors from a 400, a lost answer, the intake
stopped, a 429. Input is kept, and the one Idempotency-Key of the form stores one inquiry.
"""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import BrowserContext, Route, expect

from tests.browser.embed.site import (
    FALLBACK_LINK,
    MarketingSite,
    console_errors,
    intake_for,
    snippet,
    start_inquiry,
    stored,
)
from tests.support import Database, ServiceProcess, inquiry_body


def test_bad_email_is_marked_beside_its_field_and_the_input_is_kept(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite, db: Database
) -> None:
    url = site.add(snippet(embed_intake, "m-bad"))
    page, marker, sent = start_inquiry(context, url, email="not-an-email")
    page.get_by_role("button", name="Send inquiry").click()

    email = page.get_by_label("Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    described_by = email.get_attribute("aria-describedby") or ""
    error = page.locator(f"#{described_by.split()[0]}")
    expect(error).to_have_text("must be a valid email address")
    expect(email).to_have_accessible_description("must be a valid email address")
    expect(email).to_be_focused()
    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("not-an-email")
    expect(page.get_by_label("Business name", exact=True)).to_have_value(marker)
    expect(page.get_by_label("Message", exact=True)).to_have_value("Hello,\nthree stores.")
    assert stored(db, marker) == []

    # Corrected, the same form (and the same key: nothing was stored under it) goes through.
    email.fill("ann@example.com")
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    assert len(stored(db, marker)) == 1
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
    expect(page.locator("[aria-invalid]")).to_have_count(0)


def test_a_retry_after_a_lost_answer_stores_nothing_twice(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite, db: Database
) -> None:
    url = site.add(snippet(embed_intake, "m-lost"))
    page, marker, sent = start_inquiry(context, url)
    answers: list[int] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif not answers:  # the intake stores it, the visitor's network drops the answer
            answers.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"{embed_intake.url}/v1/inquiries", lose_first_answer)
    page.get_by_role("button", name="Send inquiry").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not send your inquiry just now")
    assert answers == [201]
    assert len(stored(db, marker)) == 1

    page.get_by_role("button", name="Send inquiry").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    assert len(stored(db, marker)) == 1  # the retry replayed the first answer
    assert len({r.headers["idempotency-key"] for r in sent}) == 1


def test_intake_down_keeps_the_input_and_the_retry_goes_through(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite, db: Database
) -> None:
    url = site.add(snippet(embed_intake, "m-down"))
    page, marker, sent = start_inquiry(context, url)
    button = page.get_by_role("button", name="Send inquiry")

    embed_intake.stop()
    try:
        button.click()
        expect(page.get_by_role("alert")).to_have_text(
            "We could not send your inquiry just now. Your answers are kept: "
            "please try again in a moment."
        )
        expect(button).to_be_enabled()
        expect(page.get_by_label("Business name", exact=True)).to_have_value(marker)
        expect(page.get_by_label("Message", exact=True)).to_have_value("Hello,\nthree stores.")
        expect(page.get_by_label("Inquiry type", exact=True)).to_have_value("demo")
    finally:
        embed_intake.start()

    button.click()
    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    assert len(stored(db, marker)) == 1
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]


def test_rate_limited_submit_shows_the_retry_message(
    context: BrowserContext, base_env: dict[str, str], site: MarketingSite, db: Database
) -> None:
    with intake_for(site, base_env, INTAKE_RATE_LIMIT_PER_MERCHANT="1/hour") as intake:
        merchant = f"m-busy-{uuid.uuid4().hex[:8]}"  # a window of its own in the shared Redis
        first = httpx.post(
            f"{intake.url}/v1/inquiries", json=inquiry_body(), headers={"x-merchant-id": merchant}
        )
        assert first.status_code == 201
        page, marker, sent = start_inquiry(context, site.add(snippet(intake, merchant)))
        page.get_by_role("button", name="Send inquiry").click()

        expect(page.get_by_role("alert")).to_contain_text("please try again in a moment")
        answers = [response.status for r in sent if (response := r.response()) is not None]
        assert answers == [429]
        expect(page.get_by_label("Business name", exact=True)).to_have_value(marker)
        expect(page.get_by_role("button", name="Send inquiry")).to_be_enabled()
        assert stored(db, marker) == []


def test_a_form_that_cannot_load_says_so_in_its_language(
    context: BrowserContext, embed_intake: ServiceProcess, site: MarketingSite
) -> None:
    page = context.new_page()
    problems = console_errors(page)
    page.goto(site.add(snippet(embed_intake, "not a merchant!", locale="vi")))

    host = page.locator('[data-inquiry-form-state="failed"]')
    expect(host.locator("p")).to_have_text(
        "Không tải được biểu mẫu. Vui lòng tải lại trang để thử lại."
    )
    expect(host.get_by_role("link", name=FALLBACK_LINK)).to_be_visible()  # still a way in
    # The integrator learns why from the console: the intake's own message.
    assert any("invalid form request: merchant_id" in text for text in problems)
