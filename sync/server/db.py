"""The central store's database: its tables (SQLAlchemy Core), the engine for a URL, and the schema migrations.

SQLite (the default, one file in the user's data folder) serves one server process; PostgreSQL
(``postgresql+psycopg://…``) serves several processes at once. The schema is owned by Alembic: the migration scripts
ship inside this package (`sync/server/migrations/`), run at every server start and by `agent-desktop server
migrate`, so a new release upgrades an existing store in place and a fresh store gets the same schema.

Tables
------
users        who may connect: role, unit, the sha256 of the token (never the token)
orders       the current state of every work order (JSON in `core.serialization`'s form) and its version
changes      the change log: one row per stored operation's result, with a cursor strictly increasing in commit
             order; it is the version history of every order (and knowledge-base entry) and what clients catch up
             from. `units` lists the units that may see the row ("|岳麓区|长沙水业集团|"; centre roles see all)
operations   every operation received exactly once, applied or rejected, with the seat's time, its last sync before
             the step and the server's time (so a replay gets the same answer, and an audit sees every clock); an
             applied one with its command, a rejected one with the sha256 of its command and a short excerpt
kb_entries   the current state of every knowledge-base entry
prefill_feedback_steps  per order and version, the pre-fill feedback of every step that carried one (what was
             suggested, what the order holds, anonymous callers' values sealed), with who sent it and when;
             supervisors read, per order, the latest within the period they ask for
survey_jobs  per order in the return visit, the automated survey's schedule: state, attempts, next attempt's time
survey_attempts  every survey attempt ever claimed, with the dialer's lease, its outcome, digit and recording
server_jobs  leased rows of the centre's scheduled jobs (the clock), so one process of several runs each tick
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from agent_desktop.core.errors import ConfigError, SyncError
from agent_desktop.core.privacy import narrow_file, private_file, private_folder
from agent_desktop.resources import default_data_dir

log = logging.getLogger(__name__)

DEFAULT_DB_FILE = "central-store.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The NOTIFY channel other server processes listen on; the payload is the newest cursor.
NOTIFY_CHANNEL = "agent_desktop_changes"
MIGRATION_LOCK_KEY = 0x12345_0A11_D35D  # beside the writers' lock key (store.ADVISORY_LOCK_KEY)

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("unit", sa.String(128), nullable=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("lead_unit", sa.String(128), nullable=True),
    sa.Column("cursor", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("cursor", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(8), nullable=False),  # "order" or "kb"
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("op_id", sa.String(36), nullable=True),
    sa.Column("units", sa.Text, nullable=True),  # None: every desk may see it (a published KB entry)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.UniqueConstraint("kind", "entity_id", "version", name="uq_changes_entity_version"),
)

operations = sa.Table(
    "operations",
    metadata,
    sa.Column("op_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("seat", sa.String(64), nullable=True),
    sa.Column("base_version", sa.Integer, nullable=True),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),  # the seat's clock
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),  # the server's clock
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),  # the seat's last sync before the step
    sa.Column("step_at", sa.DateTime(timezone=True), nullable=True),  # the time recorded in the order's history
    sa.Column("status", sa.String(8), nullable=False),  # "applied" or "rejected"
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("cursor", sa.BigInteger, nullable=True),
    sa.Column("reject_code", sa.String(64), nullable=True),
    sa.Column("reject_reason", sa.Text, nullable=True),
    sa.Column("reject_article", sa.String(64), nullable=True),
    sa.Column("reject_deadline", sa.String(64), nullable=True),
    sa.Column("command", sa.Text, nullable=False),  # whole when applied; an excerpt when rejected
    sa.Column("command_sha256", sa.String(64), nullable=True),  # of the whole command as received
)
sa.Index("ix_operations_entity", operations.c.kind, operations.c.entity_id)

kb_entries = sa.Table(
    "kb_entries",
    metadata,
    sa.Column("entry_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(128), nullable=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("cursor", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
)


prefill_feedback = sa.Table(
    "prefill_feedback_steps",  # every step's (migration 0005; 0003's `prefill_feedback` kept only the latest)
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),  # the order's version the step made
    sa.Column("op_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("seat", sa.String(64), nullable=True),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),  # the seat's time of the step
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # core.prefill_feedback's JSON, checked when received
)
sa.Index("ix_prefill_feedback_steps_made_at", prefill_feedback.c.made_at)

survey_jobs = sa.Table(
    "survey_jobs",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # core.survey.JobState
    sa.Column("attempts", sa.Integer, nullable=False),  # attempts claimed so far
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),  # the next attempt's earliest time (queued)
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),  # the 72 hours run from here
    sa.Column("outcome", sa.String(32), nullable=True),  # the last attempt's outcome
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_survey_jobs_due", survey_jobs.c.state, survey_jobs.c.next_at)

survey_attempts = sa.Table(
    "survey_attempts",
    metadata,
    sa.Column("attempt_id", sa.String(80), primary_key=True),  # "<order id>#<n>": one row per attempt, ever
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("attempt_no", sa.Integer, nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("dialer", sa.String(64), nullable=False),  # the dialer process (user and client id) holding it
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),  # core.survey.AttemptOutcome
    sa.Column("digit", sa.String(8), nullable=True),
    sa.Column("recording", sa.Text, nullable=True),
)
sa.Index("ix_survey_attempts_open", survey_attempts.c.finished_at, survey_attempts.c.lease_until)
sa.Index("ix_survey_attempts_finished", survey_attempts.c.finished_at)

server_jobs = sa.Table(
    "server_jobs",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),  # "clock"
    sa.Column("owner", sa.String(64), nullable=True),  # the server process holding the lease
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
)


def default_db_url() -> str:
    """The SQLite file in the user's data folder (created with its folder on first use)."""
    return f"sqlite:///{default_data_dir() / DEFAULT_DB_FILE}"


def is_postgres(url: str | sa.URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str | None = None, *, pool_size: int = 5) -> Engine:
    """An engine for `url` (default: `default_db_url()`). Only SQLite and PostgreSQL via psycopg 3 are supported.

    SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys, and BEGIN IMMEDIATE for every
    transaction, so the read of the newest cursor and the write of the next happen under one write lock even if a
    second process opened the same file. Its file holds the personal data of callers who are not anonymous: it is
    created owner-only (its -wal and -shm files take its mode), in an owner-only folder when that is new, and an
    existing one others may read is narrowed with a warning (refused when it cannot be)."""
    text = url or default_db_url()
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise SyncError(f"not a database URL: {_safe(text)}", code="bad_db_url") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_file(Path(database).expanduser())
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise SyncError(
                f"PostgreSQL URLs must use psycopg 3: postgresql+psycopg://…, not {parsed.drivername}",
                code="bad_db_url",
            )
        return sa.create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    raise SyncError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql+psycopg://…",
                    code="bad_db_url")


def _private_sqlite_file(path: Path) -> None:
    try:
        private_folder(path.parent)
        private_file(path, "the central store")
        for suffix in ("-wal", "-shm"):
            narrow_file(path.with_name(path.name + suffix), "the central store's journal")
    except OSError as exc:
        raise SyncError(f"cannot prepare the central store {path}: {exc.strerror or exc}", code="bad_db_url") from exc
    except ConfigError as exc:
        raise SyncError(exc.message, code="file_permissions") from exc


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # let SQLAlchemy (not the driver) issue BEGIN, so it can be BEGIN IMMEDIATE (the pysqlite recipe)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across application crashes
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _safe(url: str) -> str:
    """The URL for messages, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable)"


def safe_url(url: str | sa.URL) -> str:
    return make_url(url).render_as_string(hide_password=True)


def libpq_conninfo(url: str | sa.URL) -> str:
    """The libpq connection string of a postgresql+psycopg URL (for psycopg's own async connection)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest migration; returns the revision now in force."""
    from alembic import command  # noqa: PLC0415 - alembic is only needed when migrating
    from alembic.config import Config  # noqa: PLC0415
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # several server processes starting together on a fresh database: one migrates, the others wait
                # here and then find nothing to do (DDL is transactional on PostgreSQL)
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise SyncError(f"cannot migrate the store at {safe_url(engine.url)}: {_reason(exc)}",
                        code="db_unavailable") from exc


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
