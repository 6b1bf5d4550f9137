"""The naive peer as users write it: Litestar, a psycopg pool INSERT and an XADD per request.

``python -m bench.naive PORT`` serves it under uvicorn with the services' settings, against the
bench's database and Redis. It validates nothing beyond msgspec's types, has no rate limit, no
idempotency, no audit entry and no outbox: if Redis is down the notification is simply lost.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec
import redis.asyncio as redis
from litestar import Litestar, Request, get, post
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from bench.serve import serve_asgi


class Source(msgspec.Struct, forbid_unknown_fields=False):
    """Where the submit came from."""

    page_url: str | None = None
    utm_source: str | None = None


class Submit(msgspec.Struct):
    """The submit body, typed as a careful user would type it."""

    name: str
    email: str
    business_name: str
    subject: str
    message: str
    phone: str | None = None
    business_size: str | None = None
    industry: str | None = None
    website: str | None = None
    country: str | None = None
    type: str = "sales"
    locale: str = "en"
    source: Source | None = None


class Created(msgspec.Struct):
    """The 201 body, as intake's."""

    id: uuid.UUID
    status: str
    created_at: datetime


INSERT = (
    "INSERT INTO inquiries (id, merchant_id, type, name, email, phone, business_name, "
    "business_size, industry, website, country, subject, message, locale, source, status, "
    "is_spam, created_at, updated_at, version, due_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s, 'NEW', false, %s, %s, 1, now() + interval '1 day')"
)


@asynccontextmanager
async def stores(app: Litestar) -> AsyncIterator[None]:
    """One connection pool and one Redis client for the process."""
    dsn = os.environ["DATABASE_URL"]
    async with AsyncConnectionPool(dsn, min_size=10, max_size=20, open=False) as pool:
        app.state.pool = pool
        app.state.redis = redis.Redis.from_url(os.environ["REDIS_URL"])
        yield
        await app.state.redis.aclose()


@post("/v1/inquiries", status_code=201)
async def submit(request: Request[Any, Any, Any], data: Submit) -> Created:
    """INSERT the inquiry (autocommit: one transaction), then XADD its event."""
    merchant = request.headers.get("x-merchant-id", "")
    now = datetime.now(UTC)
    inquiry_id = uuid.uuid4()
    source = msgspec.to_builtins(data.source) if data.source else None
    async with request.app.state.pool.connection() as conn:
        await conn.execute(
            INSERT,
            (
                inquiry_id, merchant, data.type, data.name, data.email, data.phone,
                data.business_name, data.business_size, data.industry, data.website,
                data.country, data.subject, data.message, data.locale,
                Jsonb(source) if source else None, now, now,
            ),
        )  # fmt: skip
    event = {"id": str(inquiry_id), "merchant_id": merchant, "name": data.name}
    await request.app.state.redis.xadd(
        os.environ["STREAM_KEY"],
        {
            "topic": "observation/outreach/inquiry/submitted",
            "event_id": str(uuid.uuid4()),
            "merchant_id": merchant,
            "inquiry_id": str(inquiry_id),
            "occurred_at": now.isoformat(),
            "data": msgspec.json.encode(event),
        },
    )
    return Created(id=inquiry_id, status="NEW", created_at=now)


@get("/health")
async def health() -> dict[str, str]:
    """Liveness for the bench's start-up wait."""
    return {"status": "ok"}


def create_app() -> Litestar:
    """The naive app (uvicorn factory)."""
    return Litestar([submit, health], lifespan=[stores])


def main() -> None:
    """``python -m bench.naive PORT``: one uvicorn worker, the services' settings."""
    serve_asgi("bench.naive:create_app", int(sys.argv[1]))


if __name__ == "__main__":
    main()
