"""Fixtures of the sync tests: PostgreSQL databases made for one test and dropped after it.

The PostgreSQL tests (marked `postgres`) need a server on 127.0.0.1:5432 with trust authentication (user postgres,
or root, database `test`). When none answers they are skipped — unless HOTLINE_REQUIRE_POSTGRES=1 (set by .ci/run),
then they fail, so CI cannot pass without running them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_HOST = os.environ.get("HOTLINE_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HOTLINE_PG_PORT", "5432"))
PG_ADMIN_DB = "test"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server on 127.0.0.1:5432")


def _admin_connect(user: str):
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=PG_ADMIN_DB, autocommit=True,
                           connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_user() -> str:
    """The PostgreSQL role the tests connect as (skips or fails when no server answers)."""
    import psycopg

    errors = []
    for user in ("postgres", "root"):
        try:
            with _admin_connect(user):
                return user
        except psycopg.Error as exc:
            errors.append(f"{user}: {str(exc).strip()[:200]}")
    message = f"PostgreSQL on {PG_HOST}:{PG_PORT} (database {PG_ADMIN_DB}) is not reachable: {'; '.join(errors)}"
    if os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def pg_url(postgres_user: str) -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect(postgres_user) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{postgres_user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with _admin_connect(postgres_user) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
