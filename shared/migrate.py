"""Apply the Alembic migrations to a database (used by the CLI, ``make run`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.settings import DatabaseSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: DatabaseSettings) -> Config:
    """An Alembic config pointing at the project's migrations and the given database."""
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return config


def upgrade(settings: DatabaseSettings) -> None:
    """Bring the schema to the newest revision."""
    command.upgrade(alembic_config(settings), "head")
