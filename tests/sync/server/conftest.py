"""A real central store server on 127.0.0.1 (OS-chosen port) over SQLite and over PostgreSQL, with its users."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.server.app import CentralServer

LEAD = "岳麓区人民政府"
OTHER = "长沙水业集团"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("pg_url")


@dataclass
class Tokens:
    agent: str
    agent2: str
    supervisor: str
    unit: str  # the lead unit LEAD
    other_unit: str  # OTHER
    leader: str


@pytest.fixture
async def server(db_url: str) -> AsyncIterator[CentralServer]:
    central = CentralServer(db_url)
    await central.start()
    try:
        yield central
    finally:
        await central.stop()


@pytest.fixture
def tokens(server: CentralServer) -> Tokens:
    store = server.store
    return Tokens(
        agent=store.add_user("agent-007", "agent"),
        agent2=store.add_user("agent-008", "agent"),
        supervisor=store.add_user("sup-1", "supervisor"),
        unit=store.add_user("unit-yl", "unit", LEAD),
        other_unit=store.add_user("unit-water", "unit", OTHER),
        leader=store.add_user("leader-1", "leader_seat", "市住建局"),
    )
