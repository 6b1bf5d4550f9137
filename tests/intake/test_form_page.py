"""The hosted form page, the embed's script, stylesheet and fragment, and CORS, over plain HTTP."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import httpx
import pytest

from tests.support import Database, ServiceProcess, inquiry_body

SITE = "https://site.example"  # in INTAKE_ALLOWED_ORIGINS of the session's intake (base_env)
EN_LABELS = [
    "Name",
    "Email",
    "Phone",
    "Business name",
    "Company size",
    "Industry",
    "Website",
    "Country",
    "Inquiry type",
    "Subject",
    "Message",
]


class FormReader(HTMLParser):
    """The parts of a page a test looks at: the form, its controls and their labels."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.controls: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}  # control id -> label text (what a person sees)
        self._label_for: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the form's action, each named control, and which label is open."""
        attributes = dict(attrs)
        if tag == "form":
            self.action = attributes["action"] or ""
        elif tag in ("input", "select", "textarea") and attributes.get("name"):
            self.controls[str(attributes["name"])] = attributes
        elif tag == "label":
            self._label_for = attributes["for"]
            self.labels[str(self._label_for)] = ""

    def handle_endtag(self, tag: str) -> None:
        """Close the open label."""
        if tag == "label":
            self._label_for = None

    def handle_data(self, data: str) -> None:
        """Label text."""
        if self._label_for is not None:
            self.labels[self._label_for] += data

    def label_of(self, name: str) -> str:
        """The visible label of control ``name``."""
        return self.labels[str(self.controls[name]["id"])]


def _read(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def test_hosted_page_is_a_labelled_form_that_posts_without_javascript(
    intake: ServiceProcess, db: Database
) -> None:
    response = httpx.get(f"{intake.url}/v1/form", params={"merchant_id": "m-page"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "form-action 'self';" in policy
    assert f"frame-ancestors 'self' {SITE}" in policy
    page = _read(response.text)
    assert '<html lang="en">' in response.text
    assert '<script src="/v1/embed.js" async>' in response.text
    assert page.action == "/v1/inquiries?merchant_id=m-page"
    labels = [page.label_of(name) for name in page.controls if name not in ("locale", "_gotcha")]
    assert labels == EN_LABELS
    for required in ("name", "email", "business_name", "subject", "message"):
        assert "required" in page.controls[required], required
    assert "required" not in page.controls["phone"]
    trap = page.controls["_gotcha"]
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    assert '<div class="inq-hp" aria-hidden="true">' in response.text

    # What a browser without JavaScript sends: every control of the form, form-encoded.
    marker = f"Page {uuid.uuid4().hex[:8]}"
    body = inquiry_body(business_name=marker)
    fields = {name: str(body.get(name, "")) for name in page.controls}
    fields["locale"] = "en"
    posted = httpx.post(f"{intake.url}{page.action}", data=fields, headers={"accept": "text/html"})

    assert posted.status_code == 201
    assert "Thank you" in posted.text
    row = db.rows("SELECT * FROM inquiries WHERE business_name = %s", marker)
    assert [(r["merchant_id"], r["email"], r["is_spam"]) for r in row] == [
        ("m-page", "ann@example.com", False)
    ]


def test_the_form_routes_are_in_the_openapi_document(intake: ServiceProcess) -> None:
    paths = httpx.get(f"{intake.url}/schema/openapi.json").json()["paths"]

    assert {"/v1/embed.js", "/v1/embed.css", "/v1/form", "/v1/form/fragment"} <= set(paths)
    parameters = {p["name"] for p in paths["/v1/form"]["get"]["parameters"]}
    assert {"merchant_id", "locale"} <= parameters


def test_hosted_page_in_vietnamese(intake: ServiceProcess) -> None:
    response = httpx.get(f"{intake.url}/v1/form", params={"merchant_id": "m1", "locale": "vi"})

    assert response.status_code == 200
    page = _read(response.text)
    assert '<html lang="vi">' in response.text
    assert page.controls["locale"]["value"] == "vi"
    assert page.label_of("name") == "Họ và tên"
    assert page.label_of("business_size") == "Quy mô công ty"
    assert "Gửi yêu cầu</button>" in response.text


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, ["merchant_id"]),
        ({"merchant_id": "bad id!"}, ["merchant_id"]),
        ({"merchant_id": "m1", "locale": "fr"}, ["locale"]),
        ({"merchant_id": "x" * 65, "locale": "EN"}, ["merchant_id", "locale"]),
    ],
)
@pytest.mark.parametrize("path", ["/v1/form", "/v1/form/fragment"])
def test_form_requests_name_every_bad_parameter(
    intake: ServiceProcess, path: str, params: dict[str, str], fields: list[str]
) -> None:
    response = httpx.get(f"{intake.url}{path}", params=params)

    assert response.status_code == 400
    body = response.json()
    assert [error["field"] for error in body["errors"]] == fields
    assert body["detail"] == "invalid form request: " + ", ".join(fields)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/v1/embed.js", "text/javascript"), ("/v1/embed.css", "text/css")],
)
def test_assets_are_cacheable_and_revalidated_by_etag(
    intake: ServiceProcess, path: str, media_type: str
) -> None:
    response = httpx.get(f"{intake.url}{path}")

    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["x-content-type-options"] == "nosniff"
    etag = response.headers["etag"]
    assert response.content

    again = httpx.get(f"{intake.url}{path}", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = httpx.get(f"{intake.url}{path}", headers={"if-none-match": '"stale"'})
    assert stale.status_code == 200


def test_the_script_reaches_nothing_but_its_own_intake(intake: ServiceProcess) -> None:
    script = httpx.get(f"{intake.url}/v1/embed.js").text

    assert "new URL(script.src).origin" in script
    # Every URL it fetches or links is built from that origin: past the header comment's
    # snippet, the code holds no address at all.
    code = script.split("*/", 1)[1]
    assert "://" not in code
    assert code.count("fetch(") == 2


def test_cors_lets_an_allowed_site_fetch_the_form_and_post_with_its_headers(
    intake: ServiceProcess,
) -> None:
    preflight = httpx.options(
        f"{intake.url}/v1/inquiries",
        headers={
            "origin": SITE,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,idempotency-key,x-merchant-id",
        },
    )

    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert {"content-type", "idempotency-key", "x-merchant-id"} <= allowed

    fragment = httpx.get(
        f"{intake.url}/v1/form/fragment",
        params={"merchant_id": "m1", "locale": "vi"},
        headers={"origin": SITE},
    )
    assert fragment.status_code == 200
    assert fragment.headers["access-control-allow-origin"] == SITE
    assert "Origin" in fragment.headers["vary"]
    assert fragment.text.startswith('<div class="inq" lang="vi"')


def test_cors_refuses_other_sites(intake: ServiceProcess) -> None:
    preflight = httpx.options(
        f"{intake.url}/v1/inquiries",
        headers={
            "origin": "https://evil.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,idempotency-key,x-merchant-id",
        },
    )
    fragment = httpx.get(
        f"{intake.url}/v1/form/fragment",
        params={"merchant_id": "m1"},
        headers={"origin": "https://evil.example"},
    )

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in fragment.headers
