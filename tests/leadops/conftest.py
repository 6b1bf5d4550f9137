"""Lead-operations fixtures: processes on a database of their own, and rows written directly.

Deadlines are made to fall due within seconds (instead of the 60 s minimum target) by moving a
row's ``created_at`` and ``due_at`` back in SQL after it was created through the API, or by
inserting rows with the deadline wanted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.backoffice.conftest import api, backoffice
from tests.notifier.conftest import notifier
from tests.support import Database, ServiceProcess

__all__ = ["api", "backoffice", "notifier"]  # other folders' fixtures, for these tests too

# Every NOT NULL column without a server default, so a row can be written without the API.
_INSERT = """
INSERT INTO inquiries (id, merchant_id, type, name, email, business_name, subject, message,
                       locale, status, is_spam, created_at, due_at, deleted_at)
VALUES (%(id)s, %(merchant_id)s, 'sales', %(name)s, %(email)s, 'Acme', 'Hello', 'Hi there',
        'en', %(status)s, %(is_spam)s, now() - %(age)s * interval '1 second',
        now() + %(due_in)s * interval '1 second', %(deleted_at)s)
"""


def insert_inquiry(db: Database, merchant_id: str, **values: Any) -> uuid.UUID:
    """Write one inquiry directly: NEW, one hour old and due now unless ``values`` say otherwise.

    ``age`` and ``due_in`` are seconds before and after the database's now.
    """
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "merchant_id": merchant_id,
        "name": "Ann",
        "email": "ann@example.com",
        "status": "NEW",
        "is_spam": False,
        "age": 3600,
        "due_in": 0,
        "deleted_at": None,
        **values,
    }
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(_INSERT, row)
    identifier: uuid.UUID = row["id"]
    return identifier


def backdate(db: Database, inquiry_id: str, seconds: float) -> None:
    """Move an inquiry's creation and deadline ``seconds`` into the past."""
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(
            "UPDATE inquiries SET created_at = created_at - %s * interval '1 second', "
            "due_at = due_at - %s * interval '1 second' WHERE id = %s",
            (seconds, seconds, inquiry_id),
        )


@pytest.fixture
def own_env(base_env: dict[str, str], own_database_url: str) -> dict[str, str]:
    """Environment of processes on a database and a stream no other test's processes touch."""
    return {
        **base_env,
        "DATABASE_URL": own_database_url,
        "STREAM_KEY": f"test:lead:{uuid.uuid4().hex[:8]}",
    }


@pytest.fixture
def own_db(own_database_url: str) -> Database:
    """Direct SQL on the test's own database."""
    return Database(own_database_url)


@pytest.fixture
def own_backoffice(own_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A backoffice on the test's own database."""
    service = ServiceProcess("backoffice", own_env).start()
    yield service
    service.stop()
