"""Hostile parameters and bodies on the backoffice: a 400 or 413 naming the problem, never a 500,
and nothing written."""

from __future__ import annotations

import httpx
import pytest

from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import Database


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=%00", "q"),
        ("assignee_id=%00", "assignee_id"),
        ("q=bell%07", "q"),
        ("created_before=0.5", "created_before"),
        ("created_after=1700000000", "created_after"),
        ("cursor=%00", "cursor"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(
    api: httpx.Client, query: str, field: str
) -> None:
    for path in ("/v1/inquiries", "/v1/inquiries/count"):
        if field == "cursor" and path.endswith("count"):
            continue
        response = api.get(f"{path}?{query}", headers=auth())
        assert response.status_code == 400, response.text
        assert field in [e["field"] for e in response.json()["errors"]]
        assert field in response.json()["detail"]


@pytest.mark.parametrize("query", ["from=0.5", "to=0.5", "to=tomorrow"])
def test_stats_dates_are_rfc3339_only(api: httpx.Client, query: str) -> None:
    response = api.get(f"/v1/inquiries/stats?{query}", headers=auth())
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == query.split("=")[0]
    good = api.get("/v1/inquiries/stats?from=2026-01-01T00:00:00Z", headers=auth())
    assert good.status_code == 200


DEEP = "[" * 25_000 + "]" * 25_000  # 50 KB: under the body limit


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("POST", "", DEEP),
        ("POST", "", '{"name": ' + DEEP + "}"),
        ("PATCH", "/{id}", '{"subject": ' + DEEP + "}"),
        ("POST", "/{id}/assign", '{"assignee_id": ' + DEEP + "}"),
        ("POST", "/{id}/reply", '{"message": ' + DEEP + "}"),
        ("POST", "/{id}/convert", '{"note": ' + DEEP + "}"),
        ("POST", "/{id}/lose", '{"reason": "other", "note": ' + DEEP + "}"),
    ],
)
def test_deeply_nested_json_is_400(
    api: httpx.Client, db: Database, method: str, route: str, body: str
) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    before = db.value("SELECT count(*) FROM inquiry_events WHERE merchant_id = %s", merchant)
    response = api.request(
        method,
        "/v1/inquiries" + route.format(id=inquiry),
        content=body,
        headers={**auth("u1", merchant), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text[:300]
    after = db.value("SELECT count(*) FROM inquiry_events WHERE merchant_id = %s", merchant)
    assert after == before


def test_a_body_over_64_kib_is_413(api: httpx.Client, db: Database) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    huge = {"name": "Ann", "message": "x" * 70_000}
    created = api.post("/v1/inquiries", json=huge, headers=auth("u1", merchant))
    assert created.status_code == 413, created.text
    patched = api.patch(f"/v1/inquiries/{inquiry}", json=huge, headers=auth("u1", merchant))
    assert patched.status_code == 413, patched.text
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = %s", merchant) == 1
