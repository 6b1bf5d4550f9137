"""Typed settings read from the environment: one object per concern, validated at start.

Every settings class is an :class:`EnvSettings`: its fields are environment variables (the field
name upper-cased), converted and checked by msgspec, and a bad value names its variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Annotated, Self

import msgspec
from msgspec import Meta


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot start with."""


def _require(variable: str, ok: bool, message: str) -> None:
    if not ok:
        raise SettingsError(f"{variable}: {message}")


class EnvSettings(msgspec.Struct, frozen=True, rename="upper"):
    """Base of every settings class: one field per environment variable."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read and validate from the environment (``os.environ`` unless given)."""
        source: Mapping[str, str] = os.environ if environ is None else environ
        names = (f.encode_name for f in msgspec.structs.fields(cls))
        present = {name: source[name] for name in names if source.get(name, "") != ""}
        try:
            return msgspec.convert(present, cls, strict=False)
        except msgspec.ValidationError as exc:
            # msgspec says "... - at `$.INTAKE_PORT`": the variable is named in the message.
            raise SettingsError(f"invalid environment: {exc}") from exc


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


class DatabaseSettings(EnvSettings, frozen=True):
    """Where PostgreSQL is (a plain libpq URI) and how long any wait on it may last."""

    database_url: str = ""
    database_pool_size: Annotated[int, Meta(ge=1)] = 20
    database_timeout_seconds: Annotated[float, Meta(ge=1, le=30)] = 3.0

    def __post_init__(self) -> None:
        _require(
            "DATABASE_URL",
            self.database_url == ""
            or self.database_url.startswith(("postgresql://", "postgres://")),
            "expected a postgresql:// URI",
        )

    @property
    def sqlalchemy_url(self) -> str:
        """The URI with the psycopg 3 driver named, as SQLAlchemy wants it."""
        rest = self.database_url.split("://", 1)[1]
        return f"postgresql+psycopg://{rest}"


class RedisSettings(EnvSettings, frozen=True):
    """Where Redis is, single node or cluster, and the stream the events go to."""

    redis_url: str = ""
    redis_cluster: bool = False
    redis_timeout_seconds: Annotated[float, Meta(gt=0, le=5)] = 0.5
    stream_key: Annotated[str, Meta(min_length=1)] = "outreach:inquiry:events"
    stream_maxlen: Annotated[int, Meta(ge=1000)] = 100_000

    def __post_init__(self) -> None:
        _require(
            "REDIS_URL",
            self.redis_url == "" or self.redis_url.startswith(("redis://", "rediss://", "unix://")),
            "expected a redis://, rediss:// or unix:// URL",
        )


#: Words that mark a value copied from documentation rather than generated (case-insensitive).
PLACEHOLDER_WORDS = (
    "change-me", "changeme", "change_me", "secret", "example", "placeholder", "replace",
    "password", "default", "sample", "dummy", "insecure", "todo", "xxxx",
)  # fmt: skip


def placeholder_word(value: str) -> str | None:
    """The placeholder word ``value`` contains, if any."""
    lowered = value.lower()
    return next((word for word in PLACEHOLDER_WORDS if word in lowered), None)


class AuthSettings(EnvSettings, frozen=True):
    """How staff tokens are signed: HS256 with ``JWT_SECRET``, or RS256 with a public key.

    There is no built-in secret: a known value would let anyone mint tokens.
    """

    jwt_secret: str = ""
    jwt_public_key: str = ""

    def __post_init__(self) -> None:
        if self.jwt_public_key:
            from jwt.algorithms import RSAAlgorithm

            try:
                RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(self.jwt_public_key)
            except Exception as exc:
                raise SettingsError(f"JWT_PUBLIC_KEY: not a PEM RSA public key ({exc})") from exc
        hint = "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        _require("JWT_SECRET", self.jwt_secret != "", f"is required; {hint}")
        _require("JWT_SECRET", len(self.jwt_secret) >= 32, "must be at least 32 characters")
        word = placeholder_word(self.jwt_secret)
        _require("JWT_SECRET", word is None, f"looks like a placeholder ({word!r}); {hint}")
        _require("JWT_SECRET", len(set(self.jwt_secret)) >= 8, "has too few distinct characters")


class LogSettings(EnvSettings, frozen=True):
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


class ServerSettings(EnvSettings, frozen=True):
    """What every HTTP server bounds: slow clients, concurrency, shutdown drain, metrics access."""

    http_max_header_bytes: Annotated[int, Meta(ge=1024, le=1024 * 1024)] = 32 * 1024
    http_header_timeout_seconds: Annotated[float, Meta(gt=0, le=300)] = 10.0
    http_keep_alive_seconds: Annotated[int, Meta(ge=1, le=300)] = 5
    http_max_concurrency: Annotated[int, Meta(ge=1)] = 1000
    shutdown_drain_seconds: Annotated[float, Meta(ge=0, le=120)] = 3.0
    #: Bearer token ``/metrics`` requires; empty leaves it open (restrict it at the proxy then).
    metrics_token: str = ""

    def __post_init__(self) -> None:
        _require(
            "METRICS_TOKEN",
            self.metrics_token == "" or len(self.metrics_token) >= 16,
            "must be at least 16 characters (or empty: /metrics open)",
        )


class IntakeSettings(EnvSettings, frozen=True):
    """The public intake service: CORS, rate limits and trusted proxies."""

    intake_allowed_origins: str = ""
    intake_rate_limit_per_ip: str = "120/minute"
    intake_rate_limit_per_merchant: str = "1200/minute"
    intake_trusted_proxies: str = ""

    def __post_init__(self) -> None:
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


class NotifierSettings(EnvSettings, frozen=True):
    """The WebSocket notifier: auth deadline, per-socket queue, subscription cap, stream reads."""

    notifier_auth_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 10.0
    notifier_queue_size: Annotated[int, Meta(ge=10)] = 1000
    notifier_max_subscriptions: Annotated[int, Meta(ge=1)] = 100
    notifier_block_ms: Annotated[int, Meta(ge=100, le=60_000)] = 5000
    # At most STREAM_MAXLEN's minimum: a trim gap then always shows as a full batch.
    notifier_read_count: Annotated[int, Meta(ge=1, le=1000)] = 500
    notifier_close_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 10.0
    notifier_replay_max_entries: Annotated[int, Meta(ge=0, le=1_000_000)] = 10_000
    notifier_replay_max_age_seconds: Annotated[float, Meta(gt=0)] = 3600.0
    notifier_replay_rate: str = "100/minute"
    notifier_max_connections_per_user: Annotated[int, Meta(ge=1)] = 20
    notifier_max_unauthenticated: Annotated[int, Meta(ge=1)] = 1000
    notifier_shutdown_delay_seconds: Annotated[float, Meta(ge=0, le=60)] = 0.0

    def __post_init__(self) -> None:
        self.replay_rate  # noqa: B018 - validate now, not on the first resume

    @property
    def replay_rate(self) -> RateLimit:
        """Subscribes with ``since`` allowed per socket (a burst of ``count``, then refilled)."""
        return parse_rate("NOTIFIER_REPLAY_RATE", self.notifier_replay_rate)


_DEFAULT_PORTS = {"intake": 8001, "backoffice": 8002, "notifier": 8003}


_BASE_URL = re.compile(r"^(?:wss?|https?)://[^/\s?#]+(?:/[^\s?#]*)?$")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP, ``[IPv6]`` or ``localhost``) names this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


class ConsoleSettings(EnvSettings, frozen=True):
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


class SlaSettings(EnvSettings, frozen=True):
    """The first-response target of merchants that have not set their own (SPEC §13)."""

    sla_first_response_seconds: Annotated[int, Meta(ge=60, le=604_800)] = 3600


def port_of(service: str, environ: Mapping[str, str] | None = None) -> int:
    """The configured port of ``service`` (``INTAKE_PORT``, ``BACKOFFICE_PORT``, …)."""
    variable = f"{service.upper()}_PORT"
    raw = (os.environ if environ is None else environ).get(variable, "")
    if raw == "":
        return _DEFAULT_PORTS[service]
    _require(variable, raw.isdigit() and 0 < int(raw) < 65536, "must be a TCP port")
    return int(raw)
