"""The real central ticket store as a separate process, for the client's fault tests and `bench/sync_load.py`:
a fresh database (a SQLite file, or a PostgreSQL schema of its own in database `test`, so runs never see each
other's rows), users with tokens, start / SIGKILL / restart on the same port, and counting what the server stored.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("HOTLINE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("HOTLINE_REQUIRE_POSTGRES") == "1"
_LISTENING = re.compile(r"wss?://([0-9.]+|\[[0-9a-f:]+\]|localhost):(\d+)")
REPO = Path(__file__).resolve().parents[3]


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception:  # any failure means "not usable here"
        return False
    return True


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path, *, base_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A database URL nobody else uses: a new SQLite file, or a new PostgreSQL schema in `base_url`'s database
    (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'central.sqlite3'}"
        return
    schema = f"client_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        # every connection of the server (and of our counting queries) works inside that schema
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def add_users(db_url: str, users: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """Create the schema (migrations) and the users; returns {user_id: token}."""
    from sync.server import db
    from sync.server.store import CentralStore

    engine = db.create_engine(db_url)
    try:
        db.migrate(engine)
        store = CentralStore(engine)
        return {user_id: store.add_user(user_id, role, unit) for user_id, role, unit in users}
    finally:
        engine.dispose()


@dataclass
class StoredCounts:
    """What the server's `operations` table holds for a set of op ids."""

    applied: int
    rejected: int
    missing: list[str]
    changes_per_op: dict[str, int] = field(default_factory=dict)  # op_id -> rows in the change log

    @property
    def stored(self) -> int:
        return self.applied + self.rejected

    @property
    def applied_more_than_once(self) -> list[str]:
        return [op for op, n in self.changes_per_op.items() if n > 1]


def count_stored(db_url: str, op_ids: Iterable[str]) -> StoredCounts:
    wanted = set(op_ids)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            status = {r.op_id: r.status for r in conn.execute(sa.text("SELECT op_id, status FROM operations"))}
            per_op: dict[str, int] = {}
            for row in conn.execute(sa.text(
                    "SELECT op_id, count(*) AS n FROM changes WHERE op_id IS NOT NULL GROUP BY op_id")):
                per_op[row.op_id] = int(row.n)
    finally:
        engine.dispose()
    applied = sum(1 for op in wanted if status.get(op) == "applied")
    rejected = sum(1 for op in wanted if status.get(op) == "rejected")
    missing = sorted(op for op in wanted if op not in status)
    return StoredCounts(applied, rejected, missing, {op: per_op.get(op, 0) for op in wanted})


class CentralProcess:
    """`agent-desktop server --db URL --listen 127.0.0.1:PORT` as a child process. The first start takes an
    OS-chosen port (0) and reads it from the server's output; restarts reuse it so clients find the center again."""

    def __init__(self, db_url: str, *, log_path: Path | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.db_url = db_url
        self.port = 0
        self._extra = extra_args
        self._log_path = log_path
        self._proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self.output: list[str] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self, timeout_s: float = 30.0) -> None:
        assert self._proc is None, "already running"
        command = [sys.executable, "-m", "agent_desktop", "server", "--db", self.db_url,
                   "--listen", f"127.0.0.1:{self.port}", *self._extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        deadline = time.monotonic() + timeout_s
        while True:
            self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                          cwd=REPO, env=env)
            port = self._read_port(deadline)
            if port is not None:
                break
            # a restart can meet the old socket still closing: try again until the deadline
            self._reap()
            if time.monotonic() > deadline:
                raise RuntimeError("the central store did not start:\n" + "".join(self.output[-30:]))
            time.sleep(0.1)
        self.port = port
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()

    def _read_port(self, deadline: float) -> int | None:
        assert self._proc is not None and self._proc.stdout is not None
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line:
                return None  # exited
            self.output.append(line)
            match = _LISTENING.search(line)
            if match:
                return int(match.group(2))
        return None

    def _drain_output(self) -> None:
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        for line in proc.stdout:
            self.output.append(line)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, no flush — a crash."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._reap()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._reap()

    def restart(self) -> None:
        self.kill()
        self.start()

    def _reap(self) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.wait()
        if self._drain is not None:
            self._drain.join(timeout=5)
            self._drain = None
        if proc.stdout is not None:
            proc.stdout.close()
        self._proc = None
        if self._log_path is not None:
            self._log_path.write_text("".join(self.output), encoding="utf-8")
