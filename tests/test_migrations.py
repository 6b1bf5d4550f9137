"""The schema the tests run on is built by the migrations, and matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from shared.models import Base
from shared.settings import DatabaseSettings


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(database_url=database_url).sqlalchemy_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
