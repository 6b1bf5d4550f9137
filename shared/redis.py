"""The Redis client factory: single node or Redis Cluster, chosen by environment."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from shared.settings import RedisSettings

RedisClient = Redis | RedisCluster


def create_redis(settings: RedisSettings, *, read_timeout: float | None = None) -> RedisClient:
    """A client with bounded waits, so a slow or dead Redis never stalls a caller for long.

    ``read_timeout`` overrides the socket timeout for a client that issues blocking commands
    (``XREAD BLOCK``): it must exceed the block time, or every idle read would time out.
    """
    connect_timeout = settings.redis_timeout_seconds
    timeout = read_timeout if read_timeout is not None else connect_timeout
    if settings.redis_cluster:
        return RedisCluster.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=connect_timeout
        )
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=10,
        # No hidden retries: each caller decides (the relay retries, a submit never waits).
        retry=Retry(NoBackoff(), 0),
    )


async def answers(client: RedisClient, within: float = 1.0) -> bool:
    """Whether Redis answers PING within ``within`` seconds (for readiness checks)."""
    try:
        async with asyncio.timeout(within):
            return bool(await client.ping())
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
