"""The survey tests run over SQLite and PostgreSQL (the sync tests' fresh-database fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.conftest import pg_url, postgres_user  # noqa: F401 - fixtures


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("pg_url")
