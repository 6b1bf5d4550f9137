"""Concurrent submits share commits, yet each one is stored and notified exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import msgspec
import redis

from shared.db import create_engine
from shared.errors import IdempotencyKeyReused
from shared.inquiries.fields import InquiryInput
from shared.inquiries.idempotency import IdempotencyClaim, Stored
from shared.inquiries.writer import InquiryWriter
from shared.inquiries.writes import new_inquiry
from shared.settings import DatabaseSettings
from tests.support import Database, ServiceProcess, inquiry_body, stream_entries, wait_for


async def _commits(client: httpx.AsyncClient) -> float:
    """How many group commits the intake has made so far."""
    metrics = (await client.get("/metrics")).text
    return next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("inquiry_writer_batch_size_count")
    )


async def test_concurrent_submits_are_each_stored_and_published_once(
    intake: ServiceProcess, db: Database, redis_client: redis.Redis, stream_key: str
) -> None:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        commits_before = await _commits(client)
        responses = await asyncio.gather(
            *(
                client.post(
                    "/v1/inquiries",
                    json=inquiry_body(subject=f"burst {n}"),
                    headers={"x-merchant-id": "m-burst"},
                )
                for n in range(60)
            )
        )
        commits = await _commits(client) - commits_before

    assert [r.status_code for r in responses] == [201] * 60
    assert commits < 60  # some submits shared a commit
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 60
    rows = db.rows("SELECT id::text, subject FROM inquiries WHERE merchant_id = 'm-burst'")
    assert {r["id"] for r in rows} == ids
    audited = db.value(
        "SELECT count(*) FROM inquiry_events WHERE merchant_id = %s AND action = 'submitted'",
        "m-burst",
    )
    assert audited == 60

    def published() -> Counter[str]:
        return Counter(
            f[b"inquiry_id"].decode()
            for _, f in stream_entries(redis_client, stream_key)
            if f[b"merchant_id"] == b"m-burst"
        )

    wait_for(lambda: len(published()) == 60)
    counts = published()
    assert set(counts) == ids
    assert set(counts.values()) == {1}
    subjects = {
        msgspec.json.decode(f[b"data"])["id"]: msgspec.json.decode(f[b"data"])["subject"]
        for _, f in stream_entries(redis_client, stream_key)
        if f[b"merchant_id"] == b"m-burst"
    }
    assert subjects == {r["id"]: r["subject"] for r in rows}


async def test_a_row_the_database_refuses_fails_only_its_own_write(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(database_url=database_url))
    commits: list[None] = []
    writer = InquiryWriter(engine, lambda: commits.append(None))
    fields = msgspec.convert(inquiry_body(), InquiryInput)
    good = new_inquiry("m-poison", fields)
    clash = msgspec.structs.replace(new_inquiry("m-poison", fields), id=good.id)
    try:
        results = await asyncio.gather(
            writer.write(good), writer.write(clash), return_exceptions=True
        )
    finally:
        await engine.dispose()

    assert results[0] == Stored(good.id, good.created_at)
    assert isinstance(results[1], Exception)
    assert "duplicate key" in str(results[1])
    assert commits  # the relay was woken for the committed one
    db = Database(database_url)
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-poison'") == 1
    assert db.value("SELECT count(*) FROM outbox WHERE merchant_id = 'm-poison'") <= 1


async def test_keyed_submits_in_one_batch_store_one_inquiry(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(database_url=database_url))
    writer = InquiryWriter(engine, lambda: None)
    fields = msgspec.convert(inquiry_body(), InquiryInput)
    inquiries = [new_inquiry("m-keyed", fields) for _ in range(5)]
    same, other = IdempotencyClaim("k-batch", "hash-a"), IdempotencyClaim("k-batch", "hash-b")
    try:
        results = await asyncio.gather(
            *(writer.write(inquiry, same) for inquiry in inquiries[:4]),
            writer.write(inquiries[4], other),
            return_exceptions=True,
        )
    finally:
        await engine.dispose()

    first = Stored(inquiries[0].id, inquiries[0].created_at)
    assert results[:4] == [first] * 4  # the first claim wins; the others replay its answer
    assert isinstance(results[4], IdempotencyKeyReused)
    db = Database(database_url)
    assert db.value("SELECT count(*) FROM inquiries WHERE merchant_id = 'm-keyed'") == 1
    assert db.value("SELECT count(*) FROM outbox WHERE merchant_id = 'm-keyed'") <= 1


async def test_idempotency_keys_older_than_a_day_are_purged(database_url: str) -> None:
    db = Database(database_url)
    db.rows(
        "INSERT INTO idempotency_keys (merchant_id, key, request_hash, response, created_at)"
        " VALUES ('m-purge', 'old', 'h', '{}', now() - interval '25 hours'),"
        " ('m-purge', 'recent', 'h', '{}', now() - interval '23 hours') RETURNING key"
    )
    engine = create_engine(DatabaseSettings(database_url=database_url))
    writer = InquiryWriter(engine, lambda: None)
    fields = msgspec.convert(inquiry_body(), InquiryInput)
    try:
        await writer.write(new_inquiry("m-purge", fields), IdempotencyClaim("new", "h"))
    finally:
        await engine.dispose()

    keys = db.rows("SELECT key FROM idempotency_keys WHERE merchant_id = 'm-purge' ORDER BY key")
    assert [row["key"] for row in keys] == ["new", "recent"]
