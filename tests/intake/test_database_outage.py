"""Without PostgreSQL nothing can be captured: the answer is a clear, retryable 503."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from pgserver.postgres_server import get_server

from shared.embedded import free_port
from tests.conftest import migrated_database
from tests.support import ROOT, Database, ServiceProcess, frozen, inquiry_body, wait_for


def test_unreachable_database_is_503_with_retry_after(base_env: dict[str, str]) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres?connect_timeout=1"
    intake = ServiceProcess("intake", {**base_env, "DATABASE_URL": nowhere}).start()
    try:
        response = httpx.post(
            f"{intake.url}/v1/inquiries",
            json=inquiry_body(),
            headers={"x-merchant-id": "m-nodb"},
            timeout=10,
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["detail"] == "database unavailable, retry shortly"

        ready = httpx.get(f"{intake.url}/health/ready", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "down", "redis": "ok"}
    finally:
        intake.stop()


@pytest.fixture
def freezable_postgres(run_id: str) -> Iterator[tuple[str, int]]:
    """A PostgreSQL server of this test alone (it gets frozen): a migrated database's URL and
    the postmaster's pid. Under .data/ like the session's server: pytest's shared temporary
    root is pruned by other pytest runs.
    """
    datadir = ROOT / ".data" / f"test-frozen-postgres-{run_id}"
    server = get_server(datadir, cleanup_mode="delete")
    pid = server.get_pid()
    assert pid is not None
    try:
        with migrated_database(str(server.get_uri()), "frozen") as url:
            yield url, pid
    finally:
        server.cleanup()


def test_frozen_database_is_a_bounded_503_and_writes_nothing(
    base_env: dict[str, str], freezable_postgres: tuple[str, int], run_id: str
) -> None:
    url, postmaster = freezable_postgres
    env = {**base_env, "DATABASE_URL": url, "STREAM_KEY": f"test:{run_id}:frozen"}
    intake = ServiceProcess("intake", env).start()
    db = Database(url)
    merchant = "m-frozen"
    submit = f"{intake.url}/v1/inquiries"
    try:
        warm = httpx.post(submit, json=inquiry_body(), headers={"x-merchant-id": merchant})
        assert warm.status_code == 201  # the pool now holds connections to the server

        with frozen(postmaster), ThreadPoolExecutor(4) as pool:
            started = time.monotonic()
            # Half through the group-commit writer, half (Idempotency-Key) on the request's own
            # transaction: both paths are bounded.
            answers = list(
                pool.map(
                    lambda n: httpx.post(
                        submit,
                        json=inquiry_body(subject=f"during freeze {n}"),
                        headers={
                            "x-merchant-id": merchant,
                            **({"idempotency-key": f"k{n}"} if n % 2 else {}),
                        },
                        timeout=30,
                    ),
                    range(4),
                )
            )
            elapsed = time.monotonic() - started
            ready = httpx.get(f"{intake.url}/health/ready", timeout=30)

        assert [a.status_code for a in answers] == [503] * 4
        assert all(a.headers["retry-after"] == "5" for a in answers)
        assert elapsed <= 5.0
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"] == "down"

        # Thawed: nothing of the refused submits was written, and the service recovers.
        after = wait_for(lambda: _posted(submit, merchant, "after"), timeout=15, interval=0.5)
        assert after.status_code == 201
        subjects = db.rows(
            "SELECT subject FROM inquiries WHERE merchant_id = %s ORDER BY created_at", merchant
        )
        assert [row["subject"] for row in subjects] == [inquiry_body()["subject"], "after"]
        assert db.value("SELECT count(*) FROM inquiry_events") == 2
    finally:
        intake.stop()


def _posted(url: str, merchant: str, subject: str) -> httpx.Response | None:
    response = httpx.post(
        url, json=inquiry_body(subject=subject), headers={"x-merchant-id": merchant}, timeout=10
    )
    return response if response.status_code != 503 else None
