"""Redis really stopped: submits still succeed fast; the relay publishes them when it is back."""

from __future__ import annotations

import time

import httpx
import redis

from shared.embedded import RedisServer
from tests.support import Database, ServiceProcess, inquiry_body, stream_entries, wait_for


def test_submits_survive_a_redis_outage_and_are_published_after_it(
    own_redis: RedisServer, own_database_url: str, base_env: dict[str, str]
) -> None:
    stream = "test:outage:events"
    db = Database(own_database_url)  # no other process's outbox relay can take these rows
    intake = ServiceProcess(
        "intake",
        {
            **base_env,
            "DATABASE_URL": own_database_url,
            "REDIS_URL": own_redis.url,
            "STREAM_KEY": stream,
            "INTAKE_RATE_LIMIT_PER_IP": "1000/minute",
        },
    ).start()
    try:
        own_redis.stop()
        ids = []
        for n in range(5):
            started = time.monotonic()
            response = httpx.post(
                f"{intake.url}/v1/inquiries",
                json=inquiry_body(subject=f"during outage {n}"),
                headers={"x-merchant-id": "m-outage"},
                timeout=5,
            )
            assert response.status_code == 201, response.text
            assert time.monotonic() - started < 1.0
            ids.append(response.json()["id"])

        stored = db.value("SELECT count(*) FROM inquiries WHERE id = ANY(%s::uuid[])", ids)
        assert stored == 5
        pending = db.value("SELECT count(*) FROM outbox WHERE inquiry_id = ANY(%s::uuid[])", ids)
        assert pending == 5
        assert httpx.get(f"{intake.url}/health/ready").json()["checks"]["redis"] == "down"

        own_redis.start()
        client = redis.Redis.from_url(own_redis.url)
        published = wait_for(
            lambda: (
                [f[b"inquiry_id"].decode() for _, f in stream_entries(client, stream)]
                if client.xlen(stream) >= 5
                else None
            ),
            timeout=15,
        )
        assert published == ids  # each once, in submit order
        wait_for(
            lambda: (
                db.value("SELECT count(*) FROM outbox WHERE inquiry_id = ANY(%s::uuid[])", ids) == 0
            )
        )
        client.close()
    finally:
        intake.stop()
