"""Without PostgreSQL nothing can be captured: the answer is a clear, retryable 503."""

from __future__ import annotations

import httpx

from shared.embedded import free_port
from tests.support import ServiceProcess, inquiry_body


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
