"""Lifecycle rules: invalid transitions, claiming, and 20 staff racing for one lead."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shared.errors import Conflict
from shared.inquiries import lifecycle
from tests.backoffice.conftest import auth, create, new_merchant
from tests.support import Database, ServiceProcess


def test_state_machine_table() -> None:
    assert lifecycle.allowed_actions("NEW") == ["assign", "lose"]
    assert lifecycle.allowed_actions("REPLIED") == ["assign", "reply", "convert", "lose"]
    assert lifecycle.allowed_actions("LOST") == []
    assert lifecycle.next_status("REPLIED", "assign") == "REPLIED"
    with pytest.raises(Conflict, match="allowed actions: assign, lose"):
        lifecycle.next_status("NEW", "reply")


def _act(api: httpx.Client, merchant: str, inquiry_id: str, action: str) -> httpx.Response:
    bodies = {"assign": {}, "reply": {"message": "hi"}, "convert": {}, "lose": {"reason": "other"}}
    return api.post(
        f"/v1/inquiries/{inquiry_id}/{action}", json=bodies[action], headers=auth("u1", merchant)
    )


def test_invalid_transitions_are_409_naming_allowed_actions(
    api: httpx.Client, db: Database
) -> None:
    merchant = new_merchant()
    fresh = create(api, merchant)["id"]
    for action in ("reply", "convert"):
        response = _act(api, merchant, fresh, action)
        assert response.status_code == 409, response.text
        assert "allowed actions: assign, lose" in response.json()["detail"]
    assert db.value("SELECT status FROM inquiries WHERE id = %s", fresh) == "NEW"

    lost = create(api, merchant)["id"]
    assert _act(api, merchant, lost, "lose").status_code == 200
    converted = create(api, merchant)["id"]
    assert _act(api, merchant, converted, "assign").status_code == 200
    assert _act(api, merchant, converted, "convert").status_code == 200
    for terminal in (lost, converted):
        for action in ("assign", "reply", "convert", "lose"):
            response = _act(api, merchant, terminal, action)
            assert response.status_code == 409, (action, response.text)
            assert "allowed actions: none" in response.json()["detail"]
    assert _act(api, merchant, lost, "convert").json()["detail"].startswith("cannot convert")
    events = db.value("SELECT count(*) FROM inquiry_events WHERE inquiry_id = %s", lost)
    assert events == 2  # created, lost: no rejected action left a trace


def test_assign_rules(api: httpx.Client) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]
    url = f"/v1/inquiries/{inquiry}/assign"
    first = api.post(url, json={"assignee_id": "ann"}, headers=auth("boss", merchant))
    assert (first.json()["assignee_id"], first.json()["assigned_by"]) == ("ann", "boss")
    same = api.post(url, headers=auth("ann", merchant))
    assert same.status_code == 200
    assert same.json()["version"] == first.json()["version"]  # a no-op
    taken = api.post(url, json={}, headers=auth("bob", merchant))
    assert taken.status_code == 409
    assert "ann" in taken.json()["detail"]
    reply = api.post(
        f"/v1/inquiries/{inquiry}/reply", json={"message": "x"}, headers=auth("bob", merchant)
    )
    assert reply.status_code == 200  # anyone with inquiry.update may reply
    moved = api.post(url, json={"reassign": True}, headers=auth("bob", merchant))
    assert moved.status_code == 200
    assert (moved.json()["assignee_id"], moved.json()["status"]) == ("bob", "REPLIED")
    trail = api.get(f"/v1/inquiries/{inquiry}/events", headers=auth("bob", merchant)).json()
    assert [e["action"] for e in trail] == ["created", "assigned", "replied", "assigned"]
    assert trail[-1]["data"] == {"assignee_id": "bob", "previous_assignee_id": "ann"}


def test_twenty_concurrent_claims_one_winner(
    api: httpx.Client, backoffice: ServiceProcess, db: Database
) -> None:
    merchant = new_merchant()
    inquiry = create(api, merchant)["id"]

    async def claim_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=backoffice.url, timeout=30) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        f"/v1/inquiries/{inquiry}/assign", headers=auth(f"rep-{n}", merchant)
                    )
                    for n in range(20)
                )
            )

    responses = asyncio.run(claim_all())
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19, [
        r.text for r in responses if r.status_code not in (200, 409)
    ]
    winner = next(r for r in responses if r.status_code == 200).json()["assignee_id"]
    assert all(winner in r.json()["detail"] for r in responses if r.status_code == 409)
    row = db.rows("SELECT assignee_id, version FROM inquiries WHERE id = %s", inquiry)[0]
    assert row == {"assignee_id": winner, "version": 2}
    assigned = db.value(
        "SELECT count(*) FROM inquiry_events WHERE inquiry_id = %s AND action = 'assigned'", inquiry
    )
    assert assigned == 1
