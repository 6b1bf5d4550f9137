"""SIGTERM: readiness answers 503 at once, every submit in flight gets its 201 and its row, then
the process exits (SPEC §14).
"""

from __future__ import annotations

import signal
import subprocess
import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import psycopg

from tests.support import Database, ServiceProcess, inquiry_body, wait_for

DRAIN = 1.5


def _terminate(service: ServiceProcess) -> subprocess.Popen[bytes]:
    process = service.process
    assert process is not None
    process.send_signal(signal.SIGTERM)
    return process


def _ready_status(service: ServiceProcess) -> int:
    return httpx.get(f"{service.url}/health/ready", timeout=5).status_code


def test_intake_drains_then_commits_every_submit_in_flight(
    base_env: dict[str, str], own_database_url: str, run_id: str
) -> None:
    env = {
        **base_env,
        "DATABASE_URL": own_database_url,
        "STREAM_KEY": f"test:{run_id}:shutdown",
        "SHUTDOWN_DRAIN_SECONDS": str(DRAIN),
    }
    intake = ServiceProcess("intake", env).start()
    submit = f"{intake.url}/v1/inquiries"
    post = lambda n: httpx.post(  # noqa: E731
        submit,
        json=inquiry_body(subject=f"in flight {n}"),
        headers={"x-merchant-id": "m-shutdown"},
        timeout=20,
    )
    try:
        assert _ready_status(intake) == 200
        with psycopg.connect(own_database_url) as lock, ThreadPoolExecutor(8) as pool:
            # Hold the table so the submits are truly in flight (waiting on their INSERT).
            lock.execute("LOCK TABLE inquiries IN EXCLUSIVE MODE")
            before: list[Future[httpx.Response]] = [pool.submit(post, n) for n in range(5)]
            wait_for(
                lambda: Database(own_database_url).value(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted"
                ),
                timeout=10,
            )
            process = _terminate(intake)
            started = time.monotonic()
            assert wait_for(lambda: _ready_status(intake) == 503, timeout=2)
            during = pool.submit(post, 5)  # the load balancer has not noticed yet
            time.sleep(0.5)
            assert process.poll() is None  # still draining
            lock.rollback()  # release: the held submits go on
            answers = [f.result() for f in [*before, during]]
        assert [a.status_code for a in answers] == [201] * 6
        process.wait(timeout=20)
        assert time.monotonic() - started >= DRAIN
        stored = Database(own_database_url).rows(
            "SELECT id::text, subject FROM inquiries WHERE merchant_id = 'm-shutdown'"
        )
        assert {row["id"] for row in stored} == {a.json()["id"] for a in answers}
        assert "graceful shutdown exceeded" not in intake.log.read_text()
    finally:
        intake.stop()


def test_backoffice_turns_unready_before_it_exits(base_env: dict[str, str]) -> None:
    backoffice = ServiceProcess("backoffice", {**base_env, "SHUTDOWN_DRAIN_SECONDS": "1"}).start()
    try:
        assert _ready_status(backoffice) == 200
        process = _terminate(backoffice)
        assert wait_for(lambda: _ready_status(backoffice) == 503, timeout=2)
        assert httpx.get(f"{backoffice.url}/health/live", timeout=5).status_code == 200
        process.wait(timeout=20)
    finally:
        backoffice.stop()
