"""Events reach subscribers of both rooms with the SPEC §7 payload; the basic protocol."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec

from services.notifier.schemas import id_key
from shared.events import Topic
from tests.notifier.conftest import Client, make_event, merchant, token
from tests.support import ServiceProcess, inquiry_body


async def test_event_through_intake_reaches_both_rooms(
    notifier: ServiceProcess, intake: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    collection = await Client.open(notifier.port, token(m))
    first = await collection.subscribe(f"inquiries:{m}")
    assert first["offset"]
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{intake.url}/v1/inquiries", json=inquiry_body(), headers={"x-merchant-id": m}
        )
    assert response.status_code in (200, 201, 202), response.text
    (event,) = await collection.events(1)
    inquiry_id = event["data"]["id"]
    assert event["room"] == f"inquiries:{m}"
    assert event["topic"] == Topic.SUBMITTED
    assert uuid.UUID(event["event_id"])
    assert id_key(event["offset"]) > id_key(first["offset"])
    data = event["data"]
    for field in ("id", "merchant_id", "type", "name", "email", "business_name", "subject"):
        assert field in data, field
    assert data["merchant_id"] == m
    assert data["name"] == "Ann Nguyen"

    # The single-inquiry room gets that inquiry's later (lifecycle) events.
    single = await Client.open(notifier.port, token(m))
    await single.subscribe(f"inquiries:{m}:{inquiry_id}")
    assigned = make_event(m, uuid.UUID(inquiry_id), status="ASSIGNED")
    publisher(msgspec.structs.replace(assigned, topic=Topic.ASSIGNED))
    (later,) = await single.events(1)
    assert later["topic"] == Topic.ASSIGNED
    assert later["room"] == f"inquiries:{m}:{inquiry_id}"
    assert (await collection.events(1))[0]["event_id"] == later["event_id"]
    await collection.close()
    await single.close()


async def test_shared_publisher_event_reaches_both_rooms(
    notifier: ServiceProcess, publisher: Any
) -> None:
    m = merchant()
    inquiry = uuid.uuid4()
    a = await Client.open(notifier.port, token(m))
    b = await Client.open(notifier.port, token(m))
    await a.subscribe(f"inquiries:{m}")
    await b.subscribe(f"inquiries:{m}:{inquiry}")
    publisher(make_event(m))  # another inquiry: only the collection room
    event = make_event(m, inquiry, subject="hi")
    offset = publisher(event)
    got_a = await a.events(2)
    (got_b,) = await b.events(1)
    assert got_a[1] == {
        "op": "event",
        "room": f"inquiries:{m}",
        "offset": offset,
        "topic": event.topic,
        "event_id": str(event.event_id),
        "data": {**event.data},
    }
    assert got_b["room"] == f"inquiries:{m}:{inquiry}"
    assert got_b["event_id"] == str(event.event_id)
    assert got_b["offset"] == offset
    await a.close()
    await b.close()


async def test_ping_unsubscribe_and_bad_requests(notifier: ServiceProcess, publisher: Any) -> None:
    m = merchant()
    c = await Client.open(notifier.port, token(m))
    await c.send({"op": "ping"})
    assert await c.recv() == {"op": "pong"}
    await c.ws.send("not json")
    assert (await c.recv())["code"] == "bad_request"
    await c.send({"op": "dance"})
    assert (await c.recv())["code"] == "bad_request"
    await c.send({"op": "subscribe"})
    assert (await c.recv())["code"] == "bad_request"
    await c.send({"op": "subscribe", "room": "orders:x"})
    assert (await c.recv()) == {
        "op": "error",
        "code": "bad_request",
        "room": "orders:x",
        "detail": "room must be inquiries:{merchant} or inquiries:{merchant}:{inquiry_id}",
    }
    await c.send({"op": "subscribe", "room": f"inquiries:{m}", "since": "yesterday"})
    assert (await c.recv())["code"] == "bad_request"
    await c.subscribe(f"inquiries:{m}")
    await c.send({"op": "unsubscribe", "room": f"inquiries:{m}"})
    assert await c.recv() == {"op": "unsubscribed", "room": f"inquiries:{m}"}
    publisher(make_event(m))
    await c.send({"op": "ping"})
    assert await c.recv() == {"op": "pong"}  # no event in between: unsubscribed
    await c.close()


def test_health_and_metrics(notifier: ServiceProcess) -> None:
    assert httpx.get(f"{notifier.url}/health/live").status_code == 200
    ready = httpx.get(f"{notifier.url}/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"redis": "ok", "stream_reader": "ok"}
    text = httpx.get(f"{notifier.url}/metrics").text
    for name in (
        "notifier_connections",
        "notifier_subscriptions",
        "notifier_events_delivered_total",
        "notifier_slow_client_closes_total",
        "notifier_reader_lag_seconds",
    ):
        assert name in text, name
