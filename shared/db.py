"""The SQLAlchemy async engine, the request-scoped transaction, and raw psycopg for hot paths."""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import msgspec
import psycopg
from psycopg.abc import PQGen
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.settings import DatabaseSettings

#: Set on a session by code that wrote an outbox row, so the relay is woken after commit.
OUTBOX_WRITTEN = "outbox_written"


_R = TypeVar("_R")


class BoundedConnection(psycopg.AsyncConnection[Any]):
    """A psycopg connection on which no wait for the server outlasts ``wait_seconds``.

    A frozen or partitioned server keeps the socket open and never answers: neither the server's
    ``statement_timeout`` nor TCP keepalives end that wait, and cancelling the task makes psycopg
    spend another ten seconds trying to cancel on the server. Here the connection is closed at
    the deadline instead: whatever was in flight rolls back on the server, the pool discards the
    connection, and the caller gets an ``OperationalError`` (a 503).
    """

    wait_seconds = 4.0

    async def wait(
        self,
        gen: PQGen[_R],
        interval: float = 0.1,
        timeout: float | None = None,  # noqa: ASYNC109 - psycopg's own signature
    ) -> _R:
        """Run ``gen`` with the connection's deadline unless the caller set a shorter one."""
        bound = self.wait_seconds if timeout is None else min(timeout, self.wait_seconds)
        try:
            return await super().wait(gen, interval, bound)
        except psycopg.errors._WaitTimeout:  # psycopg's own wait deadline (private name)
            self.pgconn.finish()  # the server answers nothing: a rollback would hang as well
            raise psycopg.OperationalError(
                f"database did not answer within {self.wait_seconds:g} s"
            ) from None


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine on psycopg 3 with a bounded pool and a bound on every database wait."""
    seconds = settings.database_timeout_seconds

    class Connection(BoundedConnection):
        wait_seconds = seconds

    async def connect() -> BoundedConnection:
        return await Connection.connect(
            settings.database_url,
            connect_timeout=max(2, math.ceil(seconds)),  # libpq takes whole seconds, at least 2
            # A slow statement is stopped by the server itself, which then stays usable.
            options=f"-c statement_timeout={int(seconds * 1000)}",
            # A peer gone silent (partition, dead host) is noticed on idle pooled connections.
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        )

    return create_async_engine(
        settings.sqlalchemy_url,
        async_creator=connect,
        # A fixed pool: overflow connections are closed on return, and reconnecting under
        # load costs more than waiting for a pooled connection.
        pool_size=settings.database_pool_size,
        max_overflow=0,
        pool_timeout=seconds,
        # No ping per checkout (a round trip per request): a connection broken by a database
        # restart is invalidated on first use, that request gets a 503, the next a fresh one.
        # Parameters stay out of error messages and logs: they hold what visitors typed.
        hide_parameters=True,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (responses are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def session_provider(
    sessions: async_sessionmaker[AsyncSession], after_outbox_commit: Callable[[], None]
) -> Callable[[], AsyncGenerator[AsyncSession, None]]:
    """A Litestar dependency: one transaction per request, committed at its boundary.

    The handler's exception (an ``AppError`` included) rolls everything back, so a rejected
    request writes nothing. Litestar runs this cleanup before the response is sent, so a failed
    commit is a 500, never a lost 201.
    """

    async def provide_session() -> AsyncGenerator[AsyncSession, None]:
        async with sessions() as session, session.begin():
            yield session
        if session.info.pop(OUTBOX_WRITTEN, False):
            after_outbox_commit()

    return provide_session


@asynccontextmanager
async def raw_connection(
    engine: AsyncEngine, *, autocommit: bool = False
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A pooled connection's own psycopg connection, for the statements every submit runs.

    SQLAlchemy's per-statement machinery costs more than the statement on the hot paths (the
    submit's write, the relay's pass). With ``autocommit`` a statement is its own transaction
    (one round trip, no BEGIN nor COMMIT), or the caller sends ``BEGIN`` itself; the connection
    goes back to the pool out of autocommit, with any transaction left open rolled back. (Not
    psycopg's pipeline mode: 3.3 polls the socket in a busy loop while the server answers.)
    psycopg's errors come out as SQLAlchemy's (a dead database is still a 503); a broken
    connection is discarded.
    """
    async with engine.connect() as connection, _driver_of(connection) as pg:
        try:
            await pg.set_autocommit(autocommit)
            yield pg
        finally:
            if autocommit and not connection.invalidated:
                await _leave_autocommit(connection, pg)


@asynccontextmanager
async def session_driver(session: AsyncSession) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """The session's own psycopg connection, in the session's transaction, for statements sent
    as one message; psycopg's errors come out as SQLAlchemy's, a broken connection discarded."""
    async with _driver_of(await session.connection()) as pg:
        yield pg


@asynccontextmanager
async def _driver_of(connection: AsyncConnection) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    raw = await connection.get_raw_connection()
    pg = cast(psycopg.AsyncConnection[Any], raw.driver_connection)
    try:
        yield pg
    except psycopg.Error as exc:
        if (pg.broken or pg.closed) and not connection.invalidated:
            await connection.invalidate()
        raise as_sqlalchemy_error(exc) from exc


def as_sqlalchemy_error(exc: psycopg.Error) -> StatementError:
    """psycopg's error as SQLAlchemy's (IntegrityError, OperationalError, …), parameters hidden."""
    return DBAPIError.instance(None, None, exc, psycopg.Error, hide_parameters=True)


async def _leave_autocommit(connection: AsyncConnection, pg: psycopg.AsyncConnection[Any]) -> None:
    try:
        if pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            await pg.execute("ROLLBACK")
        await pg.set_autocommit(False)
    except psycopg.Error:
        await connection.invalidate()


def json_array(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as one JSON array parameter: a batch of any size is one value, encoded by msgspec
    (thousands of placeholders cost the driver a quarter of intake's CPU at saturation)."""
    return msgspec.json.encode(rows).decode()
