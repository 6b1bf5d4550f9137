"""Typed settings read from the environment: one object per concern, validated at start."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot start with."""


_RATE = re.compile(r"^(?P<count>\d+)(?:/(?P<unit>second|minute|hour))?$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600}


class RateLimit(msgspec.Struct, frozen=True):
    """At most ``count`` requests per ``seconds``; ``count == 0`` disables the limit."""

    count: int
    seconds: int

    @property
    def enabled(self) -> bool:
        """Whether the limit applies at all."""
        return self.count > 0


def parse_rate(variable: str, text: str) -> RateLimit:
    """Parse ``N/second|minute|hour`` (or ``0``) into a :class:`RateLimit`."""
    match = _RATE.match(text.strip())
    if match is None or (match["unit"] is None and match["count"] != "0"):
        raise SettingsError(f"{variable}={text!r}: expected N/second, N/minute, N/hour or 0")
    return RateLimit(int(match["count"]), _UNIT_SECONDS[match["unit"] or "second"])


_S = TypeVar("_S", bound=msgspec.Struct)


def _load(cls: type[_S], environ: Mapping[str, str] | None) -> _S:
    """Build ``cls`` from the environment; the error names the offending variable."""
    source: Mapping[str, str] = os.environ if environ is None else environ
    names = (f.encode_name for f in msgspec.structs.fields(cls))
    present = {name: source[name] for name in names if source.get(name, "") != ""}
    try:
        return msgspec.convert(present, cls, strict=False)
    except msgspec.ValidationError as exc:
        # msgspec says "... - at `$.INTAKE_PORT`": the variable is named in the message.
        raise SettingsError(f"invalid environment: {exc}") from exc


def _require(variable: str, ok: bool, message: str) -> None:
    if not ok:
        raise SettingsError(f"{variable}: {message}")


class DatabaseSettings(msgspec.Struct, frozen=True, rename="upper"):
    """Where PostgreSQL is: a plain libpq URI such as ``postgresql://user@host:5432/db``."""

    database_url: str = ""
    database_pool_size: int = 20

    def __post_init__(self) -> None:
        _require(
            "DATABASE_URL",
            self.database_url == ""
            or self.database_url.startswith(("postgresql://", "postgres://")),
            "expected a postgresql:// URI",
        )
        _require("DATABASE_POOL_SIZE", self.database_pool_size >= 1, "must be at least 1")

    @property
    def sqlalchemy_url(self) -> str:
        """The URI with the psycopg 3 driver named, as SQLAlchemy wants it."""
        rest = self.database_url.split("://", 1)[1]
        return f"postgresql+psycopg://{rest}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DatabaseSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class RedisSettings(msgspec.Struct, frozen=True, rename="upper"):
    """Where Redis is, single node or cluster, and the stream the events go to."""

    redis_url: str = ""
    redis_cluster: bool = False
    redis_timeout_seconds: float = 0.5
    stream_key: str = "outreach:inquiry:events"
    stream_maxlen: int = 100_000

    def __post_init__(self) -> None:
        _require(
            "REDIS_URL",
            self.redis_url == "" or self.redis_url.startswith(("redis://", "rediss://", "unix://")),
            "expected a redis://, rediss:// or unix:// URL",
        )
        _require("REDIS_TIMEOUT_SECONDS", 0 < self.redis_timeout_seconds <= 5, "must be in (0, 5]")
        _require("STREAM_KEY", self.stream_key != "", "must not be empty")
        _require("STREAM_MAXLEN", self.stream_maxlen >= 1000, "must be at least 1000")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RedisSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class AuthSettings(msgspec.Struct, frozen=True, rename="upper"):
    """How staff tokens are signed: HS256 with ``JWT_SECRET``, or RS256 with a public key."""

    jwt_secret: str = "dev-secret-change-me-please-0123456789"  # noqa: S105 - dev default
    jwt_public_key: str = ""

    def __post_init__(self) -> None:
        _require("JWT_SECRET", len(self.jwt_secret) >= 32, "must be at least 32 characters")
        if self.jwt_public_key:
            from jwt.algorithms import RSAAlgorithm

            try:
                RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(self.jwt_public_key)
            except Exception as exc:
                raise SettingsError(f"JWT_PUBLIC_KEY: not a PEM RSA public key ({exc})") from exc

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class LogSettings(msgspec.Struct, frozen=True, rename="upper"):
    """How logs look: ``console`` for people, ``json`` for machines."""

    log_format: str = "console"
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        _require("LOG_FORMAT", self.log_format in ("console", "json"), "expected console or json")
        _require(
            "LOG_LEVEL",
            self.log_level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
            "expected DEBUG, INFO, WARNING, ERROR or CRITICAL",
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LogSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class IntakeSettings(msgspec.Struct, frozen=True, rename="upper"):
    """The public intake service: port, CORS, rate limits and trusted proxies."""

    intake_port: int = 8001
    intake_allowed_origins: str = ""
    intake_rate_limit_per_ip: str = "120/minute"
    intake_rate_limit_per_merchant: str = "1200/minute"
    intake_trusted_proxies: str = ""

    def __post_init__(self) -> None:
        _require("INTAKE_PORT", 0 < self.intake_port < 65536, "must be a TCP port")
        self.rate_per_ip  # noqa: B018 - validate now, not on the first request
        self.rate_per_merchant  # noqa: B018
        self.trusted_proxies  # noqa: B018
        for origin in self.allowed_origins:
            _require(
                "INTAKE_ALLOWED_ORIGINS",
                re.match(r"^https?://[^/\s]+$", origin) is not None,
                f"{origin!r} is not an origin like https://example.com",
            )

    @property
    def allowed_origins(self) -> list[str]:
        """The origins allowed for CORS and for the ``_next`` redirect."""
        return [o.strip().rstrip("/") for o in self.intake_allowed_origins.split(",") if o.strip()]

    @property
    def rate_per_ip(self) -> RateLimit:
        """Requests allowed per client IP."""
        return parse_rate("INTAKE_RATE_LIMIT_PER_IP", self.intake_rate_limit_per_ip)

    @property
    def rate_per_merchant(self) -> RateLimit:
        """Requests allowed per merchant."""
        return parse_rate("INTAKE_RATE_LIMIT_PER_MERCHANT", self.intake_rate_limit_per_merchant)

    @property
    def trusted_proxies(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Networks whose ``X-Forwarded-For`` entries are believed."""
        networks = []
        for cidr in self.intake_trusted_proxies.split(","):
            if cidr.strip():
                try:
                    networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
                except ValueError as exc:
                    raise SettingsError(f"INTAKE_TRUSTED_PROXIES: {exc}") from exc
        return networks

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> IntakeSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class NotifierSettings(msgspec.Struct, frozen=True, rename="upper"):
    """The WebSocket notifier: auth deadline, per-socket queue, subscription cap, stream reads."""

    notifier_auth_timeout_seconds: float = 10.0
    notifier_queue_size: int = 1000
    notifier_max_subscriptions: int = 100
    notifier_block_ms: int = 5000
    notifier_read_count: int = 500
    notifier_close_timeout_seconds: float = 10.0
    notifier_replay_max_entries: int = 10_000
    notifier_replay_max_age_seconds: float = 3600.0
    notifier_replay_rate: str = "100/minute"
    notifier_max_connections_per_user: int = 20
    notifier_max_unauthenticated: int = 1000
    notifier_shutdown_delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        _require(
            "NOTIFIER_AUTH_TIMEOUT_SECONDS",
            0 < self.notifier_auth_timeout_seconds <= 60,
            "must be in (0, 60]",
        )
        _require("NOTIFIER_QUEUE_SIZE", self.notifier_queue_size >= 10, "must be at least 10")
        _require(
            "NOTIFIER_MAX_SUBSCRIPTIONS", self.notifier_max_subscriptions >= 1, "must be at least 1"
        )
        _require("NOTIFIER_BLOCK_MS", 100 <= self.notifier_block_ms <= 60_000, "must be 100-60000")
        # At most STREAM_MAXLEN's minimum: a trim gap then always shows as a full batch.
        _require("NOTIFIER_READ_COUNT", 1 <= self.notifier_read_count <= 1000, "must be 1-1000")
        _require(
            "NOTIFIER_CLOSE_TIMEOUT_SECONDS",
            0 < self.notifier_close_timeout_seconds <= 60,
            "must be in (0, 60]",
        )
        _require(
            "NOTIFIER_REPLAY_MAX_ENTRIES",
            0 <= self.notifier_replay_max_entries <= 1_000_000,
            "must be 0-1000000",
        )
        _require(
            "NOTIFIER_REPLAY_MAX_AGE_SECONDS",
            self.notifier_replay_max_age_seconds > 0,
            "must be positive",
        )
        self.replay_rate  # noqa: B018 - validate now, not on the first resume
        for variable, value in (
            ("NOTIFIER_MAX_CONNECTIONS_PER_USER", self.notifier_max_connections_per_user),
            ("NOTIFIER_MAX_UNAUTHENTICATED", self.notifier_max_unauthenticated),
        ):
            _require(variable, value >= 1, "must be at least 1")
        _require(
            "NOTIFIER_SHUTDOWN_DELAY_SECONDS",
            0 <= self.notifier_shutdown_delay_seconds <= 60,
            "must be 0-60",
        )

    @property
    def replay_rate(self) -> RateLimit:
        """Subscribes with ``since`` allowed per socket (a burst of ``count``, then refilled)."""
        return parse_rate("NOTIFIER_REPLAY_RATE", self.notifier_replay_rate)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotifierSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


_BASE_URL = re.compile(r"^(?:wss?|https?)://[^/\s?#]+(?:/[^\s?#]*)?$")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP, ``[IPv6]`` or ``localhost``) names this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


class ConsoleSettings(msgspec.Struct, frozen=True, rename="upper"):
    """The staff console: the notifier's base URL as browsers reach it, and the dev sign-in."""

    console_notifier_url: str = ""  # empty: the page's host, port 8003 (computed in the browser)
    console_dev_login: bool = False

    def __post_init__(self) -> None:
        _require(
            "CONSOLE_NOTIFIER_URL",
            self.console_notifier_url == ""
            or _BASE_URL.match(self.console_notifier_url) is not None,
            "expected a base URL such as ws://127.0.0.1:8003 or wss://notify.example.com",
        )

    def require_loopback(self, host: str) -> None:
        """Refuse the development sign-in (tokens for anyone) on a non-loopback listener."""
        _require(
            "CONSOLE_DEV_LOGIN",
            not self.console_dev_login or is_loopback(host),
            f"the development sign-in needs a loopback listener, not {host!r} (unset it or use"
            " --host 127.0.0.1)",
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConsoleSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


class SlaSettings(msgspec.Struct, frozen=True, rename="upper"):
    """The first-response target of merchants that have not set their own (SPEC §13)."""

    sla_first_response_seconds: int = 3600

    def __post_init__(self) -> None:
        _require(
            "SLA_FIRST_RESPONSE_SECONDS",
            60 <= self.sla_first_response_seconds <= 604_800,
            "must be 60-604800 seconds",
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SlaSettings:
        """Read and validate from the environment."""
        return _load(cls, environ)


def port_of(service: str, environ: Mapping[str, str] | None = None) -> int:
    """The configured port of ``service`` (``INTAKE_PORT``, ``BACKOFFICE_PORT``, …)."""
    defaults = {"intake": 8001, "backoffice": 8002, "notifier": 8003}
    variable = f"{service.upper()}_PORT"
    raw: Any = (os.environ if environ is None else environ).get(variable, "")
    if raw == "":
        return defaults[service]
    _require(variable, str(raw).isdigit() and 0 < int(raw) < 65536, "must be a TCP port")
    return int(raw)
