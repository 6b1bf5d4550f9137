"""The Redis client factory: single node or Redis Cluster, chosen by environment."""

from __future__ import annotations

from redis.asyncio import Redis, RedisCluster

from shared.settings import RedisSettings

RedisClient = Redis | RedisCluster


def create_redis(settings: RedisSettings) -> RedisClient:
    """A client with bounded waits, so a slow or dead Redis never stalls a caller for long."""
    timeout = settings.redis_timeout_seconds
    if settings.redis_cluster:
        return RedisCluster.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=10,
    )
