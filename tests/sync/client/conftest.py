"""Fixtures of the client's tests: the real central store (a child process, so it can be SIGKILLed) on SQLite and on
PostgreSQL (a fresh database per test, from tests/sync/conftest.py), with users and their tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sync.client.central import CentralProcess, add_users

LEAD = "岳麓区人民政府"
USERS = [
    ("agent-a", "agent", None),
    ("agent-b", "agent", None),
    ("sup-1", "supervisor", None),
    ("unit-yl", "unit", LEAD),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("pg_url")


@dataclass
class Central:
    process: CentralProcess
    tokens: dict[str, str]
    db_url: str

    @property
    def url(self) -> str:
        return self.process.url

    def token_file(self, folder: Path, user: str) -> Path:
        path = folder / f"{user}.token"
        path.write_text(self.tokens[user], encoding="utf-8")
        path.chmod(0o600)
        return path


@pytest.fixture
def central(db_url: str, tmp_path: Path) -> Iterator[Central]:
    tokens = add_users(db_url, USERS)
    process = CentralProcess(db_url, log_path=tmp_path / "server.log")
    process.start()
    try:
        yield Central(process, tokens, db_url)
    finally:
        process.stop()
