"""Database errors never carry the statement's parameters (what visitors and staff typed)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.db import create_engine
from shared.settings import DatabaseSettings


async def test_sql_parameters_stay_out_of_error_messages(database_url: str) -> None:
    engine = create_engine(DatabaseSettings(database_url=database_url))
    try:
        with pytest.raises(DBAPIError, match="division by zero") as caught:
            async with engine.connect() as connection:
                await connection.execute(
                    text("SELECT 1 / :zero, :reply"), {"zero": 0, "reply": "a private reply"}
                )
        assert "a private reply" not in str(caught.value)
        assert "hidden due to hide_parameters" in str(caught.value)
    finally:
        await engine.dispose()
