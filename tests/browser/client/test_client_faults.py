"""SPEC §10 in Chromium under faults: notifier killed, stopped, frozen; Redis emptied."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import redis
from playwright.sync_api import BrowserContext

from shared.embedded import RedisServer
from tests.browser.client.dashboard import Dashboard
from tests.support import ServiceProcess, stream_entries, submit


def stream_event_ids(client: redis.Redis, key: str, merchant_id: str) -> list[str]:
    """The merchant's event ids in stream order: what the page must have seen, exactly."""
    return [
        fields[b"event_id"].decode()
        for _, fields in stream_entries(client, key)
        if fields[b"merchant_id"].decode() == merchant_id
    ]


def test_notifier_killed_and_restarted_while_events_are_submitted(
    context: BrowserContext,
    base_url: str,
    notifier: ServiceProcess,
    intake: ServiceProcess,
    redis_client: redis.Redis,
    stream_key: str,
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    submitted: list[str] = []

    def keep_submitting() -> None:
        for _ in range(16):
            submitted.append(submit(intake, page.merchant))
            time.sleep(0.2)

    writer = threading.Thread(target=keep_submitting)
    writer.start()
    time.sleep(1)
    notifier.stop(kill=True)  # SIGKILL: no close frame, the page sees the TCP connection die
    page.wait("d.states.some((s) => s.state === 'disconnected')")
    time.sleep(1)
    notifier.start()
    writer.join()

    events = page.wait_events(16, timeout=45)
    time.sleep(1)  # anything repeated would arrive now
    seen = page.seen()
    assert [e["event_id"] for e in seen["events"]] == stream_event_ids(
        redis_client, stream_key, page.merchant
    )
    assert [e["data"]["id"] for e in events] == submitted  # each once, in submission order
    assert seen["resets"] == 0
    states = [s["state"] for s in seen["states"]]
    assert states.count("connected") >= 2, states
    assert page.offset() == events[-1]["offset"]


def test_graceful_restart_1001_reconnects_and_resumes(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    first = submit(intake, page.merchant)
    page.wait_events(1)
    notifier.stop()  # SIGTERM: the notifier closes every socket with 1001
    during = submit(intake, page.merchant)
    notifier.start()
    page.wait_connected(times=2, timeout=30)
    events = page.wait_events(2)
    assert [e["data"]["id"] for e in events] == [first, during]
    codes = [s["code"] for s in page.seen()["states"] if s["state"] == "disconnected"]
    assert codes[0] == 1001, codes


def test_a_frozen_notifier_is_detected_within_30_seconds(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = Dashboard.open(context, base_url, notifier).start()
    page.wait_subscribed()
    assert notifier.process is not None
    pid = notifier.process.pid
    os.kill(pid, signal.SIGSTOP)  # the TCP connection stays up; nothing answers on it
    try:
        frozen = time.monotonic()
        during = submit(intake, page.merchant)
        page.wait("d.states.some((s) => s.state === 'disconnected')", timeout=35)
        assert time.monotonic() - frozen < 30
    finally:
        os.kill(pid, signal.SIGCONT)
    page.wait_connected(times=2, timeout=60)
    (event,) = page.wait_events(1)
    assert event["data"]["id"] == during
    time.sleep(1)
    assert len(page.seen()["events"]) == 1


@pytest.fixture
def watching(
    context: BrowserContext, base_url: str, isolated: tuple[ServiceProcess, ServiceProcess]
) -> tuple[Dashboard, str]:
    """A dashboard on the isolated services, connected, that has received one inquiry (its id)."""
    own_intake, own_notifier = isolated
    page = Dashboard.open(context, base_url, own_notifier).start()
    page.wait_subscribed()
    first = submit(own_intake, page.merchant)
    page.wait_events(1)
    return page, first


def test_redis_emptied_while_the_notifier_was_down_calls_on_reset(
    own_redis: RedisServer,
    isolated: tuple[ServiceProcess, ServiceProcess],
    watching: tuple[Dashboard, str],
) -> None:
    (own_intake, own_notifier), (page, first) = isolated, watching
    own_notifier.stop(kill=True)
    redis.Redis.from_url(own_redis.url).flushall()
    lost = submit(own_intake, page.merchant)  # in the new stream: continuity is not provable
    own_notifier.start()
    page.wait("d.resets === 1", timeout=45)
    after = submit(own_intake, page.merchant)
    events = page.wait_events(2)
    assert [e["data"]["id"] for e in events] == [first, after]
    assert lost not in [e["data"]["id"] for e in events]  # the reload shows it, not a replay
    assert page.seen()["resets"] == 1


def test_redis_restarted_empty_under_a_live_notifier_calls_on_reset(
    own_redis: RedisServer,
    isolated: tuple[ServiceProcess, ServiceProcess],
    watching: tuple[Dashboard, str],
) -> None:
    (own_intake, _), (page, first) = isolated, watching
    own_redis.stop()  # no persistence: it comes back empty, a new incarnation of the stream
    time.sleep(1)
    own_redis.start()
    page.wait("d.resets === 1", timeout=45)  # the notifier closed 1012; the resume was refused
    codes = [s["code"] for s in page.seen()["states"] if s["state"] == "disconnected"]
    assert 1012 in codes, codes
    after = submit(own_intake, page.merchant)
    events = page.wait_events(2)
    assert [e["data"]["id"] for e in events] == [first, after]
