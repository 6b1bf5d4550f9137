"""SPEC §10 in Chromium: ``/v1/client.js`` against real intake and notifier processes."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import BrowserContext

from shared.embedded import RedisServer
from tests.browser.dashboard import Dashboard, page_server, submit
from tests.notifier.conftest import merchant, notifier_env
from tests.support import ServiceProcess, stream_entries


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The dashboard page's origin."""
    with page_server() as url:
        yield url


@pytest.fixture
def notifier(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A notifier of this test alone (tests kill it)."""
    service = ServiceProcess("notifier", notifier_env(base_env)).start()
    yield service
    service.stop()


def dashboard(context: BrowserContext, base_url: str, notifier: ServiceProcess) -> Dashboard:
    """A new page for a merchant nobody else uses."""
    return Dashboard(context.new_page(), base_url, notifier, merchant())


def stream_event_ids(client: redis.Redis, key: str, merchant_id: str) -> list[str]:
    """The merchant's event ids in stream order: what the page must have seen, exactly."""
    return [
        fields[b"event_id"].decode()
        for _, fields in stream_entries(client, key)
        if fields[b"merchant_id"].decode() == merchant_id
    ]


def test_events_submitted_through_intake_arrive(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = dashboard(context, base_url, notifier).start()
    page.wait_connected()
    ids = [submit(intake, page.merchant) for _ in range(3)]
    events = page.wait_events(3)
    assert [e["data"]["id"] for e in events] == ids
    assert {e["topic"] for e in events} == {"observation/outreach/inquiry/submitted"}
    assert page.offset() == events[-1]["offset"]
    assert page.seen()["version"] != "0.0.0-dev"  # the served copy carries the server's version


def test_notifier_killed_and_restarted_while_events_are_submitted(
    context: BrowserContext,
    base_url: str,
    notifier: ServiceProcess,
    intake: ServiceProcess,
    redis_client: redis.Redis,
    stream_key: str,
) -> None:
    page = dashboard(context, base_url, notifier).start()
    page.wait_connected()
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


def test_short_lived_tokens_are_renewed_without_a_disconnect(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = dashboard(context, base_url, notifier).start(ttl=3)
    page.wait_connected()
    ids = []
    for _ in range(5):  # 10 s: the 3 s token is replaced several times
        ids.append(submit(intake, page.merchant))
        time.sleep(2)
    events = page.wait_events(5)
    seen = page.seen()
    assert [e["data"]["id"] for e in events] == ids
    assert [s["state"] for s in seen["states"]] == ["connecting", "connected"]
    assert seen["tokens"] >= 5  # one to connect, then a renewal every 1-2 s


def test_a_refused_token_ends_in_closed_unauthorized(
    context: BrowserContext, base_url: str, notifier: ServiceProcess
) -> None:
    page = dashboard(context, base_url, notifier).start(refuse=True)
    page.wait("d.states.some((s) => s.state === 'closed')")
    time.sleep(2)  # and it stays closed: no further attempts
    seen = page.seen()
    last = seen["states"][-1]
    assert (last["state"], last["code"], last["reason"]) == ("closed", 4001, "unauthorized")
    assert [s["state"] for s in seen["states"]].count("closed") == 1
    assert seen["tokens"] == 2  # the first token, then exactly one more


def test_graceful_restart_1001_reconnects_and_resumes(
    context: BrowserContext, base_url: str, notifier: ServiceProcess, intake: ServiceProcess
) -> None:
    page = dashboard(context, base_url, notifier).start()
    page.wait_connected()
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
    page = dashboard(context, base_url, notifier).start()
    page.wait_connected()
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
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis this test may empty or restart."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.remove()


@pytest.fixture
def isolated(
    base_env: dict[str, str], own_database_url: str, own_redis: RedisServer
) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    """Intake and notifier on a Redis and a database of this test alone."""
    env = {**base_env, "REDIS_URL": own_redis.url, "DATABASE_URL": own_database_url}
    own_intake = ServiceProcess("intake", env).start()
    own_notifier = ServiceProcess("notifier", notifier_env(env)).start()
    yield own_intake, own_notifier
    own_notifier.stop()
    own_intake.stop()


def test_redis_emptied_while_the_notifier_was_down_calls_on_reset(
    context: BrowserContext,
    base_url: str,
    own_redis: RedisServer,
    isolated: tuple[ServiceProcess, ServiceProcess],
) -> None:
    own_intake, own_notifier = isolated
    page = dashboard(context, base_url, own_notifier).start()
    page.wait_connected()
    before = [submit(own_intake, page.merchant) for _ in range(2)]
    page.wait_events(2)

    own_notifier.stop(kill=True)
    redis.Redis.from_url(own_redis.url).flushall()
    lost = submit(own_intake, page.merchant)  # in the new stream: continuity is not provable
    own_notifier.start()
    page.wait("d.resets === 1", timeout=45)
    after = submit(own_intake, page.merchant)
    events = page.wait_events(3)
    assert [e["data"]["id"] for e in events] == [*before, after]
    assert lost not in [e["data"]["id"] for e in events]  # the reload shows it, not a replay
    assert page.seen()["resets"] == 1


def test_redis_restarted_empty_under_a_live_notifier_calls_on_reset(
    context: BrowserContext,
    base_url: str,
    own_redis: RedisServer,
    isolated: tuple[ServiceProcess, ServiceProcess],
) -> None:
    own_intake, own_notifier = isolated
    page = dashboard(context, base_url, own_notifier).start()
    page.wait_connected()
    before = submit(own_intake, page.merchant)
    page.wait_events(1)

    own_redis.stop()  # no persistence: it comes back empty, a new incarnation of the stream
    time.sleep(1)
    own_redis.start()
    page.wait("d.resets === 1", timeout=45)  # the notifier closed 1012; the resume was refused
    codes = [s["code"] for s in page.seen()["states"] if s["state"] == "disconnected"]
    assert 1012 in codes, codes
    after = submit(own_intake, page.merchant)
    events = page.wait_events(2)
    assert [e["data"]["id"] for e in events] == [before, after]
