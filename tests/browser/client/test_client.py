"""SPEC §10 in Chromium: ``/v1/client.js`` against real intake and notifier processes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import BrowserContext, expect
from websockets.sync.client import connect

from tests.browser.client.dashboard import Dashboard, staff_token
from tests.notifier.conftest import make_event, notifier_env, publish
from tests.support import ServiceProcess, submit


def test_events_submitted_through_intake_arrive(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    ids = [submit(intake, page.merchant) for _ in range(3)]
    events = page.wait_events(3)
    assert [e["data"]["id"] for e in events] == ids
    assert {e["topic"] for e in events} == {"observation/outreach/inquiry/submitted"}
    assert page.offset() == events[-1]["offset"]
    assert page.seen()["version"] != "0.0.0-dev"  # the served copy carries the server's version
    refused = page.page.evaluate(
        """() => new Promise((resolve) =>
            window.client.subscribe("inquiries:someone-else", { onError: resolve }))"""
    )
    assert refused["code"] == "forbidden"
    assert refused["room"] == "inquiries:someone-else"


def test_the_readme_dashboard_example_lists_new_inquiries(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    merchant = f"m-{uuid.uuid4().hex[:8]}"
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept(staff_token(merchant)))
    frames: list[str] = []  # the page's WebSocket frames: the example shows no subscription
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(str(data))))
    page.goto(f"{base_url}/example?notifier=127.0.0.1:{notifier.port}&merchant={merchant}")
    expect(page.locator("#state")).to_have_text("connected")
    deadline = time.monotonic() + 10
    while not any('"op":"subscribed"' in frame for frame in frames):
        assert time.monotonic() < deadline, f"the example never subscribed: {frames}"
        page.wait_for_timeout(50)  # Playwright delivers the frame events while it waits
    submit(intake, merchant)
    items = page.locator("#inquiries li")
    expect(items).to_have_text(["submitted: Ann Nguyen (Pricing for 3 stores)"])


def test_an_event_published_twice_is_delivered_once(
    context: BrowserContext,
    base_url: str,
    notifier: ServiceProcess,
    redis_client: redis.Redis,
    stream_key: str,
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    event = make_event(page.merchant)
    publish(redis_client, stream_key, event)
    publish(redis_client, stream_key, event)  # at-least-once: the same event appended again
    other = publish(redis_client, stream_key, make_event(page.merchant))
    events = page.wait_events(2)
    assert [e["event_id"] for e in events] == [str(event.event_id), events[1]["event_id"]]
    assert events[1]["offset"] == other
    assert page.offset() == other


def test_a_reloaded_page_resumes_from_the_offset_it_kept(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    submit(intake, page.merchant)
    page.wait_events(1)
    offset, epoch = page.offset(), page.epoch()
    assert epoch
    page.page.close()
    missed = [submit(intake, page.merchant) for _ in range(2)]

    again = Dashboard(context.new_page(), base_url, notifier, page.merchant)
    again.start(since=offset, epoch=epoch)
    events = again.wait_events(2)
    assert [e["data"]["id"] for e in events] == missed
    time.sleep(0.5)
    assert len(again.seen()["events"]) == 2
    assert again.seen()["resets"] == 0


def test_short_lived_tokens_are_renewed_without_a_disconnect(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start(ttl=3)
    page.wait_subscribed()
    ids = []
    for _ in range(5):  # 10 s: the 3 s token is replaced several times
        ids.append(submit(intake, page.merchant))
        time.sleep(2)
    events = page.wait_events(5)
    seen = page.seen()
    assert [e["data"]["id"] for e in events] == ids
    assert [s["state"] for s in seen["states"]] == ["connecting", "connected"]
    assert seen["tokens"] >= 5  # one to connect, then a renewal every 1-2 s


def test_a_renewed_token_without_the_room_permission_ends_that_subscription(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start(ttl=3)
    page.wait_subscribed()
    # From now on getToken returns tokens of the same user without inquiry.find.
    page.page.evaluate("() => { window.dashboard.tokenQuery += '&perms=inquiry.count'; }")
    page.wait("d.errors.length === 1", timeout=10)
    (error,) = page.seen()["errors"]
    assert (error["code"], error["room"]) == ("forbidden", f"inquiries:{page.merchant}")
    submit(intake, page.merchant)
    time.sleep(3)  # more renewals pass; the room is not asked for again, nothing is delivered
    seen = page.seen()
    assert seen["events"] == []
    assert [s["state"] for s in seen["states"]] == ["connecting", "connected"]


def test_a_refused_token_ends_in_closed_unauthorized(
    context: BrowserContext, base_url: str, notifier: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start(refuse=True)
    page.wait("d.states.some((s) => s.state === 'closed')")
    time.sleep(2)  # and it stays closed: no further attempts
    seen = page.seen()
    last = seen["states"][-1]
    assert (last["state"], last["code"], last["reason"]) == ("closed", 4001, "unauthorized")
    assert [s["state"] for s in seen["states"]].count("closed") == 1
    assert seen["tokens"] == 2  # the first token, then exactly one more


@pytest.fixture
def one_socket_per_user(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A notifier that lets each user hold a single socket."""
    env = notifier_env(base_env, NOTIFIER_MAX_CONNECTIONS_PER_USER="1")
    service = ServiceProcess("notifier", env).start()
    yield service
    service.stop()


def test_over_the_per_user_cap_it_backs_off_politely(
    context: BrowserContext, base_url: str, one_socket_per_user: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, one_socket_per_user)
    ws_url = one_socket_per_user.url.replace("http", "ws") + "/v1/ws"
    with connect(ws_url) as other_tab:  # the same user's socket takes the only place
        other_tab.send(json.dumps({"op": "auth", "token": staff_token(page.merchant)}))
        assert json.loads(other_tab.recv(timeout=10)) == {"op": "ready"}
        page.start()
        page.wait("d.states.some((s) => s.code === 4029)")
        time.sleep(8)
    page.wait_connected(timeout=30)  # the place is free again
    states = page.seen()["states"]
    attempts = [s["at"] for s in states if s["state"] == "connecting"]
    refused = [s["at"] for s in states if s["code"] == 4029]
    assert 1 <= len(refused) <= 2, states  # 8 s held: at most one retry, never a hammering
    for at in refused:  # every retry waited 5 s at least
        assert all(later - at >= 5000 for later in attempts if later > at), states
