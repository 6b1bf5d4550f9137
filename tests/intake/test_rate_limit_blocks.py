"""Rate-limit counts reserved from Redis in blocks: within a block of the limit, few round trips."""

from __future__ import annotations

import asyncio

import redis
import redis.asyncio as aioredis

from services.intake.ratelimit import RateLimiter
from shared.errors import RateLimited
from shared.settings import RateLimit

LIMIT = RateLimit(1000, 3600)  # block of 10 counts per reservation


async def _admitted(limiter: RateLimiter, merchant: str) -> bool:
    try:
        await limiter.hit(None, merchant)
    except RateLimited:
        return False
    return True


async def test_two_instances_share_a_limit_in_blocks_within_a_block_of_it(
    redis_url: str, redis_client: redis.Redis, run_id: str
) -> None:
    merchant = f"m-blocks-{run_id}"
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    limiters = [RateLimiter(client, RateLimit(0, 1), LIMIT) for client in clients]
    before = redis_client.info("commandstats").get("cmdstat_incrby", {}).get("calls", 0)
    try:
        # 1,200 concurrent requests spread over two instances, in waves of 100.
        admitted = 0
        for wave in range(12):
            results = await asyncio.gather(
                *(_admitted(limiters[(wave + n) % 2], merchant) for n in range(100))
            )
            admitted += sum(results)
    finally:
        for client in clients:
            await client.aclose()
    reservations = redis_client.info("commandstats")["cmdstat_incrby"]["calls"] - before
    (key,) = redis_client.keys(f"ratelimit:merchant:{merchant}:*")
    # A block is handed out while it is reserved: each instance may overshoot by one block
    # less one; unused counts of a block die with the window: as much may be refused early.
    assert LIMIT.count - 2 * 9 <= admitted <= LIMIT.count + 2 * 9
    assert int(redis_client.get(key) or 0) >= LIMIT.count
    # One INCRBY per block, not per request (other tests may add a few of their own).
    assert reservations < 1200 / 5
