"""Listing, filters, count, stats and keyset pagination."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import ServiceProcess, inquiry_body


def _create_many(api: httpx.Client, merchant: str, n: int) -> list[str]:
    def one(i: int) -> str:
        return str(create(api, merchant, subject=f"Lead {i}")["id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def _walk(api: httpx.Client, merchant: str, sort: str, during: Any = None) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, "sort": sort}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/inquiries", params=params, headers=auth("u1", merchant)).json()
        assert len(page["items"]) <= 100
        seen += [item["id"] for item in page["items"]]
        if during is not None:
            during()
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_pagination_walks_250_without_gap_or_duplicate_while_new_arrive(api: httpx.Client) -> None:
    merchant = new_merchant()
    original = _create_many(api, merchant, 250)
    extra: list[str] = []

    def arrive() -> None:
        extra.append(create(api, merchant)["id"])

    seen = _walk(api, merchant, "-created_at", during=arrive)
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == set(original)
    rows = api.get("/v1/inquiries?limit=100", headers=auth("u1", merchant)).json()["items"]
    stamps = [r["created_at"] for r in rows]
    assert stamps == sorted(stamps, reverse=True)

    oldest_first = _walk(api, merchant, "created_at", during=arrive)
    assert len(oldest_first) == len(set(oldest_first))
    assert oldest_first[:250] == list(reversed(seen))  # old ones in order, new ones after
    count = api.get("/v1/inquiries/count", headers=auth("u1", merchant)).json()["count"]
    assert count == 250 + len(extra)
    assert set(oldest_first) <= set(original) | set(extra)


def test_filters_and_count(api: httpx.Client, intake: ServiceProcess) -> None:
    merchant = new_merchant()
    h = auth("u1", merchant)
    demo = create(api, merchant, type="demo", name="Zed Q", business_name="Zeta 100% Ltd")["id"]
    create(api, merchant, type="sales", email="other@corp.example", subject="Hello")
    api.post(f"/v1/inquiries/{demo}/assign", json={"assignee_id": "ann"}, headers=h)
    spam = httpx.post(
        f"{intake.url}/v1/inquiries",
        json=inquiry_body(_gotcha="bot", subject="spammy"),
        headers={"x-merchant-id": merchant},
    ).json()["id"]

    def ids(query: str) -> set[str]:
        response = api.get(f"/v1/inquiries{query}", headers=h)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        total = api.get(f"/v1/inquiries/count{query}", headers=h).json()["count"]
        assert total == len(items)
        return {i["id"] for i in items}

    assert len(ids("")) == 2
    assert spam not in ids("")
    assert spam in ids("?include_spam=true")
    assert ids("?type=demo") == {demo}
    assert ids("?status=ASSIGNED") == {demo}
    assert ids("?assignee_id=ann") == {demo}
    assert ids("?q=zeta%20100%25") == {demo}  # business name, % taken literally
    assert ids("?q=ZED") == {demo}  # name, case-insensitive
    assert len(ids("?q=corp.example")) == 1  # email
    assert ids("?q=100%25%25") == set()
    assert ids("?created_after=2999-01-01T00:00:00Z") == set()
    assert len(ids("?created_before=2999-01-01T00:00:00Z")) == 2


def test_stats_in_sql(api: httpx.Client) -> None:
    merchant = new_merchant()
    h = auth("u1", merchant)
    empty = api.get("/v1/inquiries/stats", headers=h).json()
    assert empty["conversion_rate"] is None
    assert empty["first_reply_seconds"] == {"median": None, "p90": None}
    ids = [create(api, merchant)["id"] for _ in range(4)]
    for inquiry in ids[:3]:
        api.post(f"/v1/inquiries/{inquiry}/assign", headers=h)
        api.post(f"/v1/inquiries/{inquiry}/reply", json={"message": "hi"}, headers=h)
    api.post(f"/v1/inquiries/{ids[0]}/convert", headers=h)
    api.post(f"/v1/inquiries/{ids[1]}/lose", json={"reason": "competitor"}, headers=h)
    api.post(f"/v1/inquiries/{ids[2]}/lose", json={"reason": "no_response"}, headers=h)
    stats = api.get("/v1/inquiries/stats", headers=h).json()
    assert stats["counts"] == {"NEW": 1, "ASSIGNED": 0, "REPLIED": 0, "CONVERTED": 1, "LOST": 2}
    assert abs(stats["conversion_rate"] - 1 / 3) < 1e-9
    median, p90 = stats["first_reply_seconds"]["median"], stats["first_reply_seconds"]["p90"]
    assert 0 < median <= p90 < 60
    future = api.get(
        "/v1/inquiries/stats", params={"from": "2999-01-01T00:00:00Z"}, headers=h
    ).json()
    assert sum(future["counts"].values()) == 0
    bad = api.get("/v1/inquiries/stats", params={"from": "yesterday"}, headers=h)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "from"
