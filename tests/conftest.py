"""Session fixtures: real PostgreSQL and Redis (embedded unless TEST_*_URL), migrated schema."""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.embedded import RedisServer, start_postgres
from shared.migrate import upgrade
from shared.settings import DatabaseSettings
from tests.support import ROOT, Database, ServiceProcess

#: Random per session: a fixed value would be a known key (and a placeholder-looking one).
JWT_SECRET = secrets.token_hex(32)


@pytest.fixture(scope="session")
def run_id() -> str:
    """Unique per test session, so parallel runs on shared servers never collide."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scratch space for embedded servers."""
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A PostgreSQL server: ``TEST_DATABASE_URL``, else an embedded one under .data/."""
    return os.environ.get("TEST_DATABASE_URL") or start_postgres(ROOT / ".data" / "test-postgres")


@contextlib.contextmanager
def migrated_database(admin_url: str, name: str) -> Iterator[str]:
    """Create database ``name``, build its schema by running the migrations, drop it after."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin_url.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    try:
        upgrade(DatabaseSettings(database_url=url))
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(postgres_admin_url: str, run_id: str) -> Iterator[str]:
    """A fresh database for this session, built by running the Alembic migrations."""
    with migrated_database(postgres_admin_url, f"test_{run_id}") as url:
        yield url


@pytest.fixture
def own_database_url(postgres_admin_url: str, run_id: str) -> Iterator[str]:
    """A database of this test alone: no other process's outbox relay can touch its rows."""
    with migrated_database(postgres_admin_url, f"test_{run_id}_{uuid.uuid4().hex[:6]}") as url:
        yield url


@pytest.fixture(scope="session")
def db(database_url: str) -> Database:
    """Direct SQL access to the test database."""
    return Database(database_url)


@pytest.fixture(scope="session")
def redis_url(tmp_root: Path) -> Iterator[str]:
    """A Redis server: ``TEST_REDIS_URL``, else a redis-server process of our own."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    server = RedisServer(tmp_root / "redis").start()
    yield server.url
    server.remove()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of this test alone, which it may empty, stop, restart or snapshot."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def stream_key(run_id: str) -> str:
    """This session's event stream (a shared Redis may hold other sessions' streams)."""
    return f"test:{run_id}:inquiry:events"


@pytest.fixture(scope="session")
def rsa_private_key() -> rsa.RSAPrivateKey:
    """The key staff tokens are RS256-signed with; services get its public half."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """The PEM text ``JWT_PUBLIC_KEY`` holds."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="session")
def base_env(
    database_url: str, redis_url: str, stream_key: str, rsa_private_key: rsa.RSAPrivateKey
) -> dict[str, str]:
    """Environment every service process of this session gets."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STREAM_KEY": stream_key,
        "JWT_SECRET": JWT_SECRET,
        "JWT_PUBLIC_KEY": public_pem(rsa_private_key),
        "LOG_LEVEL": "INFO",
        "INTAKE_RATE_LIMIT_PER_IP": "0",
        "INTAKE_RATE_LIMIT_PER_MERCHANT": "0",
        "INTAKE_ALLOWED_ORIGINS": "https://site.example",
    }


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client to read what the services wrote."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def intake(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """One intake process shared by the tests that do not stop anything."""
    service = ServiceProcess("intake", base_env).start()
    yield service
    service.stop()
