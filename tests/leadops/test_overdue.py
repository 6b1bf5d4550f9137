"""The overdue event: once per inquiry, within 5 s of its deadline, whichever instance sends it.

Deadlines are put seconds ahead by writing rows directly (``insert_inquiry``) or by moving an
API-created inquiry back in time (``backdate``), so nothing waits the 60 s minimum target.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from shared.events import OverdueData
from tests.backoffice.conftest import auth, create, new_merchant
from tests.leadops.conftest import backdate, insert_inquiry
from tests.notifier.conftest import Client, notifier_env, token
from tests.support import Database, ServiceProcess, stream_entries

OVERDUE = "observation/outreach/inquiry/overdue"
DATA_FIELDS = {f for f in OverdueData.__struct_fields__}


async def overdue_events(
    client: Client, seconds: float, until: int | None = None
) -> list[tuple[float, dict[str, Any]]]:
    """The overdue events the socket receives within ``seconds`` (or until ``until`` of them),
    each with its arrival time."""
    found: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and len(found) != until:
        try:
            message = await client.recv(left)
        except TimeoutError:
            break
        if message["op"] == "event" and message["topic"] == OVERDUE:
            found.append((time.time(), message))
    return found


def _late_by(arrived: float, message: dict[str, Any]) -> float:
    return arrived - datetime.fromisoformat(message["data"]["due_at"]).timestamp()


async def test_two_instances_race_one_is_killed_and_each_inquiry_is_announced_once(
    own_env: dict[str, str], own_db: Database, redis_client: Any
) -> None:
    merchant = new_merchant()
    notifier = ServiceProcess("notifier", notifier_env(own_env)).start()
    first = ServiceProcess("backoffice", own_env).start()
    second = ServiceProcess("backoffice", own_env).start()
    client = await Client.open(notifier.port, token(merchant))
    try:
        await client.subscribe(f"inquiries:{merchant}")
        # Due one after another over ~6 s, so the kill falls in the middle of them.
        due = [insert_inquiry(own_db, merchant, due_in=1.0 + 0.15 * i) for i in range(40)]
        never = [
            insert_inquiry(own_db, merchant, status="REPLIED"),
            insert_inquiry(own_db, merchant, status="LOST"),
            insert_inquiry(own_db, merchant, is_spam=True),
            insert_inquiry(own_db, merchant, deleted_at=datetime.now().astimezone()),
            insert_inquiry(own_db, merchant, due_in=3600),
        ]
        received = await overdue_events(client, 3.5)
        first.stop(kill=True)  # SIGKILL, mid-way through the deadlines
        received += await overdue_events(client, 9, until=len(due) - len(received))
        # A fresh instance finds nothing left to announce.
        restarted = ServiceProcess("backoffice", own_env).start()
        received += await overdue_events(client, 2.5)
        restarted.stop()
    finally:
        await client.close()
        second.stop()
        first.stop()
        notifier.stop()

    # One event per inquiry. A relay killed between its XADD and its commit sends its batch
    # again (SPEC §7: at least once, same event_id), so count events, as clients do, by id.
    events = {m["event_id"]: m for _, m in received}
    per_inquiry = Counter(uuid.UUID(m["data"]["id"]) for m in events.values())
    assert per_inquiry == Counter(due), "every due inquiry exactly once, nothing else"
    assert not set(per_inquiry) & set(never)
    for arrived, message in received:
        assert set(message["data"]) == DATA_FIELDS
        assert message["data"]["status"] == "NEW"
        assert message["data"]["merchant_id"] == merchant
        assert -0.5 < _late_by(arrived, message) <= 5, message
    # The stream too holds one overdue entry per inquiry (no duplicate for a de-duplicator).
    stream = {
        fields[b"event_id"]: fields[b"inquiry_id"].decode()
        for _, fields in stream_entries(redis_client, own_env["STREAM_KEY"])
        if fields[b"topic"].decode() == OVERDUE
    }
    assert Counter(stream.values()) == Counter(str(i) for i in due)
    assert own_db.value("SELECT count(*) FROM outbox") == 0
    assert (
        own_db.value("SELECT count(*) FROM inquiries WHERE overdue_notified_at IS NOT NULL") == 40
    )
    assert "overdue announced" in second.log.read_text()


async def _watch(port: int, merchant: str, db: Database, rows: list[dict[str, Any]]) -> Any:
    client = await Client.open(port, token(merchant))
    try:
        await client.subscribe(f"inquiries:{merchant}")
        for row in rows:
            backdate(db, row["id"], 58)  # due in about 2 s
        return await overdue_events(client, 9)
    finally:
        await client.close()


def test_assigned_and_new_are_announced_replied_and_deleted_are_not(
    api: httpx.Client, notifier: ServiceProcess, db: Database
) -> None:
    merchant = new_merchant()
    headers = auth("u1", merchant)
    api.put("/v1/settings", json={"first_response_target_seconds": 60}, headers=headers)
    new, assigned, replied, deleted = (create(api, merchant) for _ in range(4))
    for row in (assigned, replied):
        api.post(f"/v1/inquiries/{row['id']}/assign", json={"assignee_id": "u2"}, headers=headers)
    reply = api.post(
        f"/v1/inquiries/{replied['id']}/reply", json={"message": "Hi"}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    assert api.delete(f"/v1/inquiries/{deleted['id']}", headers=headers).status_code == 204
    received = asyncio.run(_watch(notifier.port, merchant, db, [new, assigned, replied, deleted]))

    by_id = {m["data"]["id"]: m for _, m in received}
    assert sorted(by_id) == sorted([new["id"], assigned["id"]])
    assert len(received) == 2
    assert by_id[assigned["id"]]["data"]["assignee_id"] == "u2"
    assert by_id[assigned["id"]]["data"]["status"] == "ASSIGNED"
    assert by_id[new["id"]]["data"]["assignee_id"] is None
    for arrived, message in received:
        assert _late_by(arrived, message) <= 5
    trail = api.get(f"/v1/inquiries/{new['id']}/events", headers=headers).json()
    assert [e["action"] for e in trail] == ["created", "overdue"]

    for row, overdue in ((new, True), (assigned, True), (replied, False)):
        got = api.get(f"/v1/inquiries/{row['id']}", headers=headers).json()
        assert got["overdue"] is overdue
    listed = api.get("/v1/inquiries", params={"overdue": "true"}, headers=headers).json()
    assert sorted(i["id"] for i in listed["items"]) == sorted([new["id"], assigned["id"]])
    not_overdue = api.get("/v1/inquiries", params={"overdue": "false"}, headers=headers).json()
    assert [i["id"] for i in not_overdue["items"]] == [replied["id"]]
    count = api.get("/v1/inquiries/count", params={"overdue": "true"}, headers=headers).json()
    assert count == {"count": 2}
    stats = api.get("/v1/inquiries/stats", headers=headers).json()
    assert stats["sla"] == {"met": 1, "missed": 0, "open_overdue": 2}
    assert api.get("/v1/inquiries", params={"overdue": "maybe"}, headers=headers).status_code == 400


def test_a_reply_after_the_deadline_counts_as_missed(api: httpx.Client, db: Database) -> None:
    merchant = new_merchant()
    headers = auth("u1", merchant)
    late, lost = create(api, merchant), create(api, merchant)
    backdate(db, late["id"], 7200)
    backdate(db, lost["id"], 7200)
    api.post(f"/v1/inquiries/{late['id']}/assign", headers=headers)
    api.post(f"/v1/inquiries/{late['id']}/reply", json={"message": "Sorry"}, headers=headers)
    api.post(f"/v1/inquiries/{lost['id']}/lose", json={"reason": "spam"}, headers=headers)
    stats = api.get("/v1/inquiries/stats", headers=headers).json()
    # A lost inquiry that was never replied counts in none.
    assert stats["sla"] == {"met": 0, "missed": 1, "open_overdue": 0}
