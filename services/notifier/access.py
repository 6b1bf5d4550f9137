"""Who may hold a socket and for how long: the first ``auth``, token expiry, per-user caps."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import msgspec
import structlog

from services.notifier.backlog import Transport
from services.notifier.schemas import UNAUTHORIZED, Auth, Room, decode_client
from shared.auth import InquiryPermissions, Principal, decode_token
from shared.errors import Unauthorized
from shared.settings import AuthSettings, RateLimit

log = structlog.get_logger("notifier.access")


class Refused(Exception):
    """The socket must close with ``code`` (the reason is sent in the close frame)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def check_token(token: str, auth: AuthSettings) -> Principal:
    """The token's principal, or :class:`Refused` (4001); why is logged, never the token."""
    try:
        return decode_token(token, auth)
    except Unauthorized as exc:
        log.info("auth refused", reason=str(exc)[:200])
        raise Refused(UNAUTHORIZED, "unauthorized") from exc


async def authenticate(transport: Transport, auth: AuthSettings, within: float) -> Principal:
    """The principal of the first message, which must be ``auth`` and come ``within`` seconds."""
    try:
        async with asyncio.timeout(within):
            raw = await transport.receive()
    except TimeoutError as exc:
        raise Refused(UNAUTHORIZED, "no auth message in time") from exc
    try:
        message = decode_client(raw)
    except msgspec.DecodeError as exc:
        log.info("auth refused", reason="the first message is not a valid message")
        raise Refused(UNAUTHORIZED, "unauthorized") from exc
    if not isinstance(message, Auth):
        log.info("auth refused", reason="the first message must be auth")
        raise Refused(UNAUTHORIZED, "unauthorized")
    return check_token(message.token, auth)


def needed(room: Room) -> InquiryPermissions:
    """The permission a room needs (SPEC §8)."""
    return InquiryPermissions.FIND if room.inquiry_id is None else InquiryPermissions.FIND_BY_ID


class Grant:
    """The principal a session acts for, until its ``exp``: a timer, not a task per socket."""

    __slots__ = ("_on_expiry", "_timer", "principal")

    def __init__(self, principal: Principal, on_expiry: Callable[[], None]) -> None:
        self.principal = principal
        self._on_expiry = on_expiry
        self._timer: asyncio.TimerHandle | None = None
        self.replace(principal)

    def replace(self, principal: Principal) -> None:
        """Act for ``principal`` from now on (a refreshed token): its ``exp`` applies."""
        self.principal = principal
        self.cancel()
        delay = max(0.0, principal.exp - time.time())
        self._timer = asyncio.get_running_loop().call_later(delay, self._on_expiry)

    def cancel(self) -> None:
        """Stop the expiry timer."""
        if self._timer is not None:
            self._timer.cancel()


class ConnectionCaps:
    """This instance's bounds: sockets per token ``sub``, and sockets not yet authenticated."""

    def __init__(self, per_user: int, unauthenticated: int) -> None:
        self.per_user = per_user
        self.max_unauthenticated = unauthenticated
        self.unauthenticated = 0
        self.users: Counter[str] = Counter()

    @property
    def crowded(self) -> bool:
        """As many sockets wait for their ``auth`` as allowed: refuse new handshakes."""
        return self.unauthenticated >= self.max_unauthenticated

    def admit(self, sub: str) -> bool:
        """Count one more socket of ``sub`` unless it already holds ``per_user``."""
        if self.users[sub] >= self.per_user:
            return False
        self.users[sub] += 1
        return True

    def release(self, sub: str) -> None:
        """One socket of ``sub`` ended."""
        self.users[sub] -= 1
        if self.users[sub] <= 0:
            del self.users[sub]


class TokenBucket:
    """``rate.count`` actions at once, refilled at ``rate.count`` per ``rate.seconds``."""

    __slots__ = ("_stamp", "_tokens", "rate")

    def __init__(self, rate: RateLimit) -> None:
        self.rate = rate
        self._tokens = float(rate.count)
        self._stamp = time.monotonic()

    def take(self) -> bool:
        """Spend one token if there is one (always ``True`` when the limit is off)."""
        if not self.rate.enabled:
            return True
        now = time.monotonic()
        refill = (now - self._stamp) * self.rate.count / self.rate.seconds
        self._tokens = min(float(self.rate.count), self._tokens + refill)
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
