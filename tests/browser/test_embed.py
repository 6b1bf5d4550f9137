"""The embeddable form in real Chromium, on a marketing page of another origin, against real intake.

The marketing site is a Python ``http.server`` on 127.0.0.1 (its own port, so its own origin);
the intake process of this module allows exactly that origin (``INTAKE_ALLOWED_ORIGINS``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from tests.intake.test_form_page import EN_LABELS
from tests.support import Database, ServiceProcess, inquiry_body

TRAP_LABEL = "Leave this field empty"


class MarketingSite:
    """A static site on its own origin; tests add pages to it by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {
            "/thanks": "<!doctype html><title>Thanks</title><h1>Thanks</h1>"
        }
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, body: str) -> str:
        """Serve ``body`` as a new page; its URL."""
        path = f"/{uuid.uuid4().hex[:8]}.html"
        self.pages[path] = f'<!doctype html><html lang="en"><title>Site</title><body>{body}</body>'
        return self.origin + path


@pytest.fixture(scope="module")
def site() -> Iterator[MarketingSite]:
    """The marketing site."""
    marketing = MarketingSite()
    yield marketing
    marketing.server.shutdown()


@pytest.fixture(scope="module")
def embed_intake(base_env: dict[str, str], site: MarketingSite) -> Iterator[ServiceProcess]:
    """An intake that allows the marketing site's origin (and only it)."""
    service = ServiceProcess("intake", {**base_env, "INTAKE_ALLOWED_ORIGINS": site.origin}).start()
    yield service
    service.stop()


def snippet(intake: ServiceProcess, merchant: str, locale: str = "en", next_url: str = "") -> str:
    """SPEC §11's snippet, as a marketing site pastes it."""
    next_attribute = f' data-next="{escape(next_url)}"' if next_url else ""
    return (
        f'<div data-inquiry-form data-merchant="{merchant}" data-locale="{locale}"'
        f"{next_attribute}></div>"
        f'<script src="{intake.url}/v1/embed.js" async></script>'
    )


def open_form(page: Page, url: str, forms: int = 1) -> None:
    """Go to ``url`` and wait until its forms are rendered."""
    page.goto(url)
    expect(page.locator('[data-inquiry-form-state="ready"]')).to_have_count(forms)


def fill(page: Page, email: str = "ann@example.com") -> str:
    """Fill the only form on the page; its business name, unique to this call, is returned."""
    marker = f"Acme {uuid.uuid4().hex[:8]}"
    page.get_by_label("Name", exact=True).fill("Ann Nguyen")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Business name", exact=True).fill(marker)
    page.get_by_label("Company size", exact=True).select_option("11-50")
    page.get_by_label("Country", exact=True).fill("vn")
    page.get_by_label("Inquiry type", exact=True).select_option("demo")
    page.get_by_label("Subject", exact=True).fill("A demo, please")
    page.get_by_label("Message", exact=True).fill("Hello,\nthree stores.")
    return marker


def start_inquiry(
    context: BrowserContext, url: str, email: str = "ann@example.com"
) -> tuple[Page, str, list[Request]]:
    """A page at ``url`` with its form filled in: the page, the business name, its submits."""
    page = context.new_page()
    open_form(page, url)
    return page, fill(page, email), submits(page)


def stored(db: Database, marker: str) -> list[dict[str, object]]:
    """The inquiries whose business name is ``marker``."""
    return db.rows("SELECT * FROM inquiries WHERE business_name = %s", marker)


def submits(page: Page) -> list[Request]:
    """Every submit the page sends from now on (preflights left out)."""
    sent: list[Request] = []
    page.on(
        "request",
        lambda r: sent.append(r) if r.method == "POST" and "/v1/inquiries" in r.url else None,
    )
    return sent


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
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    open_form(page, f"{embed_intake.url}/v1/form?merchant_id=m-hosted")
    marker = fill(page)
    page.get_by_role("button", name="Send inquiry").click()

    expect(page.get_by_role("status")).to_contain_text("Thank you!")
    assert page.url.endswith("/v1/form?merchant_id=m-hosted")  # answered in place, by fetch
    assert len(stored(db, marker)) == 1
    assert problems == []  # in particular, no Content-Security-Policy violation


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
    limits = {"INTAKE_ALLOWED_ORIGINS": site.origin, "INTAKE_RATE_LIMIT_PER_MERCHANT": "1/hour"}
    intake = ServiceProcess("intake", {**base_env, **limits}).start()
    try:
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
    finally:
        intake.stop()
