"""The OpenAPI document states the lead-operations endpoints and their types and limits."""

from __future__ import annotations

from typing import Any

import httpx


def _parameters(operation: dict[str, Any]) -> dict[str, Any]:
    return {p["name"]: p for p in operation.get("parameters", [])}


def test_settings_export_filters_and_interval_are_typed(api: httpx.Client) -> None:
    paths = api.get("/schema/openapi.json").json()["paths"]
    put = paths["/v1/settings"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    target = body["properties"]["first_response_target_seconds"]
    assert (target["type"], target["minimum"], target["maximum"]) == ("integer", 60, 604800)
    assert body["required"] == ["first_response_target_seconds"]
    assert "get" in paths["/v1/settings"]
    export = paths["/v1/inquiries/export"]["get"]
    assert "text/csv" in export["responses"]["200"]["content"]
    for listing in (paths["/v1/inquiries"]["get"], paths["/v1/inquiries/count"]["get"], export):
        assert {"overdue", "duplicate_of", "status", "q"} <= set(_parameters(listing))
    interval = _parameters(paths["/v1/inquiries/stats"]["get"])["interval"]
    assert "week" in str(interval["schema"])
    assert "month" not in str(interval["schema"])
