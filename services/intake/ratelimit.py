"""Fixed-window rate limits per client IP and per merchant, shared by all instances via Redis.

Each process reserves counts of a window from Redis in blocks (``INCRBY``) and hands them out
itself, so a request costs no Redis round trip of its own. The block is 1 % of the limit. A
block of one (a limit under 200) is counted exactly: the request waits for Redis's answer, and
the answers of all requests waiting at that moment share one pipeline. A larger block is handed
out while it is being reserved, and its reservation goes with the others due within 50 ms; if
Redis then says the window was nearly used up by other instances, at most the block's size
minus one got through too many (per instance and window). Unused counts die with their window,
so with N instances a client spread over them may also be refused up to N * (block - 1) early.

When Redis fails, counting falls back to this process for a short while instead of failing the
submit: capture matters more than an exact count during an outage.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Sequence
from typing import cast

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
# Share of a limit one process reserves at a time (see the module docstring).
_BLOCK_SHARE = 100
# How long a reservation handed out ahead may wait for others to share its round trip.
_DEFER_SECONDS = 0.05


def client_ip(peer: str | None, forwarded_for: Sequence[str], trusted: list[IPNetwork]) -> str:
    """The socket peer, or the ``X-Forwarded-For`` entry added by the nearest untrusted hop.

    ``forwarded_for`` is every ``X-Forwarded-For`` line in order: a proxy may add its own line
    instead of appending to the client's, and the client's lines come first.
    """
    ip = peer or "unknown"
    if not forwarded_for or not _is_trusted(ip, trusted):
        return ip
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",") if hop.strip()]
    for hop in reversed(hops):
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


class _Lease:
    """The counts of one window this process reserved in Redis and has not handed out yet."""

    __slots__ = ("credited", "ends", "full", "left", "limit", "refill", "wanted")

    def __init__(self, limit: RateLimit, ends: float) -> None:
        self.limit = limit
        self.ends = ends  # when the window closes (the lease is dropped after that)
        self.left = 0
        self.full = False  # Redis said the window is used up: refuse without asking again
        self.wanted = 0  # requests waiting for the next block
        self.credited = 0  # the block being reserved, already handed out (0: waited for)
        self.refill: asyncio.Future[None] | None = None

    @property
    def block(self) -> int:
        """How many counts to reserve next: a share of the limit, or what is waited for."""
        return max(1, self.limit.count // _BLOCK_SHARE, self.wanted)


class RateLimiter:
    """Counts each request against its IP's and its merchant's window."""

    def __init__(self, redis: RedisClient, per_ip: RateLimit, per_merchant: RateLimit) -> None:
        self._redis = redis
        self._limits = {"ip": per_ip, "merchant": per_merchant}
        self._local: dict[str, int] = {}
        self._leases: dict[str, _Lease] = {}
        self._prune_at = 0.0
        self._due: dict[str, _Lease] = {}  # leases whose next block goes in the next pipeline
        self._sender: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._redis_retry_at = 0.0

    async def hit(self, ip: str | None, merchant_id: str | None) -> None:
        """Count one request against each subject given; raise ``RateLimited`` when one is full."""
        for scope, subject in (("ip", ip), ("merchant", merchant_id)):
            limit = self._limits[scope]
            if subject is None or not limit.enabled:
                continue
            now = time.time()
            window = int(now // limit.seconds)
            key = f"ratelimit:{scope}:{subject}:{limit.seconds}:{window}"
            if not await self._take(key, limit, (window + 1) * limit.seconds):
                retry_after = math.ceil(limit.seconds - now % limit.seconds)
                raise RateLimited(f"rate limit exceeded for this {scope}", retry_after)

    async def _take(self, key: str, limit: RateLimit, ends: float) -> bool:
        """Whether one more request fits in ``key``'s window (asks Redis only for a new block)."""
        lease = self._leases.get(key)
        if lease is None:
            self._prune()
            lease = self._leases[key] = _Lease(limit, ends)
        while lease.left == 0:
            if lease.full:
                return False
            if time.time() < self._redis_retry_at:
                return self._count_locally(key) <= limit.count
            if lease.refill is None and lease.block > 1:
                lease.left = lease.credited = lease.block  # handed out while reserved
                self._queue(key, lease, _DEFER_SECONDS)
                break
            lease.wanted += 1
            try:
                await self._next_block(key, lease)
            finally:
                lease.wanted -= 1
        lease.left -= 1
        return True

    async def _next_block(self, key: str, lease: _Lease) -> None:
        if lease.refill is None:
            self._queue(key, lease, 0.0)
        else:
            self._send_soon(0.0)  # a reservation handed out ahead is now waited for
        # Shielded: a client that goes away must not cancel the block others wait for.
        await asyncio.shield(cast(asyncio.Future[None], lease.refill))

    def _queue(self, key: str, lease: _Lease, delay: float) -> None:
        lease.refill = asyncio.get_running_loop().create_future()
        self._due[key] = lease
        self._send_soon(delay)

    def _send_soon(self, delay: float) -> None:
        """Send what is due now, or after ``delay`` so that more reservations share the trip."""
        if self._sender is not None and not self._sender.done():
            return  # the running sender takes what became due meanwhile
        if delay == 0 and self._timer is not None:
            self._timer.cancel()
        if delay == 0 or self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(delay, self._start_sender)

    def _start_sender(self) -> None:
        self._timer = None
        if self._due and (self._sender is None or self._sender.done()):
            self._sender = asyncio.create_task(self._send_due(), name="ratelimit-blocks")

    async def _send_due(self) -> None:
        """Reserve every due block in one pipelined round trip (then the ones due meanwhile)."""
        while self._due:
            due, self._due = self._due, {}
            amounts = [lease.credited or lease.block for lease in due.values()]
            try:
                totals = await self._reserve(due, amounts)
            except Exception as exc:  # noqa: BLE001 - a bug, not an outage: every waiter raises it
                for lease in due.values():
                    if lease.refill is not None:
                        lease.refill.set_exception(exc)
                    lease.refill, lease.credited = None, 0
                continue
            for lease, amount, total in zip(due.values(), amounts, totals or amounts, strict=True):
                granted = 0  # Redis failed: the waiters count locally
                if totals is not None:
                    granted = min(amount, max(0, lease.limit.count - (total - amount)))
                    lease.full = granted < amount
                # What was handed out ahead beyond the grant got through too many.
                lease.left = max(0, lease.left + granted - lease.credited)
                lease.credited = 0
                refill, lease.refill = lease.refill, None
                if refill is not None:
                    refill.set_result(None)

    async def _reserve(self, due: dict[str, _Lease], amounts: list[int]) -> list[int] | None:
        """The window totals after adding ``amounts``; none when Redis fails (local counts)."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for (key, lease), amount in zip(due.items(), amounts, strict=True):
                    pipe.incrby(key, amount)
                    pipe.expire(key, lease.limit.seconds + 1)
                results = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._redis_retry_at = time.time() + _RETRY_REDIS_AFTER
            log.warning("rate limit falls back to local counts", error=str(exc))
            return None
        return [int(n) for n in results[::2]]

    def _prune(self) -> None:
        """Drop the leases of closed windows (at most once a second)."""
        now = time.time()
        if now < self._prune_at:
            return
        self._prune_at = now + 1.0
        self._leases = {k: lease for k, lease in self._leases.items() if lease.ends > now}

    def _count_locally(self, key: str) -> int:
        if len(self._local) > 100_000:  # windows roll over; old keys are dead weight
            self._local.clear()
        self._local[key] = self._local.get(key, 0) + 1
        return self._local[key]
