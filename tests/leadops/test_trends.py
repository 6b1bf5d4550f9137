"""``stats?interval=day|week``: UTC buckets over from..to, empty ones included, from SQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from tests.backoffice.conftest import auth, new_merchant
from tests.support import Database

_INSERT = """
INSERT INTO inquiries (id, merchant_id, type, name, email, business_name, subject, message,
                       locale, status, created_at, due_at, first_replied_at)
VALUES (gen_random_uuid(), %s, 'sales', 'Ann', 'ann@example.com', 'Acme', 'Hi', 'Hi', 'en',
        %s, %s::timestamptz, %s::timestamptz + interval '1 hour',
        %s::timestamptz + %s * interval '1 second')
"""


def insert(db: Database, merchant: str, created_at: str, status: str = "NEW", **kw: Any) -> None:
    """An inquiry created at an exact UTC time (first replied ``replied_after`` s later)."""
    replied_after = kw.get("replied_after")
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(_INSERT, (merchant, status, created_at, created_at, created_at, replied_after))


def stats(api: httpx.Client, merchant: str, **params: str) -> httpx.Response:
    return api.get("/v1/inquiries/stats", params=params, headers=auth("u1", merchant))


@pytest.fixture
def march(db: Database) -> str:
    """A merchant with inquiries around the first week of March 2026 (US DST starts Mar 8)."""
    merchant = new_merchant()
    insert(db, merchant, "2026-02-28T23:59:59Z")  # before the range
    insert(db, merchant, "2026-03-01T00:00:00Z", "REPLIED", replied_after=600)
    insert(db, merchant, "2026-03-01T23:59:59Z", "REPLIED", replied_after=1200)
    insert(db, merchant, "2026-03-03T12:00:00Z", "CONVERTED", replied_after=7200)
    insert(db, merchant, "2026-03-07T23:59:59.999Z", "LOST")
    insert(db, merchant, "2026-03-08T00:00:00Z")  # ``to`` is exclusive
    insert(db, merchant, "2026-03-09T10:00:00Z", "LOST")
    return merchant


def test_daily_buckets_cover_the_range_with_empty_days(api: httpx.Client, march: str) -> None:
    response = stats(
        api, march, **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-08T00:00:00Z"}, interval="day"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    series = body["series"]
    starts = [datetime.fromisoformat(b["start"]) for b in series]
    first = datetime.fromisoformat("2026-03-01T00:00:00+00:00")
    assert starts == [first + timedelta(days=d) for d in range(7)]
    assert [b["submitted"] for b in series] == [2, 0, 1, 0, 0, 0, 1]
    assert [b["first_replied"] for b in series] == [2, 0, 1, 0, 0, 0, 0]
    assert [b["converted"] for b in series] == [0, 0, 1, 0, 0, 0, 0]
    assert [b["lost"] for b in series] == [0, 0, 0, 0, 0, 0, 1]
    medians = [b["first_reply_median_seconds"] for b in series]
    assert medians == [900.0, None, 7200.0, None, None, None, None]
    assert set(series[0]) == {
        "start",
        "submitted",
        "first_replied",
        "converted",
        "lost",
        "first_reply_median_seconds",
    }
    assert body["counts"]["REPLIED"] == 2
    # Replies after 10 and 20 minutes met the 1 h deadline; 2 h did not.
    assert body["sla"] == {"met": 2, "missed": 1, "open_overdue": 0}


def test_weekly_buckets_start_on_monday(api: httpx.Client, march: str) -> None:
    response = stats(
        api,
        march,
        **{"from": "2026-03-04T00:00:00Z", "to": "2026-03-18T00:00:00Z"},
        interval="week",
    )
    assert response.status_code == 200, response.text
    series = response.json()["series"]
    assert [b["start"][:10] for b in series] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    # Only inquiries inside from..to count, also in the first, partial week.
    assert [b["submitted"] for b in series] == [2, 1, 0]  # Mar 7 and Sunday Mar 8; Mar 9
    assert [b["lost"] for b in series] == [1, 1, 0]


def test_without_interval_no_series(api: httpx.Client, march: str) -> None:
    body = stats(api, march).json()
    assert "series" not in body
    assert body["sla"]["missed"] == 1


@pytest.mark.parametrize(
    ("params", "named"),
    [
        (
            {"interval": "month", "from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"},
            "interval",
        ),
        ({"interval": "day", "to": "2026-04-01T00:00:00Z"}, "from"),
        ({"interval": "day", "from": "2026-03-01T00:00:00Z"}, "to"),
        ({"interval": "day", "from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from"),
        ({"interval": "day", "from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ({"interval": "day", "from": "0.5", "to": "2026-01-01T00:00:00Z"}, "from"),
    ],
)
def test_bad_series_requests_are_400(api: httpx.Client, params: dict[str, str], named: str) -> None:
    response = stats(api, new_merchant(), **params)
    assert response.status_code == 400, response.text
    assert named in response.text
