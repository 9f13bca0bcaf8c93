"""The seat's local store: the work orders this seat works with, the outbox of operations not yet acknowledged by the
central ticket store, and the sync cursor. SQLite (WAL) through SQLAlchemy 2 Core.

Theory of operation
-------------------
Offline first: every change the seat makes to a work order is taken by the domain core (`lifecycle.apply`, or
`open_work_order` for intake) and then written, in ONE SQLite transaction, as the order's new local state AND an
outbox row (an *operation*: a client-made UUID `op_id`, the order id, a per-store increasing `seq`, the command as
JSON, the step's time and actor). Either both rows are on disk or neither is; the UI shows "saved" only after the
commit returns. Nothing here needs the network: the seat keeps working while the center is down.

Each order row keeps two copies:
- the **server copy** (`server_json`, `server_version`): the last state the central store told us about, the
  authority;
- the **local view** (`local_json`): the server copy with this seat's still-pending operations re-applied on top,
  in `seq` order, through the same core. This is what the screen shows.

The rule for changes from elsewhere (`apply_remote_change`): the server is authoritative. A change with a newer
version replaces the server copy, and the local view is rebuilt as server copy + pending operations. A pending
operation is never dropped silently: if it no longer applies on top of the new server state, it stays pending
(the server decides and will reject it, and the rejection is shown), it is only left out of the local view and
counted in `conflicts`. A change with a version we already have (the fan-out of our own acked op, a duplicate, a
late out-of-order delivery) changes nothing but the cursor.

An ack (`mark_acked`) moves the operation to `acked` and makes its result the new server copy (the order the
server sent with the ack, else the op replayed on the old server copy — the server applies the same core to the
same time and actor). A reject (`mark_rejected`) moves the operation to `rejected` with the server's code and text,
which the UI lists until the agent dismisses it; the local view is rebuilt without it, so the order on screen
returns to the server's state plus whatever else is still pending. An intake whose `open` is rejected leaves no
order behind; its data stays readable in the rejected operation.

Cost: each outbox row also keeps `result_json`, the order as this seat computed it right after that op. When the
center's result of the order's first pending op is the same text, the view (server + pending) cannot change, so an
ack decodes and replays nothing — a seat that comes back with k steps queued on one order settles them in O(k).
Results that arrive together (`results()`) share one transaction, and the statements of this hot path are built
once at import. Every write also holds a process-wide lock (SQLite admits one writer anyway), so `_commits` counts
commits in commit order and status snapshots (`StoreBrief.as_of`) can be ordered.

Durability: `journal_mode=WAL` with `synchronous=FULL`. In WAL mode NORMAL is already safe against the process
being killed (the WAL is in the OS page cache), but a power cut or an OS crash may roll back the last commits —
i.e. lose an order the agent saw as saved. FULL fsyncs the WAL on every commit; that costs one fsync per step a
human takes (a few per minute per seat), which is nothing. Writes take the database lock at BEGIN
(`BEGIN IMMEDIATE`), so the read-modify-write of one step can never interleave with another writer (the CLI, a
second process on the same file) and never meets SQLite's lock-upgrade deadlock.

Memory: each connection's page cache is bounded to `STORE_CACHE_KIB` (SQLite's default is 2 MiB per connection, and
the engine keeps up to five connections open all day): the store is read in short transactions by a few threads, and
the operating system's file cache already holds the file's hot pages once for all of them.

The schema is created on first open and versioned by `schema_version` in `sync_state`; a store written by a newer
version is refused rather than misread. (Alembic manages the central store; a single-user cache file that is
rebuilt from the server when in doubt does not need it.)

May import `agent_desktop`, `sync.operations` (the apply rule shared with the server) and sqlalchemy; never `ui`,
never the server.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from agent_desktop.core import lifecycle
from agent_desktop.core.errors import AgentDesktopError, ConfigError, InvalidCommand, SyncError
from agent_desktop.core.lifecycle import Command, RuleContext
from agent_desktop.core.prefill_feedback import PrefillFeedback, feedback_to_dict
from agent_desktop.core.privacy import narrow_file, private_file, private_folder
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import (
    OpenWorkOrder,
    command_from_dict,
    command_to_dict,
    work_order_from_dict,
    work_order_from_json,
    work_order_to_json,
)
from agent_desktop.core.work_order import Caller, CallLink, Category, Channel, Urgency, WorkOrder
from sync.operations import apply_operation, step_time

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
STORE_CACHE_KIB = 1024  # each connection's page cache (PRAGMA cache_size=-KiB)
STORE_FILE_NAME = "seat-store.sqlite3"



class OperationState(StrEnum):
    PENDING = "pending"
    ACKED = "acked"
    REJECTED = "rejected"


metadata = sa.MetaData()

orders_table = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.String, primary_key=True),
    sa.Column("server_json", sa.Text, nullable=True),  # null: opened here, not yet acknowledged
    sa.Column("server_version", sa.Integer, nullable=False, default=0),
    sa.Column("local_json", sa.Text, nullable=True),  # null only while an order has neither copy (transient)
    sa.Column("pending", sa.Boolean, nullable=False, default=False),
    sa.Column("conflicts", sa.Integer, nullable=False, default=0),  # pending ops left out of the local view
    sa.Column("updated_at", sa.String, nullable=False),
)

outbox_table = sa.Table(
    "outbox",
    metadata,
    sa.Column("op_id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("order_id", sa.String, nullable=False, index=True),
    sa.Column("operation", sa.Text, nullable=False),
    # the order as this seat computed it right after this op (server copy + the pending ops up to this one); an
    # ack whose order has the same text leaves the view as it is (see StoreResults.mark_acked)
    sa.Column("result_json", sa.Text, nullable=True),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, default=OperationState.PENDING.value, index=True),
    sa.Column("server_version", sa.Integer, nullable=True),
    sa.Column("reject_code", sa.String, nullable=True),
    sa.Column("reject_text", sa.Text, nullable=True),
    sa.Column("reject_article", sa.String, nullable=True),  # the rule the center applied (第13条 …), if one did
    sa.Column("settled_at", sa.String, nullable=True),
    sa.Column("dismissed", sa.Boolean, nullable=False, default=False),  # a rejection the agent has seen
)
# An order's pending ops in seq order, read on every ack and rebuild. Without it SQLite picks ix_outbox_state and
# walks every pending row of the store per ack (O(queue) per ack, O(queue²) to drain a backlog).
_OUTBOX_PENDING_OF_ORDER = sa.Index("ix_outbox_order_state_seq", outbox_table.c.order_id, outbox_table.c.state,
                                    outbox_table.c.seq)

# The centre's early warnings of 第33条 (`warning` messages of the change feed), kept for the desk's "my tasks":
# one row per warning id, as the centre raised it (kind, orders, deadline, the Chinese line; the centre's warnings hold
# order ids and figures, never a caller's data), and whether the agent has seen it.
warnings_table = sa.Table(
    "centre_warnings",
    metadata,
    sa.Column("warning_id", sa.String, primary_key=True),
    sa.Column("cursor", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),
    sa.Column("order_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("unit", sa.String, nullable=True),
    sa.Column("due", sa.String, nullable=True),  # the deadline the warning is about (ISO), if any
    sa.Column("raised_at", sa.String, nullable=True),  # when the centre's clock raised it (ISO)
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("seen", sa.Boolean, nullable=False, default=False),
)

sync_state_table = sa.Table(
    "sync_state",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# The statements of the hot path (every ack, change and step), built once: constructing a SQLAlchemy statement and
# its cache key costs several times more than running it on SQLite.
_B = sa.bindparam
_o, _x, _k = orders_table.c, outbox_table.c, sync_state_table.c
_SELECT_ORDER = sa.select(orders_table).where(_o.order_id == _B("p_order_id"))
_SELECT_SERVER_VERSION = sa.select(_o.server_version).where(_o.order_id == _B("p_order_id"))
_SELECT_SERVER_JSON = sa.select(_o.server_json).where(_o.order_id == _B("p_order_id"))
_SELECT_OP = sa.select(_x.op_id, _x.seq, _x.order_id, _x.state, _x.operation, _x.result_json).where(
    _x.op_id == _B("p_op_id"))
_SET_RESULT = outbox_table.update().where(_x.op_id == _B("p_op_id")).values(result_json=_B("p_result"))
_SELECT_PENDING_OF_ORDER = (
    sa.select(_x.op_id, _x.operation)
    .where(_x.order_id == _B("p_order_id"), _x.state == OperationState.PENDING.value)
    .order_by(_x.seq)
)
_SETTLE_PENDING = (
    outbox_table.update()
    .where(_x.op_id == _B("p_op_id"), _x.state == OperationState.PENDING.value)
    .values(state=_B("p_state"), server_version=_B("p_version"), settled_at=_B("p_at"))
)
_SET_VIEW = orders_table.update().where(_o.order_id == _B("p_order_id")).values(
    local_json=_B("p_local"), pending=_B("p_pending"), conflicts=_B("p_conflicts"), updated_at=_B("p_at"))
_SET_SERVER_AND_VIEW = orders_table.update().where(_o.order_id == _B("p_order_id")).values(
    server_json=_B("p_server"), server_version=_B("p_version"), local_json=_B("p_local"), pending=_B("p_pending"),
    conflicts=_B("p_conflicts"), updated_at=_B("p_at"))
_SET_SERVER_KEEP_VIEW = orders_table.update().where(_o.order_id == _B("p_order_id")).values(
    server_json=_B("p_server"), server_version=_B("p_version"), pending=_B("p_pending"), updated_at=_B("p_at"))
_FIRST_PENDING_SEQ_OF_ORDER = sa.select(sa.func.min(_x.seq)).where(
    _x.order_id == _B("p_order_id"), _x.state == OperationState.PENDING.value)
_SELECT_ORDER_ID = sa.select(_o.order_id).where(_o.order_id == _B("p_order_id"))
_SET_LOCAL_STEP = orders_table.update().where(_o.order_id == _B("p_order_id")).values(
    local_json=_B("p_local"), pending=True, updated_at=_B("p_at"))
_INSERT_ORDER = orders_table.insert()
_INSERT_OP = outbox_table.insert()
_LAST_SEQ = sa.select(sa.func.coalesce(sa.func.max(_x.seq), 0))
_LATEST_OP_ID = sa.select(_x.op_id).order_by(_x.seq.desc()).limit(1)
_GET_STATE = sa.select(_k.value).where(_k.key == _B("p_key"))
_PUT_STATE = sync_state_table.update().where(_k.key == _B("p_key")).values(value=_B("p_value"))
_COUNT_PENDING = sa.select(sa.func.count()).select_from(outbox_table).where(
    _x.state == OperationState.PENDING.value)
_COUNT_REJECTIONS = sa.select(sa.func.count()).select_from(outbox_table).where(
    _x.state == OperationState.REJECTED.value, _x.dismissed.is_(False))
_SELECT_PENDING_AFTER = (
    sa.select(outbox_table).where(_x.state == OperationState.PENDING.value, _x.seq > _B("p_after"))
    .order_by(_x.seq).limit(_B("p_limit"))
)

# keys of sync_state
_K_SCHEMA = "schema_version"
_K_CLIENT_ID = "client_id"
_K_CURSOR = "cursor"
_K_LAST_ACK = "last_ack_at"
_K_LAST_SYNC = "last_sync_at"
_K_LAST_ERROR = "last_error"
_K_ORDER_SEQUENCE = "order_sequence:"  # + the prefix of the day's numbers of this seat
_K_LAST_ERROR_AT = "last_error_at"


@dataclass(frozen=True, slots=True)
class PendingOperation:
    """One outbox row as the client pushes it."""

    op_id: str
    seq: int
    order_id: str
    operation: Mapping[str, Any]  # {"at": iso, "actor": {...}, "command": command_to_dict(...)}
    created_at: datetime

    @property
    def action(self) -> str:
        return str(self.operation["command"]["action"])

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.operation["at"])

    @property
    def command(self) -> Mapping[str, Any]:
        return self.operation["command"]

    @property
    def feedback(self) -> Mapping[str, Any] | None:
        """The pre-fill feedback pushed with the step (`core.prefill_feedback`'s dict), if any."""
        return self.operation.get("feedback")

    @property
    def synced_at(self) -> datetime | None:
        """When the seat had last synced before the step (its own clock), never after the step itself; the centre
        refuses a step dated before it."""
        text = self.operation.get("synced_at")
        return min(datetime.fromisoformat(text), self.at) if text else None


@dataclass(frozen=True, slots=True)
class Rejection:
    op_id: str
    seq: int
    order_id: str
    code: str
    text: str
    operation: Mapping[str, Any]
    rejected_at: datetime | None
    article: str | None = None  # the regulation's article when a rule refused the step


@dataclass(frozen=True, slots=True)
class CentreWarning:
    """An early warning of 第33条 the centre's clock raised and pushed to this desk (`protocol.WarningNotice`).
    `kind` and `severity` are `core.early_warning`'s `WarningKind` / `Severity` values; `text` the Chinese line to
    show. Order ids and figures only: the centre puts no caller's data in a warning."""

    warning_id: str
    kind: str
    severity: str
    order_ids: tuple[str, ...]
    text: str
    unit: str | None
    due: datetime | None
    raised_at: datetime | None
    seen: bool


@dataclass(frozen=True, slots=True)
class StoreBrief:
    """The store's status for the status bar. `as_of`: this process's write commits the snapshot includes at least
    (exactly, when taken inside a write); a snapshot with a smaller `as_of` than one already shown is older."""

    queue_depth: int
    cursor: int | None
    last_sync_at: datetime | None
    rejections: int
    as_of: int = 0


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What `agent-desktop sync status` and the status bar show of the store itself."""

    path: Path
    client_id: str
    queue_depth: int
    cursor: int | None
    last_ack_at: datetime | None
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    rejections: int
    pending: tuple[PendingOperation, ...] = field(default_factory=tuple)


def default_store_path() -> Path:
    """The store file in the user's data directory (platformdirs), as `sync status` and the desktop use it."""
    from agent_desktop.resources import default_data_dir  # noqa: PLC0415 (platformdirs: only when asked)

    return default_data_dir() / STORE_FILE_NAME


def _utcnow() -> datetime:
    # bookkeeping times only (created/settled/acked); the steps' own times are passed in by the caller
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _warning(row: Any) -> CentreWarning:
    return CentreWarning(row.warning_id, row.kind, row.severity, tuple(json.loads(row.order_ids)), row.text, row.unit,
                         _parse_moment(row.due), _parse_moment(row.raised_at), bool(row.seen))


def _parse_moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def actor_to_dict(actor: Actor) -> dict[str, Any]:
    return {"user_id": actor.user_id, "role": actor.role.value, "unit": actor.unit, "seat": actor.seat}


def actor_from_dict(data: Mapping[str, Any]) -> Actor:
    if not isinstance(data, Mapping):
        raise InvalidCommand("an operation's actor must be an object", code="bad_value")
    unknown = set(data) - {"user_id", "role", "unit", "seat"}
    if unknown:
        raise InvalidCommand(f"unknown actor field(s): {', '.join(sorted(unknown))}", code="unknown_field")
    role = data.get("role")
    if not isinstance(role, str) or role not in {r.value for r in Role}:
        raise InvalidCommand(f"unknown role {role!r}", code="bad_value")
    return Actor(data.get("user_id"), Role(role), unit=data.get("unit"), seat=data.get("seat"))  # type: ignore[arg-type]


class LocalStore:
    """The seat's store. Thread-safe in the sense SQLite is: each call checks a connection out of the pool and runs
    one transaction; calls from the UI thread and the sync loop's thread do not share a connection."""

    def __init__(self, path: str | os.PathLike[str], *, ctx: RuleContext | None = None,
                 synchronous: str = "FULL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise SyncError("synchronous must be FULL or NORMAL", code="bad_config")
        self._path = Path(path).expanduser()
        self._ctx = ctx or RuleContext.default()
        try:
            # callers' personal data: an owner-only folder when new, an owner-only file (its -wal and -shm too)
            private_folder(self._path.parent)
            private_file(self._path, "the seat's store")
            for suffix in ("-wal", "-shm"):
                narrow_file(self._path.with_name(self._path.name + suffix), "the seat's store journal")
        except OSError as exc:
            raise SyncError(f"cannot create the folder of the local store {self._path}: {exc}",
                            code="store_unavailable") from exc
        except ConfigError as exc:
            raise SyncError(exc.message, code="file_permissions") from exc
        self._engine = _sqlite_engine(self._path, synchronous)
        self._write_lock = threading.Lock()
        self._commits = 0  # write transactions committed by this process
        self._prepare_schema()

    # --- lifecycle ------------------------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def engine(self) -> Engine:
        """The store's engine, for the knowledge-base index (`sync.kb_index`) that keeps its tables in this file."""
        return self._engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction on the store file (BEGIN IMMEDIATE; committed on success, rolled back on error)."""
        with self._write() as conn:
            yield conn

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LocalStore({str(self._path)!r})"

    # --- the seat's steps (one transaction each: the order's new state and its outbox row) -----------------------

    def open_order(
        self,
        order_id: str,
        *,
        channel: Channel,
        actor: Actor,
        now: datetime,
        caller: Caller | None = None,
        category: Category | None = None,
        description: str = "",
        urgency: Urgency = Urgency.NORMAL,
        call: CallLink | None = None,
        feedback: PrefillFeedback | None = None,
    ) -> WorkOrder:
        """Intake: open a work order (the core checks everything) and queue its `open` operation. Returns the order
        as saved. An id already known here is refused (`order_exists`), nothing written. `feedback`: the order's
        pre-fill feedback, pushed with the operation."""
        command = OpenWorkOrder(channel=channel, caller=caller, category=category, description=description,
                                urgency=urgency, call=call)
        order = command.open(order_id, actor, now)
        operation = _operation(command, actor, now, 0, feedback)
        with self._write() as conn:
            if conn.execute(_SELECT_ORDER_ID, {"p_order_id": order_id}).first():
                raise InvalidCommand(f"work order {order_id} already exists on this seat", code="order_exists",
                                     details={"order_id": order_id})
            conn.execute(_INSERT_ORDER, {
                "order_id": order_id, "server_json": None, "server_version": 0,
                "local_json": (text := work_order_to_json(order)), "pending": True, "conflicts": 0,
                "updated_at": _iso(_utcnow())})
            self._append_operation(conn, order_id, operation, text)
        return order

    def apply_local(self, order_id: str, command: Command, actor: Actor, now: datetime, *,
                    feedback: PrefillFeedback | None = None) -> WorkOrder:
        """Take one step on the order as this seat sees it and queue the operation. A step the core refuses raises
        (TransitionRefused / InvalidCommand) and writes nothing. `feedback` as for `open_order`."""
        with self._write() as conn:
            row = self._order_row(conn, order_id)
            if row is None or row.local_json is None:
                raise InvalidCommand(f"work order {order_id} is not on this seat", code="unknown_order",
                                     details={"order_id": order_id})
            current = work_order_from_json(row.local_json)
            updated = lifecycle.apply(current, command, actor, now, self._ctx)
            operation = _operation(command, actor, now, int(row.server_version), feedback)
            conn.execute(_SET_LOCAL_STEP, {"p_order_id": order_id, "p_local": (text := work_order_to_json(updated)),
                                           "p_at": _iso(_utcnow())})
            self._append_operation(conn, order_id, operation, text)
        return updated

    # --- reading ---------------------------------------------------------------------------------------------------

    def get_order(self, order_id: str) -> WorkOrder | None:
        """The local view of the order (server copy + pending steps), or None when this seat does not hold it."""
        with self._read() as conn:
            row = self._order_row(conn, order_id)
        return work_order_from_json(row.local_json) if row is not None and row.local_json else None

    def server_copy(self, order_id: str) -> tuple[WorkOrder | None, int]:
        """The last state the server told us about, with its version (None, 0 when the server has not got it)."""
        with self._read() as conn:
            row = self._order_row(conn, order_id)
        if row is None or row.server_json is None:
            return None, 0
        return work_order_from_json(row.server_json), int(row.server_version)

    def orders(self) -> list[WorkOrder]:
        """Every order's local view, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(orders_table.c.local_json).where(orders_table.c.local_json.is_not(None))
                .order_by(orders_table.c.updated_at.desc())
            ).all()
        return [work_order_from_json(r.local_json) for r in rows]

    def orders_of_caller(self, phone_key: str, *, limit: int = 200) -> list[WorkOrder]:
        """The local view of the orders of the number with this fingerprint (`Caller.phone_key`), newest first: the
        screen pop's earlier orders and repeat-caller flag. Read in SQLite (`json_extract`), not by loading every
        order."""
        if not phone_key:
            return []
        with self._read() as conn:
            rows = conn.execute(
                sa.select(orders_table.c.local_json)
                .where(orders_table.c.local_json.is_not(None),
                       sa.func.json_extract(orders_table.c.local_json, "$.caller.phone_key") == phone_key)
                .order_by(orders_table.c.updated_at.desc()).limit(limit)
            ).all()
        return [work_order_from_json(r.local_json) for r in rows]

    def order_ids(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(sa.select(orders_table.c.order_id).order_by(orders_table.c.order_id)).scalars())

    def is_pending(self, order_id: str) -> bool:
        with self._read() as conn:
            row = self._order_row(conn, order_id)
        return bool(row is not None and row.pending)

    def pending_operations(self, *, after_seq: int = 0, limit: int | None = None) -> list[PendingOperation]:
        """Pending operations in push order (seq), optionally only those after `after_seq`."""
        with self._read() as conn:
            rows = conn.execute(_SELECT_PENDING_AFTER, {"p_after": after_seq, "p_limit": -1 if limit is None
                                                        else limit}).all()
        return [_pending(r) for r in rows]

    def pending_and_brief(self, after_seq: int, limit: int) -> tuple[list[PendingOperation], StoreBrief]:
        """`pending_operations(after_seq=, limit=)` and `brief()` from one read transaction (the client's pusher)."""
        as_of = self._commits
        with self._read() as conn:
            rows = conn.execute(_SELECT_PENDING_AFTER, {"p_after": after_seq, "p_limit": limit}).all()
            return [_pending(r) for r in rows], self._brief(conn, as_of)

    def latest_op_id(self) -> str | None:
        """The op id of the operation saved last (the one a step just queued)."""
        with self._read() as conn:
            return conn.execute(_LATEST_OP_ID).scalar_one_or_none()

    def queue_depth(self) -> int:
        with self._read() as conn:
            return int(conn.execute(
                sa.select(sa.func.count()).select_from(outbox_table)
                .where(outbox_table.c.state == OperationState.PENDING.value)
            ).scalar_one())

    def operation_state(self, op_id: str) -> OperationState | None:
        with self._read() as conn:
            value = conn.execute(
                sa.select(outbox_table.c.state).where(outbox_table.c.op_id == op_id)
            ).scalar_one_or_none()
        return OperationState(value) if value is not None else None

    def operation_counts(self) -> dict[str, int]:
        """Outbox rows by state (for tests, the bench and `sync status`)."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(outbox_table.c.state, sa.func.count()).group_by(outbox_table.c.state)
            ).all()
        counts = {s.value: 0 for s in OperationState}
        counts.update({state: int(n) for state, n in rows})
        return counts

    def operations(self) -> list[tuple[str, str, OperationState]]:
        """(op_id, order_id, state) of every operation ever queued here, in seq order."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(outbox_table.c.op_id, outbox_table.c.order_id, outbox_table.c.state)
                .order_by(outbox_table.c.seq)
            ).all()
        return [(r.op_id, r.order_id, OperationState(r.state)) for r in rows]

    def rejections(self, *, include_dismissed: bool = False) -> list[Rejection]:
        query = sa.select(outbox_table).where(outbox_table.c.state == OperationState.REJECTED.value)
        if not include_dismissed:
            query = query.where(outbox_table.c.dismissed.is_(False))
        with self._read() as conn:
            rows = conn.execute(query.order_by(outbox_table.c.seq)).all()
        return [
            Rejection(r.op_id, r.seq, r.order_id, r.reject_code or "", r.reject_text or "", json.loads(r.operation),
                      _parse_moment(r.settled_at), r.reject_article or None)
            for r in rows
        ]

    def warnings(self, *, include_seen: bool = True) -> list[CentreWarning]:
        """The centre's warnings this desk received, newest first (`include_seen=False`: those not yet seen)."""
        w = warnings_table.c
        query = sa.select(warnings_table).order_by(w.cursor.desc())
        if not include_seen:
            query = query.where(w.seen.is_(False))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_warning(r) for r in rows]

    def mark_warning_seen(self, warning_id: str) -> bool:
        """The agent has seen the warning (it stays, for the record); False for an id this desk never received."""
        with self._write() as conn:
            done = conn.execute(warnings_table.update().where(warnings_table.c.warning_id == warning_id)
                                .values(seen=True))
        return bool(done.rowcount)

    def dismiss_rejection(self, op_id: str) -> None:
        """The agent has seen the rejection; it leaves the list (the row stays, for the record)."""
        with self._write() as conn:
            conn.execute(outbox_table.update().where(outbox_table.c.op_id == op_id).values(dismissed=True))

    # --- results from the server -----------------------------------------------------------------------------------

    @contextmanager
    def results(self) -> Iterator[StoreResults]:
        """One transaction for a run of results from the server (acks, rejects, changes, cursors): the client
        applies whatever arrived together at once, so a catch-up of thousands of changes costs a few commits."""
        with self._write() as conn:
            results = StoreResults(self, conn)
            yield results
            results.finish()

    def mark_acked(self, op_id: str, server_version: int, cursor: int | None = None, *,
                   order: WorkOrder | Mapping[str, Any] | None = None, order_json: str | None = None) -> bool:
        """See `StoreResults.mark_acked` (one transaction)."""
        with self.results() as results:
            return results.mark_acked(op_id, server_version, cursor, order=order, order_json=order_json)

    def mark_rejected(self, op_id: str, code: str, text: str, *, order: WorkOrder | Mapping[str, Any] | None = None,
                      server_version: int | None = None, article: str | None = None) -> bool:
        """See `StoreResults.mark_rejected` (one transaction)."""
        with self.results() as results:
            return results.mark_rejected(op_id, code, text, order=order, server_version=server_version,
                                         article=article)

    def apply_remote_change(self, order_id: str, version: int, order: WorkOrder | Mapping[str, Any],
                            cursor: int | None = None, *, op_id: str | None = None) -> WorkOrder | None:
        """See `StoreResults.apply_remote_change` (one transaction). Returns the order's local view."""
        with self.results() as results:
            results.apply_remote_change(order_id, version, order, cursor, op_id=op_id)
            row = self._order_row(results.conn, order_id)
        return work_order_from_json(row.local_json) if row is not None and row.local_json else None

    def apply_remote_changes(self, changes: Sequence[tuple[str, int, Mapping[str, Any] | WorkOrder, int | None,
                                                           str | None]]) -> None:
        """A batch of changes, (order_id, version, order, cursor, op_id) each, in one transaction."""
        with self.results() as results:
            for order_id, version, order, cursor, op_id in changes:
                results.apply_remote_change(order_id, version, order, cursor, op_id=op_id)

    # --- cursor and sync bookkeeping -------------------------------------------------------------------------------

    def cursor(self) -> int | None:
        """The position in the server's change feed up to which every change has been applied here."""
        with self._read() as conn:
            value = self._get(conn, _K_CURSOR)
        return int(value) if value is not None else None

    def set_cursor(self, cursor: int) -> None:
        """Move the cursor forward (never back: a late duplicate must not make us fetch everything again)."""
        with self._write() as conn:
            self._advance_cursor(conn, cursor)

    @property
    def client_id(self) -> str:
        with self._read() as conn:
            value = self._get(conn, _K_CLIENT_ID)
        assert value is not None  # written when the schema is created
        return value

    def record_error(self, text: str | None, at: datetime | None = None) -> None:
        """Remember the last sync error (None clears it), so `sync status` in another process can show it."""
        with self._write() as conn:
            if text is None:
                conn.execute(sync_state_table.delete().where(sync_state_table.c.key.in_([_K_LAST_ERROR,
                                                                                          _K_LAST_ERROR_AT])))
            else:
                self._put(conn, _K_LAST_ERROR, text[:500])
                self._put(conn, _K_LAST_ERROR_AT, _iso(at or _utcnow()))

    def record_sync(self, at: datetime | None = None) -> None:
        with self._write() as conn:
            self._put(conn, _K_LAST_SYNC, _iso(at or _utcnow()))

    def brief(self) -> StoreBrief:
        """What the status bar needs after every sync step, cheaply (one read transaction, prebuilt statements)."""
        as_of = self._commits  # every commit counted here is visible to the read that follows
        with self._read() as conn:
            return self._brief(conn, as_of)

    def _brief(self, conn: Connection, as_of: int) -> StoreBrief:
        depth = int(conn.execute(_COUNT_PENDING).scalar_one())
        rejected = int(conn.execute(_COUNT_REJECTIONS).scalar_one())
        cursor = self._get(conn, _K_CURSOR)
        last_sync = self._get(conn, _K_LAST_SYNC)
        return StoreBrief(depth, int(cursor) if cursor is not None else None, _parse_moment(last_sync), rejected,
                          as_of)

    def status(self, *, list_pending: int = 50) -> StoreStatus:
        with self._read() as conn:
            values = {r.key: r.value for r in conn.execute(sa.select(sync_state_table.c.key, sync_state_table.c.value))}
            depth = int(conn.execute(_COUNT_PENDING).scalar_one())
            rejected = int(conn.execute(
                sa.select(sa.func.count()).select_from(outbox_table).where(
                    outbox_table.c.state == OperationState.REJECTED.value, outbox_table.c.dismissed.is_(False))
            ).scalar_one())
            rows = conn.execute(
                sa.select(outbox_table).where(outbox_table.c.state == OperationState.PENDING.value)
                .order_by(outbox_table.c.seq).limit(list_pending)
            ).all() if list_pending > 0 else []
        return StoreStatus(
            path=self._path,
            client_id=values[_K_CLIENT_ID],
            queue_depth=depth,
            cursor=int(values[_K_CURSOR]) if _K_CURSOR in values else None,
            last_ack_at=_parse_moment(values.get(_K_LAST_ACK)),
            last_sync_at=_parse_moment(values.get(_K_LAST_SYNC)),
            last_error=values.get(_K_LAST_ERROR),
            last_error_at=_parse_moment(values.get(_K_LAST_ERROR_AT)),
            rejections=rejected,
            pending=tuple(_pending(r) for r in rows),
        )

    # --- the seat's order numbers (a per-seat daily sequence; agent_desktop.order_numbers) ----------------------------

    def last_order_sequence(self, prefix: str) -> int:
        """The last number this seat gave under `prefix` ("20261207-8001"), 0 when none yet."""
        with self._read() as conn:
            value = self._get(conn, _K_ORDER_SEQUENCE + prefix)
        return int(value) if value is not None else 0

    def note_order_sequence(self, prefix: str, number: int) -> int:
        """Keep `number` as given under `prefix` (never lowering what is kept: writes may come in any order);
        returns what is kept."""
        key = _K_ORDER_SEQUENCE + prefix
        with self._write() as conn:
            current = self._get(conn, key)
            kept = max(int(current) if current is not None else 0, int(number))
            self._put(conn, key, str(kept))
        return kept

    # --- internals -------------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, begun IMMEDIATE (see the module docstring). This process's writers also take a
        lock around the whole transaction — SQLite admits one writer anyway — so `_commits` counts commits in
        commit order, which is what orders the status snapshots (`StoreBrief.as_of`)."""
        try:
            with self._write_lock, self._engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
                self._commits += 1
        except SQLAlchemyError as exc:
            raise SyncError(f"the local store {self._path} failed: {exc}", code="store_failed") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot (WAL readers never block the writer)."""
        try:
            with self._engine.connect() as conn:
                conn.exec_driver_sql("BEGIN")
                try:
                    yield conn
                finally:
                    conn.exec_driver_sql("ROLLBACK")
        except SQLAlchemyError as exc:
            raise SyncError(f"the local store {self._path} failed: {exc}", code="store_failed") from exc

    def _prepare_schema(self) -> None:
        with self._write() as conn:
            metadata.create_all(conn)
            # a store created before the index existed gets it here (create_all adds indexes only with new tables)
            _OUTBOX_PENDING_OF_ORDER.create(conn, checkfirst=True)
            # a store created before rejections kept their article gets the column (additive: older readers ignore it)
            columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(outbox)")}
            if "reject_article" not in columns:
                conn.exec_driver_sql("ALTER TABLE outbox ADD COLUMN reject_article VARCHAR")
            version = self._get(conn, _K_SCHEMA)
            if version is None:
                self._put(conn, _K_SCHEMA, str(SCHEMA_VERSION))
            elif int(version) > SCHEMA_VERSION:
                raise SyncError(
                    f"the local store {self._path} was written by a newer version (schema {version}); "
                    f"this one reads schema {SCHEMA_VERSION}",
                    code="store_too_new",
                )
            if self._get(conn, _K_CLIENT_ID) is None:
                self._put(conn, _K_CLIENT_ID, str(uuid.uuid4()))

    def _append_operation(self, conn: Connection, order_id: str, operation: Mapping[str, Any],
                          result_json: str) -> str:
        seq = int(conn.execute(_LAST_SEQ).scalar_one()) + 1
        op_id = str(uuid.uuid4())
        synced_at = self._get(conn, _K_LAST_SYNC)
        if synced_at is not None:  # the centre refuses a step dated before the seat's last sync (issue 15)
            operation = {**operation, "synced_at": synced_at}
        conn.execute(_INSERT_OP, {
            "op_id": op_id, "seq": seq, "order_id": order_id,
            "operation": json.dumps(operation, ensure_ascii=False, allow_nan=False), "result_json": result_json,
            "created_at": _iso(_utcnow()), "state": OperationState.PENDING.value, "dismissed": False})
        return op_id

    @staticmethod
    def _order_row(conn: Connection, order_id: str) -> Any:
        return conn.execute(_SELECT_ORDER, {"p_order_id": order_id}).first()

    @staticmethod
    def _get(conn: Connection, key: str) -> str | None:
        return conn.execute(_GET_STATE, {"p_key": key}).scalar_one_or_none()

    @staticmethod
    def _put(conn: Connection, key: str, value: str) -> None:
        updated = conn.execute(_PUT_STATE, {"p_key": key, "p_value": value})
        if updated.rowcount == 0:
            conn.execute(sync_state_table.insert().values(key=key, value=value))

    def _advance_cursor(self, conn: Connection, cursor: int) -> None:
        current = self._get(conn, _K_CURSOR)
        if current is None or int(cursor) > int(current):
            self._put(conn, _K_CURSOR, str(int(cursor)))

    def _set_server_copy(self, conn: Connection, order_id: str, order: WorkOrder, version: int) -> None:
        """The server copy is `order` at `version`; the local view follows (rebuilt on it)."""
        self._rebuild(conn, order_id, server=(work_order_to_json(order), version))

    def _insert_server_order(self, conn: Connection, order_id: str, order: WorkOrder, version: int) -> None:
        conn.execute(orders_table.insert().values(
            order_id=order_id, server_json=None, server_version=0, local_json=None, pending=False, conflicts=0,
            updated_at=_iso(_utcnow()),
        ))
        self._rebuild(conn, order_id, server=(work_order_to_json(order), version))

    @staticmethod
    def _pending_if_view_kept(conn: Connection, op_row: Any, order_row: Any, server_text: str) -> bool | None:
        """Whether acking this op (already settled in this transaction) leaves the local view as it is: it was the
        order's first pending op (the view was built as the old server copy + this op + the rest) and the center's
        result is, to the character, what this seat computed for it. Then nothing is decoded or replayed: a backlog
        of k steps on one order is acked in O(k), not O(k²). None when it does not; else whether the order still
        has pending ops (the same read answers both, so the caller need not ask again)."""
        if not order_row.pending or op_row.result_json is None or op_row.result_json != server_text:
            return None
        first = conn.execute(_FIRST_PENDING_SEQ_OF_ORDER, {"p_order_id": op_row.order_id}).scalar_one_or_none()
        if first is not None and first <= op_row.seq:
            return None  # an earlier step of this order is still pending: the view was not built on this one first
        return first is not None

    def _replay(self, base: WorkOrder | None, order_id: str, operation: Mapping[str, Any]) -> WorkOrder | None:
        """The order after one queued operation on `base`, as the core computes it (None if it does not apply:
        a step on an order the server does not have)."""
        command = command_from_dict(operation["command"])
        actor = actor_from_dict(operation["actor"])
        made_at = datetime.fromisoformat(operation["at"])
        if isinstance(command, OpenWorkOrder) and base is not None:
            return base  # the server already holds the order (the open was applied): it adds nothing on top
        if base is None and not isinstance(command, OpenWorkOrder):
            return None
        # the same rule as the server's for the recorded time: never before the order's last step
        return apply_operation(base, order_id, command, actor=actor, now=step_time(made_at, made_at, base),
                               ctx=self._ctx)

    def _rebuild(self, conn: Connection, order_id: str, *, server: tuple[str, int] | None = None) -> None:
        """local view := server copy (the new one, `server` = (json, version), when given) + this order's pending
        operations re-applied in seq order. One UPDATE of the order row."""
        pending_rows = conn.execute(_SELECT_PENDING_OF_ORDER, {"p_order_id": order_id}).all()
        if server is not None:
            server_json: str | None = server[0]
        else:
            server_json = conn.execute(_SELECT_SERVER_JSON, {"p_order_id": order_id}).scalar_one_or_none()

        def write(local: str | None, conflicts: int) -> None:
            values = {"p_order_id": order_id, "p_local": local, "p_pending": bool(pending_rows),
                      "p_conflicts": conflicts, "p_at": _iso(_utcnow())}
            if server is None:
                conn.execute(_SET_VIEW, values)
            else:
                conn.execute(_SET_SERVER_AND_VIEW, values | {"p_server": server[0], "p_version": server[1]})

        if not pending_rows and server_json is not None:
            write(server_json, 0)  # nothing of ours on top: the view is the server copy (no decoding)
            return
        view = work_order_from_json(server_json) if server_json else None
        text = server_json
        conflicts = 0
        for op in pending_rows:
            try:
                replayed = self._replay(view, order_id, json.loads(op.operation))
            except AgentDesktopError as exc:
                # the server has moved on in a way this step no longer fits; it stays queued, the server decides
                logger.info("pending operation %s no longer applies to order %s locally: %s", op.op_id, order_id,
                            exc.code)
                replayed = None
            if replayed is None:
                conflicts += 1
                conn.execute(_SET_RESULT, {"p_op_id": op.op_id, "p_result": None})
                continue
            view, text = replayed, work_order_to_json(replayed)
            conn.execute(_SET_RESULT, {"p_op_id": op.op_id, "p_result": text})
        if view is None and not pending_rows:
            conn.execute(orders_table.delete().where(orders_table.c.order_id == order_id))
            return
        write(text if view is not None else None, conflicts)


class StoreResults:
    """The results from the server applied inside one store transaction (`LocalStore.results()`). The bookkeeping
    (cursor, last ack, last sync) is written once, when the run is done."""

    def __init__(self, store: LocalStore, conn: Connection) -> None:
        self._store = store
        self.conn = conn
        self._cursor: int | None = None
        self._acked = False
        self._touched = False

    def mark_acked(self, op_id: str, server_version: int, cursor: int | None = None, *,
                   order: WorkOrder | Mapping[str, Any] | None = None, order_json: str | None = None) -> bool:
        """The server applied the operation (once) and its order is at `server_version`. The op leaves the queue
        and its result becomes the server copy: `order` when given, else the op replayed on the old server copy
        the way the server applies it (`sync.operations`: same core, same actor, same step time). `order_json`,
        when given, is `order` as the center wrote it (`Ack.order_json`). Returns False for an op this store does
        not know or has already settled (a duplicate ack changes nothing)."""
        store, conn = self._store, self.conn
        self._touched = True
        if cursor is not None:
            self.set_cursor(cursor)
        row = conn.execute(_SELECT_OP, {"p_op_id": op_id}).first()
        if row is None or row.state != OperationState.PENDING.value:
            return False
        self._acked = True
        conn.execute(_SETTLE_PENDING, {"p_op_id": op_id, "p_state": OperationState.ACKED.value,
                                       "p_version": server_version, "p_at": _iso(_utcnow())})
        order_row = store._order_row(conn, row.order_id)
        if order_row is None or server_version <= int(order_row.server_version):
            store._rebuild(conn, row.order_id)  # a newer state is already here; the op just leaves the view's queue
            return True
        server_order = _as_order(order)
        server_text = _server_text(server_order, order_json, row.result_json)
        still_pending = (store._pending_if_view_kept(conn, row, order_row, server_text)
                         if server_text is not None else None)
        if still_pending is not None:
            # the center did exactly what this seat did first: the view (server + pending on top) is unchanged
            conn.execute(_SET_SERVER_KEEP_VIEW, {
                "p_order_id": row.order_id, "p_server": server_text, "p_version": server_version,
                "p_pending": still_pending, "p_at": _iso(_utcnow())})
            return True
        if server_order is None:
            base = work_order_from_json(order_row.server_json) if order_row.server_json else None
            try:
                server_order = store._replay(base, row.order_id, json.loads(row.operation))
            except AgentDesktopError as exc:
                # the server saw a state we have not received yet; its change message will bring it
                logger.info("acked operation %s does not replay on our copy of %s (%s); waiting for the change",
                            op_id, row.order_id, exc.code)
        if server_order is None:
            store._rebuild(conn, row.order_id)
        else:
            store._set_server_copy(conn, row.order_id, server_order, server_version)
        return True

    def mark_rejected(self, op_id: str, code: str, text: str, *, order: WorkOrder | Mapping[str, Any] | None = None,
                      server_version: int | None = None, article: str | None = None) -> bool:
        """The server refused the operation for good. It is kept as `rejected` with the server's code and text
        (the UI lists it until dismissed) and the order's local view is rebuilt without it: the server's state
        (`order`, when given and newer) plus whatever else is still pending. A newer server state arrives as a
        change anyway. Returns False for an unknown or already settled op."""
        store, conn = self._store, self.conn
        self._touched = True
        row = conn.execute(_SELECT_OP, {"p_op_id": op_id}).first()
        if row is None or row.state != OperationState.PENDING.value:
            return False
        conn.execute(outbox_table.update().where(outbox_table.c.op_id == op_id).values(
            state=OperationState.REJECTED.value, reject_code=str(code)[:200], reject_text=str(text)[:2000],
            reject_article=str(article)[:64] if article else None,
            settled_at=_iso(_utcnow()),
        ))
        server_order = _as_order(order)
        order_row = store._order_row(conn, row.order_id)
        if server_order is not None and server_version is not None and order_row is None:
            store._insert_server_order(conn, row.order_id, server_order, server_version)
        elif server_order is not None and server_version is not None and \
                server_version > int(order_row.server_version):
            store._set_server_copy(conn, row.order_id, server_order, server_version)
        else:
            store._rebuild(conn, row.order_id)
        logger.warning("operation %s on order %s rejected by the server: %s", op_id, row.order_id, code)
        return True

    def apply_remote_change(self, order_id: str, version: int, order: WorkOrder | Mapping[str, Any],
                            cursor: int | None = None, *, op_id: str | None = None) -> None:
        """A change made anywhere (another seat, a unit, the center, or the fan-out of our own op). The server is
        authoritative: a newer version replaces the server copy and the local view is rebuilt as server copy +
        this seat's pending steps re-applied; a step that no longer applies stays pending for the server to
        decide and is left out of the view. A version we already have (our own op's fan-out after its ack, a
        duplicate, a late out-of-order delivery) changes nothing but the cursor. When `op_id` is one of ours
        still pending, the change is its ack (the ack itself was lost)."""
        store, conn = self._store, self.conn
        self._touched = True
        server_order = _as_order(order)
        if server_order is None or server_order.order_id != order_id:
            raise SyncError(f"a change for order {order_id} carries another order", code="bad_change",
                            details={"order_id": order_id})
        settled = False
        if op_id is not None:
            settled = conn.execute(_SETTLE_PENDING, {"p_op_id": op_id, "p_state": OperationState.ACKED.value,
                                                     "p_version": version, "p_at": _iso(_utcnow())}).rowcount > 0
            self._acked = self._acked or settled
        row = conn.execute(_SELECT_SERVER_VERSION, {"p_order_id": order_id}).first()
        if row is None:
            store._insert_server_order(conn, order_id, server_order, version)
        elif version > int(row.server_version):
            store._set_server_copy(conn, order_id, server_order, version)
        elif settled:
            store._rebuild(conn, order_id)
        if cursor is not None:
            self.set_cursor(cursor)

    def set_cursor(self, cursor: int) -> None:
        self._cursor = cursor if self._cursor is None else max(self._cursor, cursor)

    def warnings(self, warning_ids: Sequence[str]) -> list[CentreWarning]:
        """The warnings of these ids as this run wrote them (for the client's listeners)."""
        rows = self.conn.execute(sa.select(warnings_table).where(warnings_table.c.warning_id.in_(list(warning_ids)))
                                 .order_by(warnings_table.c.cursor)).all()
        return [_warning(r) for r in rows]

    def add_warning(self, notice: Any) -> bool:
        """Keep one of the centre's warnings (a `protocol.WarningNotice`); the same id again (a catch-up after a
        lost cursor) changes nothing. True when it is new."""
        self.set_cursor(notice.cursor)
        w = warnings_table.c
        if self.conn.execute(sa.select(w.warning_id).where(w.warning_id == notice.warning_id)).first() is not None:
            return False
        self.conn.execute(warnings_table.insert().values(
            warning_id=notice.warning_id, cursor=notice.cursor, kind=notice.kind, severity=notice.severity,
            order_ids=json.dumps(list(notice.order_ids), ensure_ascii=False), unit=notice.unit, due=notice.deadline,
            raised_at=notice.raised_at, text=notice.message, seen=False))
        return True

    def brief(self) -> StoreBrief:
        """The store's status as it will be once this run commits (its bookkeeping written first)."""
        self.finish()
        # inside the write transaction (and the process's write lock): exactly the state of the next commit
        return self._store._brief(self.conn, self._store._commits + 1)

    def reset_cursor(self) -> None:
        """Forget the cursor (the center's log was replaced and resends everything): the one way it moves back."""
        self._store._put(self.conn, _K_CURSOR, "0")
        self._cursor = None

    def finish(self) -> None:
        """Write the run's bookkeeping (called by `LocalStore.results()` before the commit; again is harmless)."""
        store, conn = self._store, self.conn
        if self._cursor is not None:
            store._advance_cursor(conn, self._cursor)
        now = _iso(_utcnow())
        if self._acked:
            store._put(conn, _K_LAST_ACK, now)
        if self._touched or self._cursor is not None:
            store._put(conn, _K_LAST_SYNC, now)
        self._cursor, self._acked, self._touched = None, False, False


def _operation(command: Any, actor: Actor, now: datetime, base_version: int,
               feedback: PrefillFeedback | None = None) -> dict[str, Any]:
    """The outbox form of one step: the command as the wire carries it, who took it, when, and the server version
    of the order the seat had then (0 when the server does not have the order yet); the pre-fill feedback that
    travels with it, checked here (a bad one raises before anything is written)."""
    operation = {"at": _iso(now), "actor": actor_to_dict(actor), "base_version": base_version,
                 "command": command_to_dict(command)}
    if feedback is not None:
        operation["feedback"] = feedback_to_dict(feedback)
    return operation


def _pending(row: Any) -> PendingOperation:
    return PendingOperation(row.op_id, int(row.seq), row.order_id, json.loads(row.operation),
                            datetime.fromisoformat(row.created_at))


def _server_text(order: WorkOrder | None, order_json: str | None, computed: str | None) -> str | None:
    """The canonical text of the center's order. The center's own text, when it is exactly what this seat computed
    (itself canonical: written by `work_order_to_json`), is that text; encoding the order again, the costliest part
    of an ack, is left for when they differ."""
    if order is None:
        return None
    if order_json is not None and order_json == computed:
        return order_json
    return work_order_to_json(order)


def _as_order(order: WorkOrder | Mapping[str, Any] | None) -> WorkOrder | None:
    if order is None or isinstance(order, WorkOrder):
        return order
    return work_order_from_dict(order)


def _sqlite_engine(path: Path, synchronous: str) -> Engine:
    """An engine whose connections run WAL with `synchronous` (FULL unless a bench compares) and leave transactions
    to us (isolation_level None: pysqlite's own implicit BEGIN would be DEFERRED and could deadlock on upgrade)."""
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")  # one of two literals, checked above
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute(f"PRAGMA cache_size=-{int(STORE_CACHE_KIB)}")
        finally:
            cursor.close()

    return engine
