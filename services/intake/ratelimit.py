"""Fixed-window rate limits per client IP and per merchant, shared by all instances via Redis.

When Redis fails, counting falls back to this process for a short while instead of failing the
submit: capture matters more than an exact count during an outage.
"""

from __future__ import annotations

import ipaddress
import math
import time

import structlog
from redis.exceptions import RedisError

from shared.errors import RateLimited
from shared.redis import RedisClient
from shared.settings import RateLimit

log = structlog.get_logger("ratelimit")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# After a Redis failure, count locally this long before asking Redis again, so a hung Redis
# costs one bounded wait per interval rather than one per request.
_RETRY_REDIS_AFTER = 1.0


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[IPNetwork]) -> str:
    """The socket peer, or the ``X-Forwarded-For`` entry added by the nearest untrusted hop."""
    ip = peer or "unknown"
    if not forwarded_for or not _is_trusted(ip, trusted):
        return ip
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
        ip = hop
    return ip


def _is_trusted(ip: str, trusted: list[IPNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in trusted)


class RateLimiter:
    """Counts each request against its IP's and its merchant's window."""

    def __init__(self, redis: RedisClient, per_ip: RateLimit, per_merchant: RateLimit) -> None:
        self._redis = redis
        self._limits = {"ip": per_ip, "merchant": per_merchant}
        self._local: dict[str, int] = {}
        self._redis_retry_at = 0.0

    async def hit(self, ip: str | None, merchant_id: str | None) -> None:
        """Count one request against each subject given; raise ``RateLimited`` when one is full."""
        now = time.time()
        keys: list[tuple[str, RateLimit]] = []
        for scope, subject in (("ip", ip), ("merchant", merchant_id)):
            limit = self._limits[scope]
            if subject is not None and limit.enabled:
                window = int(now // limit.seconds)
                keys.append((f"ratelimit:{scope}:{subject}:{limit.seconds}:{window}", limit))
        if not keys:
            return
        counts = await self._count(keys, now)
        for (key, limit), count in zip(keys, counts, strict=True):
            if count > limit.count:
                retry_after = math.ceil(limit.seconds - now % limit.seconds)
                scope = key.split(":")[1]
                raise RateLimited(f"rate limit exceeded for this {scope}", retry_after)

    async def _count(self, keys: list[tuple[str, RateLimit]], now: float) -> list[int]:
        if now >= self._redis_retry_at:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for key, limit in keys:
                        pipe.incr(key)
                        pipe.expire(key, limit.seconds + 1)
                    results = await pipe.execute()
                return [int(n) for n in results[::2]]
            except (RedisError, OSError) as exc:
                self._redis_retry_at = now + _RETRY_REDIS_AFTER
                log.warning("rate limit falls back to local counts", error=str(exc))
        return [self._count_locally(key) for key, _ in keys]

    def _count_locally(self, key: str) -> int:
        if len(self._local) > 100_000:  # windows roll over; old keys are dead weight
            self._local.clear()
        self._local[key] = self._local.get(key, 0) + 1
        return self._local[key]
