"""The SQLAlchemy async engine and the request-scoped transaction."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.settings import DatabaseSettings

#: Set on a session by code that wrote an outbox row, so the relay is woken after commit.
OUTBOX_WRITTEN = "outbox_written"


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine on psycopg 3 with a bounded pool."""
    return create_async_engine(
        settings.sqlalchemy_url,
        # A fixed pool: overflow connections are closed on return, and reconnecting under
        # load costs more than waiting for a pooled connection.
        pool_size=settings.database_pool_size,
        max_overflow=0,
        # No ping per checkout (a round trip per request): a connection broken by a database
        # restart is invalidated on first use, that request gets a 503, the next a fresh one.
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
