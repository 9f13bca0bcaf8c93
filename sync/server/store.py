"""The central ticket store: users and tokens, and applying operations exactly once.

Blocking (SQLAlchemy); the websocket server runs it on its own threads. Every write goes through `apply_batch`,
which the server calls with whatever operations arrived together (group commit): one transaction for the batch,
each operation still checked, stored and answered on its own.

Exactly once: the operation's `op_id` is the primary key of `operations`. A push whose op_id is stored gets the
stored answer again (the same ack with its version, cursor and the order as that operation left it; or the same
reject), never a second application.

Authority: the step is checked by `core.lifecycle.apply` with the Actor the server built from the authenticated
user (its role and unit from the users table, the seat from the hello), never with anything the client claims.
A unit may act only on orders it may see (`operations.may_see`), whatever the core would allow; an order it may not
see and one that does not exist are refused alike, and another user's operation id tells nothing of that operation.
A step dated before it can have been taken is refused (`operations.check_step_time`); the last part of an order's
size is the centre's (`operations.size_limit`). Of a rejected operation only a bounded record is kept.

Cursor order: every write transaction first takes a global lock (PostgreSQL: a transaction-level advisory lock,
SQLite: BEGIN IMMEDIATE), then numbers its changes max(cursor)+1, …, so changes commit in cursor order without gaps
and a reader that has seen cursor c has seen everything before it. At our rates (thousands of operations a second at
most, batched) serialising the writers costs little and makes catch-up simple and exact.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from agent_desktop.core.errors import AgentDesktopError, SyncError, TransitionRefused
from agent_desktop.core.lifecycle import RuleContext
from agent_desktop.core.prefill_feedback import FEEDBACK_SENDERS, check_feedback_seals, feedback_to_json
from agent_desktop.core.privacy import FieldCipher, check_sealed_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import (
    command_to_dict,
    history_entry_to_dict,
    work_order_from_dict,
    work_order_to_dict,
)
from agent_desktop.core.work_order import HistoryEntry, WorkOrder
from sync import protocol
from sync.operations import (
    MAX_CLOCK_SKEW,
    apply_operation,
    audience_units,
    check_step_time,
    may_see,
    size_limit,
    step_time,
)
from sync.server import db

log = logging.getLogger(__name__)

# Any fixed 64-bit number, the same in every process sharing one PostgreSQL: the key of the writers' lock.
ADVISORY_LOCK_KEY = 0x12345_0A11_D35C
TOKEN_BYTES = 32
MAX_BATCH = 256
# An order travels whole in one frame (change, ack): leave room for the envelope around it.
MAX_ORDER_BYTES = protocol.MAX_MESSAGE_BYTES - 4096
_ORDER_CACHE_SIZE = 4096
_FIRST_SEEN_CACHE_SIZE = 65_536
# What is kept of a rejected operation: its id, who and when, the reason (capped), the sha256 of the whole command
# and an excerpt of it with the caller left out. A rejected command is never applied, so keeping it whole would only
# let a user fill the disk (issue 15: 300 rejected 200,000-character pushes grew SQLite by 61 MB).
REJECTED_EXCERPT_CHARS = 500
REJECTED_REASON_CHARS = 1000
FEEDBACK_PAGE_BYTES = protocol.MAX_MESSAGE_BYTES // 2  # a feedback page's items, well within one frame


def hash_token(token: str) -> str:
    """sha256 of the token. Tokens are 32 random bytes, so a fast hash is enough (nothing to brute-force), and it
    lets the store find the user by the hash alone."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    role: Role
    unit: str | None

    def actor(self, seat: str | None) -> Actor:
        return Actor(self.user_id, self.role, unit=self.unit, seat=seat)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may receive a change: every centre role always; agents and leader seats when `seats`; units named in
    `units`, or every unit when `all_units`."""

    units: tuple[str, ...] = ()
    seats: bool = True
    all_units: bool = False

    def admits(self, actor: Actor) -> bool:
        if actor.role in (Role.SUPERVISOR, Role.SYSTEM):
            return True
        if actor.role is Role.SURVEY:
            return False  # the dialer gets its numbers from its claims, never the orders themselves
        if actor.role is Role.UNIT:
            return self.all_units or (actor.unit is not None and actor.unit in self.units)
        return self.seats

    def to_text(self) -> str:
        return json.dumps({"units": list(self.units), "seats": self.seats, "all_units": self.all_units},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str | None) -> Audience:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(tuple(data.get("units", ())), bool(data.get("seats", True)), bool(data.get("all_units", False)))


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One entry of the change log, with its message text built once for every client that receives it."""

    cursor: int
    kind: str
    entity_id: str
    version: int
    audience: Audience
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Submitted:
    """An operation as the server received it: who sent it (from the token), and when."""

    user: User
    seat: str | None
    message: protocol.Push | protocol.KbPush
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one submitted operation (the ack or reject text) and the change it made, if any."""

    op_id: str
    text: str
    applied: bool
    code: str | None = None  # the reject code
    change: ChangeRow | None = None


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _with_payload(head: dict[str, Any], name: str, payload: str | None) -> str:
    """A message whose `name` field is stored JSON text, joined in without decoding and re-encoding it (the store
    wrote that text itself with the core's serializer, so it is valid JSON)."""
    text = _dumps(head)
    return f'{text[:-1]},"{name}":{payload if payload is not None else "null"}}}'


def change_text(cursor: int, kind: str, entity_id: str, *, version: int, op_id: str | None, payload: str) -> str:
    if kind == "warning":  # the payload holds the notice's fields (`raise_warnings`)
        return _dumps({"type": "warning", "cursor": cursor, "warning_id": entity_id, **json.loads(payload)})
    if kind == "order":
        head = {"type": "change", "cursor": cursor, "order_id": entity_id, "version": version, "op_id": op_id}
        return _with_payload(head, "order", payload)
    head = {"type": "kb_change", "cursor": cursor, "entry_id": entity_id, "version": version, "op_id": op_id}
    return _with_payload(head, "entry", payload)


class CentralStore:
    """The store behind one server process. Thread-safe for reads; `apply_batch` must be called from one thread
    at a time in a process (the server's writer)."""

    def __init__(self, engine: Engine, *, ctx: RuleContext | None = None,
                 clock: Callable[[], datetime] = utc_now, cipher: FieldCipher | None = None) -> None:
        self.engine = engine
        self.ctx = ctx or RuleContext.default()
        self.clock = clock
        # the field key, when this store holds it: a sealed value must then also open and match its mask
        self.cipher = cipher
        # (order id, user id) → when the centre stored the first version of the order that user received from
        # others: no step of that user on the order can be older. It never changes once known.
        self._first_seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        # order id → its committed versions in order: (by whom, for whom, when stored), read once and then extended
        self._versions: OrderedDict[str, list[tuple[str | None, Audience, datetime]]] = OrderedDict()
        self.is_postgres = engine.dialect.name == "postgresql"
        # decoded orders by (order_id, version): a busy order is decoded once, not at every step
        self._orders: OrderedDict[tuple[str, int], WorkOrder] = OrderedDict()
        self._histories: OrderedDict[str, tuple[tuple[HistoryEntry, ...], list[dict[str, Any]]]] = OrderedDict()

    # --- users ------------------------------------------------------------------------------------------------

    def add_user(self, user_id: str, role: Role | str, unit: str | None = None, *, replace: bool = False) -> str:
        """Create the user (or, with `replace`, give an existing one a new token) and return the token. The token
        is shown once; only its hash is stored."""
        actor = Actor(user_id, role, unit=unit)  # checks the id, the role, and that a unit / leader seat names its unit
        if actor.role is Role.SYSTEM:
            raise SyncError("the system role is the desk's own automation, not a user", code="bad_role")
        if len(user_id) > protocol.MAX_NAME_CHARS or not user_id.isprintable():
            raise SyncError(f"a user name is printable text of at most {protocol.MAX_NAME_CHARS} characters",
                            code="bad_user")
        if unit is not None and actor.role not in (Role.UNIT, Role.LEADER_SEAT):
            raise SyncError(f"only a unit or a leader seat names a unit, not a {actor.role.value}", code="bad_user")
        token = new_token()
        row = {"user_id": user_id, "role": actor.role.value, "unit": unit, "token_sha256": hash_token(token),
               "created_at": self.clock(), "disabled": False}
        try:
            with self.engine.begin() as conn:
                exists = conn.execute(sa.select(db.users.c.user_id).where(db.users.c.user_id == user_id)).first()
                if exists and not replace:
                    raise SyncError(f"user {user_id} already exists (use --replace to issue a new token)",
                                    code="user_exists")
                if exists:
                    conn.execute(db.users.update().where(db.users.c.user_id == user_id).values(**row))
                else:
                    conn.execute(db.users.insert().values(**row))
        except SQLAlchemyError as exc:
            raise _db_error("add a user", exc) from exc
        log.info("user %s (%s%s) %s", user_id, actor.role.value, f", {unit}" if unit else "",
                 "given a new token" if replace else "added")
        return token

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        """Disable (or enable again) a user: its token is refused, and running servers close its open connections."""
        try:
            with self.engine.begin() as conn:
                updated = conn.execute(db.users.update().where(db.users.c.user_id == user_id)
                                       .values(disabled=disabled)).rowcount
        except SQLAlchemyError as exc:
            raise _db_error("change a user", exc) from exc
        if not updated:
            raise SyncError(f"no user {user_id}", code="unknown_user")
        log.info("user %s %s", user_id, "disabled" if disabled else "enabled")

    def authenticate(self, token: str) -> User | None:
        """The user holding `token`, or None (unknown, disabled)."""
        digest = hash_token(token)
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(db.users.c.user_id, db.users.c.role, db.users.c.unit, db.users.c.disabled)
                    .where(db.users.c.token_sha256 == digest)
                ).first()
        except SQLAlchemyError as exc:
            raise _db_error("check a token", exc) from exc
        if row is None or row.disabled:
            return None
        return User(row.user_id, Role(row.role), row.unit)

    def revoked(self, sessions: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Of `sessions` ((user id, sha256 of the token it authenticated with)), those whose access ended since: the
        user was disabled or removed, or given a new token (`add-user --replace`)."""
        if not sessions:
            return set()
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(db.users.c.user_id, db.users.c.token_sha256)
                                    .where(db.users.c.user_id.in_(sorted({user for user, _ in sessions})))
                                    .where(db.users.c.disabled.is_(False))).all()
        except SQLAlchemyError as exc:
            raise _db_error("check the connected users", exc) from exc
        return sessions - {(r.user_id, r.token_sha256) for r in rows}

    def list_users(self) -> list[tuple[User, bool]]:
        """Every user with whether it is disabled."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(db.users.c.user_id, db.users.c.role, db.users.c.unit, db.users.c.disabled)
                                .order_by(db.users.c.user_id)).all()
        return [(User(r.user_id, Role(r.role), r.unit), bool(r.disabled)) for r in rows]

    # --- reading ----------------------------------------------------------------------------------------------

    def head(self) -> int:
        try:
            with self.engine.connect() as conn:
                return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(db.changes.c.cursor), 0))).scalar_one())
        except SQLAlchemyError as exc:
            raise _db_error("read the newest cursor", exc) from exc

    def changes_after(self, cursor: int, limit: int = 1000) -> list[ChangeRow]:
        """The change log after `cursor`, oldest first, at most `limit` rows."""
        c = db.changes.c
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(c.cursor, c.kind, c.entity_id, c.version, c.op_id, c.units, c.payload)
                    .where(c.cursor > cursor).order_by(c.cursor).limit(limit)
                ).all()
        except SQLAlchemyError as exc:
            raise _db_error("read the change log", exc) from exc
        return [ChangeRow(r.cursor, r.kind, r.entity_id, r.version, Audience.from_text(r.units),
                          change_text(r.cursor, r.kind, r.entity_id, version=r.version, op_id=r.op_id,
                                      payload=r.payload)) for r in rows]

    def order(self, order_id: str) -> tuple[WorkOrder, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.orders.c.version, db.orders.c.payload)
                               .where(db.orders.c.order_id == order_id)).first()
        if row is None:
            return None
        return self._decode(order_id, row.version, row.payload), row.version

    def feedback_page(self, *, after: str | None = None, since: datetime | None = None,
                      until: datetime | None = None, limit: int = 100,
                      budget: int = FEEDBACK_PAGE_BYTES) -> tuple[list[dict[str, Any]], str | None]:
        """The pre-fill feedback of the orders after `after` (order id order) with a step made between `since` and
        `until`: per order, the feedback of its latest step within that period (the order as it was saved by then;
        a later save does not move an order out of an earlier period). At most `limit` items and about `budget`
        bytes, so a page fits one frame. Returns the items (`protocol.feedback_item_dict`'s form) and the `after` of
        the next page (None at the end)."""
        f = db.prefill_feedback.c
        latest = sa.select(f.order_id, sa.func.max(f.version).label("version")).group_by(f.order_id)
        if after is not None:
            latest = latest.where(f.order_id > after)
        if since is not None:
            latest = latest.where(f.made_at >= since)
        if until is not None:
            latest = latest.where(f.made_at <= until)
        chosen = latest.order_by(f.order_id).limit(limit + 1).subquery()
        query = (sa.select(db.prefill_feedback)
                 .join(chosen, sa.and_(f.order_id == chosen.c.order_id, f.version == chosen.c.version))
                 .order_by(f.order_id))
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise _db_error("read pre-fill feedback", exc) from exc
        items: list[dict[str, Any]] = []
        used = 0
        for row in rows[:limit]:
            used += len(row.payload.encode("utf-8")) + 256
            if items and used > budget:
                return items, items[-1]["order_id"]
            items.append(protocol.feedback_item_dict(row.order_id, row.user_id, row.seat, _aware(row.made_at),
                                                     json.loads(row.payload)))
        return items, (items[-1]["order_id"] if len(rows) > limit else None)

    def count_operations(self, status: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(db.operations)
        if status is not None:
            query = query.where(db.operations.c.status == status)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def ping(self) -> None:
        """Raises SyncError when the database does not answer (for /healthz)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise _db_error("reach the database", exc) from exc

    # --- writing ----------------------------------------------------------------------------------------------

    def import_kb_entries(self, entries: Sequence[Any]) -> int:
        """Store published knowledge-base entries from the seed or an operator's file (`core.knowledge`'s
        `imported_entry`s) that the store does not hold yet; each becomes a change every desk receives. Returns how
        many were new. Entries already present (by id) are left as the units and supervisors made them."""
        knowledge = _kb()
        try:
            with self.engine.begin() as conn:
                if self.is_postgres:
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
                head = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(db.changes.c.cursor), 0)))
                           .scalar_one())
                present = set(conn.execute(sa.select(db.kb_entries.c.entry_id)).scalars())
                now = self.clock()
                changes, rows = [], []
                for entry in entries:
                    if entry.entry_id in present:
                        continue
                    present.add(entry.entry_id)
                    head += 1
                    payload = _dumps(knowledge.entry_to_dict(entry))
                    changes.append({"cursor": head, "kind": "kb", "entity_id": entry.entry_id,
                                    "version": entry.version, "op_id": None,
                                    "units": _kb_audience(entry).to_text(), "created_at": now, "payload": payload})
                    rows.append({"entry_id": entry.entry_id, "version": entry.version, "unit": entry.unit,
                                 "state": str(entry.state.value), "cursor": head, "updated_at": now,
                                 "payload": payload})
                if rows:
                    conn.execute(db.changes.insert(), changes)
                    conn.execute(db.kb_entries.insert(), rows)
                    if self.is_postgres:
                        conn.execute(sa.select(sa.func.pg_notify(db.NOTIFY_CHANNEL, str(head))))
        except SQLAlchemyError as exc:
            raise _db_error("import knowledge-base entries", exc) from exc
        log.info("imported %d knowledge-base entries", len(rows))
        return len(rows)

    def apply_batch(self, batch: Sequence[Submitted]) -> list[Outcome]:
        """Apply the operations in order, in one transaction; one outcome per operation, in the same order.
        Raises SyncError (db_unavailable) when the transaction fails: then nothing of the batch is stored and every
        sender must push again (which is safe: operations are idempotent)."""
        if not batch:
            return []
        try:
            with self.engine.begin() as conn:
                work = _Batch(self, conn)
                work.prefetch(batch)
                outcomes = [work.apply(item) for item in batch]
                work.flush()
        except IntegrityError as exc:  # only another writer ignoring the lock could cause this
            raise _db_error("store operations", exc) from exc
        except SQLAlchemyError as exc:
            raise _db_error("store operations", exc) from exc
        for order_id, version, order in work.decoded:
            self._remember(order_id, version, order)
        for order_id, made in work.made.items():
            known = self._versions.setdefault(order_id, [])
            if len(known) == work.committed_versions.get(order_id, -1):  # else read from the log when needed
                known.extend(made)
            self._versions.move_to_end(order_id)
        while len(self._versions) > _ORDER_CACHE_SIZE:
            self._versions.popitem(last=False)
        return outcomes

    def raise_warnings(self, warnings: Sequence[Any], now: datetime) -> list[ChangeRow]:
        """Early warnings (`core.early_warning.EarlyWarning`) into the change log, each once (its id is a digest of
        kind, orders, deadline and unit: the same warning at the next tick is not raised again; a new kind for the
        same order — due soon, then overdue — is). Seen by the centre, the seats, and the units of its orders."""
        if not warnings:
            return []
        keyed = {}
        for warning in warnings:
            deadline = warning.deadline.isoformat() if warning.deadline is not None else ""
            key = hashlib.sha256("|".join([warning.kind.value, ",".join(sorted(warning.order_ids)), deadline,
                                           warning.unit or ""]).encode()).hexdigest()[:40]
            keyed[key] = (warning, deadline)
        c = db.changes.c
        try:
            with self.engine.begin() as conn:
                if self.is_postgres:
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
                known = set(conn.execute(sa.select(c.entity_id).where(c.kind == "warning")
                                         .where(c.entity_id.in_(list(keyed)))).scalars())
                head = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.cursor), 0))).scalar_one())
                rows: list[ChangeRow] = []
                inserts = []
                for key, (warning, deadline) in keyed.items():
                    if key in known:
                        continue
                    head += 1
                    units = tuple(sorted({warning.unit} if warning.unit else set()))
                    audience = Audience(units=units)
                    payload = _dumps({"kind": warning.kind.value, "severity": warning.severity.value,
                                      "order_ids": list(warning.order_ids), "message": warning.message,
                                      "unit": warning.unit, "deadline": deadline or None,
                                      "raised_at": now.isoformat()})
                    inserts.append({"cursor": head, "kind": "warning", "entity_id": key, "version": 1,
                                    "op_id": None, "units": audience.to_text(), "created_at": now,
                                    "payload": payload})
                    rows.append(ChangeRow(head, "warning", key, 1, audience,
                                          change_text(head, "warning", key, version=1, op_id=None,
                                                      payload=payload)))
                if inserts:
                    conn.execute(db.changes.insert(), inserts)
                    if self.is_postgres:
                        conn.execute(sa.select(sa.func.pg_notify(db.NOTIFY_CHANNEL, str(head))))
        except SQLAlchemyError as exc:
            raise _db_error("raise warnings", exc) from exc
        return rows

    def order_payload(self, order: WorkOrder) -> str:
        """The order's stored JSON text: exactly `work_order_to_dict`'s, but the history entries already encoded at
        the order's earlier steps are reused (history is append-only and the core keeps the same entry objects),
        so a step costs the new entry, not the whole history again."""
        data = work_order_to_dict(dataclasses.replace(order, history=()))
        cached = self._histories.get(order.order_id)
        if cached is not None and len(cached[0]) <= len(order.history) and all(
                a is b for a, b in zip(cached[0], order.history, strict=False)):
            encoded = cached[1] + [history_entry_to_dict(h) for h in order.history[len(cached[0]):]]
        else:
            encoded = [history_entry_to_dict(h) for h in order.history]
        self._histories[order.order_id] = (order.history, encoded)
        self._histories.move_to_end(order.order_id)
        while len(self._histories) > _ORDER_CACHE_SIZE:
            self._histories.popitem(last=False)
        data["history"] = encoded
        return _dumps(data)

    def _decode(self, order_id: str, version: int, payload: str) -> WorkOrder:
        key = (order_id, version)
        cached = self._orders.get(key)
        if cached is not None:
            self._orders.move_to_end(key)
            return cached
        order = work_order_from_dict(json.loads(payload))
        self._remember(order_id, version, order)
        return order

    def _remember(self, order_id: str, version: int, order: WorkOrder) -> None:
        self._orders[(order_id, version)] = order
        self._orders.move_to_end((order_id, version))
        while len(self._orders) > _ORDER_CACHE_SIZE:
            self._orders.popitem(last=False)


@dataclass
class _Current:
    order: WorkOrder | None
    version: int
    payload: str | None
    exists_in_db: bool


@dataclass
class _CurrentEntry:
    entry: Any  # core.knowledge.KnowledgeEntry | None
    version: int
    payload: str | None
    exists_in_db: bool


class _Batch:
    """One write transaction of `apply_batch`: reads what it needs, decides every operation in memory, and writes
    all rows at the end (few round trips, which is what makes group commit fast on PostgreSQL)."""

    def __init__(self, store: CentralStore, conn: sa.Connection) -> None:
        self.store = store
        self.conn = conn
        if store.is_postgres:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
        self.head = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(db.changes.c.cursor), 0))).scalar_one())
        self.first_new_cursor = self.head + 1
        self.now = store.clock()
        self.orders: dict[str, _Current] = {}
        self.answers: dict[str, tuple[str, Outcome]] = {}  # op_id → (user id, outcome), for replays within the batch
        self.operation_rows: list[dict[str, Any]] = []
        self.change_rows: list[dict[str, Any]] = []
        self.order_rows: dict[str, dict[str, Any]] = {}
        self.entries: dict[str, _CurrentEntry] = {}
        self.entry_rows: dict[str, dict[str, Any]] = {}
        self.decoded: list[tuple[str, int, WorkOrder]] = []
        self.stored_ops: dict[str, Any] = {}
        # when the centre stored the order versions this batch's steps are based on (the floor of their times)
        self.known_at: dict[tuple[str, int], datetime] = {}
        self.made: dict[str, list[tuple[str | None, Audience, datetime]]] = {}  # versions made in this batch
        self.committed_versions: dict[str, int] = {}  # order id → its version before this batch
        self.feedback_rows: list[dict[str, Any]] = []  # the pre-fill feedback of the steps applied

    def prefetch(self, batch: Sequence[Submitted]) -> None:
        """Read what the batch's operations need in two queries (stored answers, current orders) instead of two per
        operation: on PostgreSQL the round trips, not the work, would otherwise set the pace."""
        op_ids = list({item.message.op_id for item in batch})
        o = db.operations.c
        self.stored_ops = {row.op_id: row for row in self.conn.execute(
            sa.select(db.operations).where(o.op_id.in_(op_ids)))}
        order_ids = list({m.order_id for m in (item.message for item in batch) if isinstance(m, protocol.Push)})
        if order_ids:
            rows = self.conn.execute(sa.select(db.orders.c.order_id, db.orders.c.version, db.orders.c.payload)
                                     .where(db.orders.c.order_id.in_(order_ids)))
            for row in rows:
                order = self.store._decode(row.order_id, row.version, row.payload)
                self.orders[row.order_id] = _Current(order, row.version, row.payload, exists_in_db=True)
            for order_id in order_ids:
                self.orders.setdefault(order_id, _Current(None, 0, None, exists_in_db=False))
                self.committed_versions[order_id] = self.orders[order_id].version
            bases = list({(m.order_id, m.base_version) for m in (item.message for item in batch)
                          if isinstance(m, protocol.Push) and m.base_version > 0})
            if bases:
                c = db.changes.c
                rows = self.conn.execute(sa.select(c.entity_id, c.version, c.created_at)
                                         .where(c.kind == "order")
                                         .where(sa.tuple_(c.entity_id, c.version).in_(bases)))
                self.known_at.update({(r.entity_id, r.version): _aware(r.created_at) for r in rows})

    def apply(self, item: Submitted) -> Outcome:
        message = item.message
        op_id = message.op_id
        if op_id in self.answers:  # pushed twice within one batch
            first_user, outcome = self.answers[op_id]
            return outcome if first_user == item.user.user_id else self._foreign_op_answer(item)
        replay = self._stored_answer(item)
        if replay is not None:
            return replay
        if isinstance(message, protocol.KbPush):
            outcome = self._apply_kb(item, message)
        else:
            outcome = self._apply_order(item, message)
        self.answers[op_id] = (item.user.user_id, outcome)
        return outcome

    # --- replays ---

    def _stored_answer(self, item: Submitted) -> Outcome | None:
        op_id = item.message.op_id
        row = self.stored_ops.get(op_id)
        if row is None:
            return None
        if row.user_id != item.user.user_id and not self._may_see_stored(item, row):
            # another user's operation id (op ids travel in change frames): nothing of that operation — its order,
            # its reason — is told; the answer names only what this push named
            return self._foreign_op_answer(item)
        if row.status == "applied":
            # the stored ack carries the entity: answer with it only to whoever may see that entity now (an op_id
            # travels in change frames, so another unit may know it; the seat that made it always may)
            actor = item.user.actor(item.seat)
            if row.kind == "kb":
                entry = self._current_entry(row.entity_id)
                if row.user_id != item.user.user_id and not (
                        entry.entry is not None and _kb().entry_visible_to(entry.entry, actor)):
                    text = _kb_reject_text(op_id, row.entity_id, code="not_your_entry",
                                           reason=f"operation {op_id} is not one of yours", version=None, payload=None)
                    return Outcome(op_id, text, applied=False, code="not_your_entry")
            else:
                current = self._current(row.entity_id)
                if row.user_id != item.user.user_id and not (
                        current.order is not None and may_see(current.order, actor)):
                    text = _reject_text(op_id, row.entity_id, code="not_your_order",
                                        reason=f"order {row.entity_id} is not one of {actor.unit}'s orders")
                    return Outcome(op_id, text, applied=False, code="not_your_order")
            payload = self.conn.execute(
                sa.select(db.changes.c.payload).where(db.changes.c.cursor == row.cursor)
            ).scalar_one()
            text = _ack_text(row.kind, op_id, row.entity_id, version=row.version, cursor=row.cursor,
                             payload=payload, duplicate=True)
            return Outcome(op_id, text, applied=True)
        # the current state travels with a replayed reject like with the first one, to whoever may see it
        actor = item.user.actor(item.seat)
        if row.kind == "kb":
            entry = self._current_entry(row.entity_id)
            shown = entry.entry is not None and _kb().entry_visible_to(entry.entry, actor)
            text = _kb_reject_text(op_id, row.entity_id, code=row.reject_code, reason=row.reject_reason,
                                   version=entry.version if shown else None,
                                   payload=entry.payload if shown else None)
            return Outcome(op_id, text, applied=False, code=row.reject_code)
        current = self._current(row.entity_id)
        shown = current.order is not None and may_see(current.order, actor)
        text = _reject_text(op_id, row.entity_id, code=row.reject_code, reason=row.reject_reason,
                            article=row.reject_article, deadline=row.reject_deadline,
                            version=current.version if shown else None, payload=current.payload if shown else None)
        return Outcome(op_id, text, applied=False, code=row.reject_code)

    def _may_see_stored(self, item: Submitted, row: Any) -> bool:
        """Whether the stored operation's entity is the one this push names and its sender may see it now."""
        message = item.message
        actor = item.user.actor(item.seat)
        if row.kind == "kb":
            if not isinstance(message, protocol.KbPush) or message.entry_id != row.entity_id:
                return False
            entry = self._current_entry(row.entity_id)
            return entry.entry is not None and bool(_kb().entry_visible_to(entry.entry, actor))
        if not isinstance(message, protocol.Push) or message.order_id != row.entity_id:
            return False
        current = self._current(row.entity_id)
        return current.order is not None and may_see(current.order, actor)

    def _foreign_op_answer(self, item: Submitted) -> Outcome:
        message = item.message
        op_id = message.op_id
        reason = f"operation {op_id} is not one of yours"
        if isinstance(message, protocol.KbPush):
            text = _kb_reject_text(op_id, message.entry_id, code="not_your_entry", reason=reason, version=None,
                                   payload=None)
            return Outcome(op_id, text, applied=False, code="not_your_entry")
        text = _reject_text(op_id, message.order_id, code="not_your_order", reason=reason)
        return Outcome(op_id, text, applied=False, code="not_your_order")

    # --- work orders ---

    def _current(self, order_id: str) -> _Current:
        current = self.orders.get(order_id)
        if current is None:
            row = self.conn.execute(sa.select(db.orders.c.version, db.orders.c.payload)
                                    .where(db.orders.c.order_id == order_id)).first()
            if row is None:
                current = _Current(None, 0, None, exists_in_db=False)
            else:
                order = self.store._decode(order_id, row.version, row.payload)
                current = _Current(order, row.version, row.payload, exists_in_db=True)
            self.orders[order_id] = current
            self.committed_versions[order_id] = current.version
        return current

    def _apply_order(self, item: Submitted, push: protocol.Push) -> Outcome:
        current = self._current(push.order_id)
        actor = item.user.actor(item.seat)
        if actor.role is Role.UNIT and (current.order is None or not may_see(current.order, actor)):
            # a unit acting on another unit's order, or on none: refused alike whatever the step, so a unit learns
            # neither which order ids exist nor anything about the order
            return self._reject(item, push, "not_your_order",
                                f"order {push.order_id} is not one of {actor.unit}'s orders", hide_order=True)
        if push.feedback is not None and actor.role not in FEEDBACK_SENDERS:
            return self._reject(item, push, "feedback_not_allowed",
                                f"a {actor.role.value} does not send pre-fill feedback; only the seats taking calls do")
        try:
            self._check_seals(push)
            check_step_time(push.made_at, self.now, synced_at=push.synced_at,
                            base_known_at=self._base_known_at(push, current, actor))
        except AgentDesktopError as exc:
            return self._reject(item, push, exc.code, exc.message, article=getattr(exc, "article", None))
        at = step_time(push.made_at, self.now, current.order)
        try:
            updated = apply_operation(current.order, push.order_id, push.command, actor=actor, now=at,
                                      ctx=self.store.ctx)
        except TransitionRefused as exc:
            return self._reject(item, push, exc.code, exc.message, article=exc.article, deadline=exc.deadline,
                                at=at)
        except AgentDesktopError as exc:
            return self._reject(item, push, exc.code, exc.message, at=at)
        except Exception as exc:  # a defect in the core must not take the whole batch (and other seats) down
            log.exception("operation %s (%s on %s) failed inside the core", push.op_id, push.action, push.order_id)
            return self._reject(item, push, "internal_error", f"the server could not apply this step: {exc!r}"[:500],
                                at=at)
        payload = self.store.order_payload(updated)
        size = len(payload.encode("utf-8"))
        limit = size_limit(actor, MAX_ORDER_BYTES)
        if size > limit:
            # every desk must be able to receive the order in one frame; a step that would grow it beyond that
            # (e.g. a long text edited again and again: history keeps every version) is refused, not stored. The
            # last part of the frame is the centre's, so no unit or seat can leave it unable to act on the order
            return self._reject(item, push, "order_too_large",
                                f"after this step order {push.order_id} would be {size} bytes, over the "
                                f"{limit}-byte limit for a {actor.role.value}'s step", at=at)
        version = current.version + 1
        cursor = self.head + 1
        self.head = cursor
        audience = Audience(units=audience_units(updated))
        self.change_rows.append({"cursor": cursor, "kind": "order", "entity_id": push.order_id, "version": version,
                                 "op_id": push.op_id, "units": audience.to_text(), "created_at": self.now,
                                 "payload": payload})
        self.order_rows[push.order_id] = {"order_id": push.order_id, "version": version,
                                          "state": updated.state.value, "lead_unit": updated.lead_unit,
                                          "cursor": cursor, "updated_at": self.now, "payload": payload,
                                          "_exists": current.exists_in_db}
        self.operation_rows.append(self._operation_row(item, "applied", at=at, version=version, cursor=cursor))
        if push.feedback is not None:
            # every step's feedback is kept: a period's figures take, per order, the latest step within it
            self.feedback_rows.append({
                "order_id": push.order_id, "version": version, "op_id": push.op_id, "user_id": item.user.user_id,
                "seat": item.seat, "made_at": at, "stored_at": self.now, "payload": feedback_to_json(push.feedback)})
        self.orders[push.order_id] = _Current(updated, version, payload, exists_in_db=current.exists_in_db)
        self.known_at[(push.order_id, version)] = self.now
        self.made.setdefault(push.order_id, []).append((item.user.user_id, audience, self.now))
        self.decoded.append((push.order_id, version, updated))
        change = ChangeRow(cursor, "order", push.order_id, version, audience,
                           change_text(cursor, "order", push.order_id, version=version, op_id=push.op_id,
                                       payload=payload))
        text = _ack_text("order", push.op_id, push.order_id, version=version, cursor=cursor, payload=payload,
                         duplicate=False)
        return Outcome(push.op_id, text, applied=True, change=change)

    def _check_seals(self, push: protocol.Push) -> None:
        """With the field key: every sealed value the step brings in must open for this order and field, and carry
        the mask of what it holds (the wire reader has already checked their form)."""
        if self.store.cipher is None:
            return
        caller = protocol.caller_of(push.command)
        if caller is not None:
            check_sealed_caller(caller, order_id=push.order_id, cipher=self.store.cipher)
        if push.feedback is not None:
            check_feedback_seals(push.feedback, order_id=push.order_id, cipher=self.store.cipher)

    def _base_known_at(self, push: protocol.Push, current: _Current, actor: Actor) -> datetime | None:
        """The earliest the step can have been taken, by the centre's clock: not before the user received the order
        from others (a unit, when it was dispatched to it), nor before the version the seat says it acted on was
        stored. None when the user made every version itself (a seat's offline chain: open, edit, dispatch)."""
        floors = []
        if 0 < push.base_version <= current.version and (push.order_id, push.base_version) in self.known_at:
            floors.append(self.known_at[(push.order_id, push.base_version)])
        if current.order is not None:
            first = self._first_seen_at(push.order_id, actor)
            if first is not None:
                floors.append(first)
        return max(floors, default=None)

    def _first_seen_at(self, order_id: str, actor: Actor) -> datetime | None:
        key = (order_id, actor.user_id)
        cache = self.store._first_seen
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        versions = [*self._committed_versions(order_id), *self.made.get(order_id, ())]
        found = next((at for user_id, audience, at in versions
                      if user_id != actor.user_id and audience.admits(actor)), None)
        if found is not None:
            cache[key] = found
            while len(cache) > _FIRST_SEEN_CACHE_SIZE:
                cache.popitem(last=False)
        return found

    def _reject(self, item: Submitted, push: protocol.Push, code: str, reason: str, *, article: str | None = None,
                deadline: str | None = None, at: datetime | None = None, hide_order: bool = False) -> Outcome:
        code = code if protocol.is_code(code) else "refused"
        current = self.orders.get(push.order_id)
        version = current.version if current and current.order is not None and not hide_order else None
        payload = current.payload if current and not hide_order else None
        row = self._operation_row(item, "rejected", at=at)
        row.update(reject_code=code, reject_reason=reason[:REJECTED_REASON_CHARS], reject_article=article,
                   reject_deadline=deadline)
        self.operation_rows.append(row)
        log.info("rejected %s %s on %s by %s: %s (%s)", push.op_id, push.action, push.order_id, item.user.user_id,
                 code, reason[:200])
        text = _reject_text(push.op_id, push.order_id, code=code, reason=reason, article=article, deadline=deadline,
                            version=version, payload=payload)
        return Outcome(push.op_id, text, applied=False, code=code)

    def _committed_versions(self, order_id: str) -> list[tuple[str | None, Audience, datetime]]:
        """The order's versions committed before this batch (by whom, for whom, when stored): from the store's
        memory, with what other processes added since read from the change log."""
        committed = self.committed_versions[order_id]  # set when the order was read (`_current`, `prefetch`)
        cache = self.store._versions
        known = cache.get(order_id, [])
        if len(known) < committed:
            c, o = db.changes.c, db.operations.c
            rows = self.conn.execute(
                sa.select(c.created_at, c.units, o.user_id)
                .select_from(db.changes.outerjoin(db.operations, o.op_id == c.op_id))
                .where(c.kind == "order").where(c.entity_id == order_id).where(c.version > len(known))
                .order_by(c.version))
            known = known + [(r.user_id, Audience.from_text(r.units), _aware(r.created_at)) for r in rows]
            cache[order_id] = known
        if order_id in cache:
            cache.move_to_end(order_id)
            while len(cache) > _ORDER_CACHE_SIZE:
                cache.popitem(last=False)
        return known[:committed]

    # --- knowledge base ---

    def _current_entry(self, entry_id: str) -> _CurrentEntry:
        current = self.entries.get(entry_id)
        if current is None:
            row = self.conn.execute(sa.select(db.kb_entries.c.version, db.kb_entries.c.payload)
                                    .where(db.kb_entries.c.entry_id == entry_id)).first()
            if row is None:
                current = _CurrentEntry(None, 0, None, exists_in_db=False)
            else:
                entry = _kb().entry_from_dict(json.loads(row.payload))
                current = _CurrentEntry(entry, row.version, row.payload, exists_in_db=True)
            self.entries[entry_id] = current
        return current

    def _apply_kb(self, item: Submitted, push: protocol.KbPush) -> Outcome:
        knowledge = _kb()
        current = self._current_entry(push.entry_id)
        actor = item.user.actor(item.seat)
        at = push.made_at if push.made_at <= self.now + MAX_CLOCK_SKEW else self.now  # as for orders (step_time)
        if current.entry is not None:
            at = max(at, current.entry.updated_at)
        try:
            # the upkeep of the knowledge base counts in a unit's monthly assessment (第36条): not backdatable either
            check_step_time(push.made_at, self.now)
        except AgentDesktopError as exc:
            return self._reject_kb(item, push, exc.code, exc.message, current=current, actor=actor, at=None)
        if getattr(push.command, "entry_id", push.entry_id) != push.entry_id:
            return self._reject_kb(item, push, "bad_command", f"the command is for entry "
                                   f"{push.command.entry_id}, not {push.entry_id}", current=current, actor=actor, at=at)
        if (current.entry is not None and not knowledge.entry_visible_to(current.entry, actor)
                and not isinstance(push.command, knowledge.CreateEntry)):
            # another unit's draft: answered as if there were no such entry, so neither it nor its unit is told
            return self._reject_kb(item, push, "unknown_entry", f"no knowledge entry {push.entry_id!r} to "
                                   f"{push.command.action.value}", current=current, actor=actor, at=at)
        try:
            updated = knowledge.apply_kb_command(current.entry, push.command, actor, at)
        except AgentDesktopError as exc:
            return self._reject_kb(item, push, exc.code, exc.message, current=current, actor=actor, at=at)
        except Exception as exc:  # a defect in the knowledge module must not take the batch down
            log.exception("knowledge-base operation %s on %s failed", push.op_id, push.entry_id)
            return self._reject_kb(item, push, "internal_error", f"the server could not apply this step: {exc!r}",
                                   current=current, actor=actor, at=at)
        payload = _dumps(knowledge.entry_to_dict(updated))
        size = len(payload.encode("utf-8"))
        if size > MAX_ORDER_BYTES:
            # as for orders: an entry travels whole in one frame. Its history keeps every reason (up to 1000 records
            # of 500 characters), so edit/withdraw cycles could otherwise grow it past what any desk can receive
            return self._reject_kb(item, push, "entry_too_large",
                                   f"after this step entry {push.entry_id} would be {size} bytes, over the "
                                   f"{MAX_ORDER_BYTES}-byte limit of one sync frame", current=current, actor=actor,
                                   at=at)
        version = int(updated.version)
        cursor = self.head + 1
        self.head = cursor
        audience = _kb_audience(updated)
        self.change_rows.append({"cursor": cursor, "kind": "kb", "entity_id": push.entry_id, "version": version,
                                 "op_id": push.op_id, "units": audience.to_text(), "created_at": self.now,
                                 "payload": payload})
        self.entry_rows[push.entry_id] = {"entry_id": push.entry_id, "version": version, "unit": updated.unit,
                                          "state": str(updated.state.value), "cursor": cursor,
                                          "updated_at": self.now, "payload": payload,
                                          "_exists": current.exists_in_db}
        self.operation_rows.append(self._operation_row(item, "applied", at=at, version=version, cursor=cursor))
        self.entries[push.entry_id] = _CurrentEntry(updated, version, payload, exists_in_db=current.exists_in_db)
        change = ChangeRow(cursor, "kb", push.entry_id, version, audience,
                           change_text(cursor, "kb", push.entry_id, version=version, op_id=push.op_id,
                                       payload=payload))
        text = _ack_text("kb", push.op_id, push.entry_id, version=version, cursor=cursor, payload=payload,
                         duplicate=False)
        return Outcome(push.op_id, text, applied=True, change=change)

    def _reject_kb(self, item: Submitted, push: protocol.KbPush, code: str, reason: str, *, current: _CurrentEntry,
                   actor: Actor, at: datetime | None) -> Outcome:
        code = code if protocol.is_code(code) else "refused"
        shown = current.entry is not None and _kb().entry_visible_to(current.entry, actor)
        row = self._operation_row(item, "rejected", at=at)
        row.update(reject_code=code, reject_reason=reason[:REJECTED_REASON_CHARS])
        self.operation_rows.append(row)
        log.info("rejected knowledge-base %s on %s by %s: %s (%s)", push.op_id, push.entry_id, item.user.user_id,
                 code, reason[:200])
        text = _kb_reject_text(push.op_id, push.entry_id, code=code, reason=reason,
                               version=current.version if shown else None, payload=current.payload if shown else None)
        return Outcome(push.op_id, text, applied=False, code=code)

    def _operation_row(self, item: Submitted, status: str, *, at: datetime | None, version: int | None = None,
                       cursor: int | None = None) -> dict[str, Any]:
        message = item.message
        if isinstance(message, protocol.KbPush):
            kind, entity_id, action = "kb", message.entry_id, str(message.command.action.value)
            base_version = getattr(message.command, "base_version", None)
            command = _kb().kb_command_to_dict(message.command)
            synced_at = None
        else:
            kind, entity_id, action = "order", message.order_id, message.action
            base_version, command = message.base_version, command_to_dict(message.command)
            synced_at = message.synced_at
        full = _dumps(command)
        text = rejected_excerpt(command) if status == "rejected" else full
        return {"op_id": message.op_id, "kind": kind, "entity_id": entity_id, "action": action,
                "user_id": item.user.user_id, "seat": item.seat, "base_version": base_version,
                "made_at": message.made_at, "received_at": item.received_at, "synced_at": synced_at, "step_at": at,
                "status": status, "version": version, "cursor": cursor, "reject_code": None, "reject_reason": None,
                "reject_article": None, "reject_deadline": None, "command": text,
                "command_sha256": hashlib.sha256(full.encode("utf-8")).hexdigest()}

    def flush(self) -> None:
        if self.operation_rows:
            self.conn.execute(db.operations.insert(), self.operation_rows)
        if self.change_rows:
            self.conn.execute(db.changes.insert(), self.change_rows)
        self._upsert(db.orders, "order_id", self.order_rows)
        if self.feedback_rows:
            self.conn.execute(db.prefill_feedback.insert(), self.feedback_rows)
        self._upsert(db.kb_entries, "entry_id", self.entry_rows)
        if self.change_rows and self.store.is_postgres:
            # delivered at commit to every process LISTENing (including this one, which ignores what it has)
            self.conn.execute(sa.select(sa.func.pg_notify(db.NOTIFY_CHANNEL, str(self.head))))


    def _upsert(self, table: sa.Table, key: str, rows: dict[str, dict[str, Any]]) -> None:
        """Insert the new rows, update the existing ones (the batch knows which: it read them under the lock)."""
        new = [{k: v for k, v in r.items() if k != "_exists"} for r in rows.values() if not r["_exists"]]
        old = [{k: v for k, v in r.items() if k != "_exists"} for r in rows.values() if r["_exists"]]
        if new:
            self.conn.execute(table.insert(), new)
        if old:
            columns = [c for c in old[0] if c != key]
            statement = table.update().where(table.c[key] == sa.bindparam(f"b_{key}")).values(
                {c: sa.bindparam(c) for c in columns})
            self.conn.execute(statement, [{**{c: r[c] for c in columns}, f"b_{key}": r[key]} for r in old])


def rejected_excerpt(command: dict[str, Any]) -> str:
    """What is kept of a rejected command: its JSON, the caller left out (personal data is kept only with an order
    that holds it), cut to `REJECTED_EXCERPT_CHARS`."""
    shown = dict(command)
    if "caller" in shown:
        shown["caller"] = "(withheld)"
    changes = shown.get("changes")
    if isinstance(changes, dict) and "caller" in changes:
        shown["changes"] = {**changes, "caller": "(withheld)"}
    return _dumps(shown)[:REJECTED_EXCERPT_CHARS]


def _aware(moment: datetime) -> datetime:
    """A time read back from the database: SQLite returns it without its zone (it was written in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _kb() -> Any:
    from agent_desktop.core import knowledge  # noqa: PLC0415 - the knowledge module is only needed for KB steps

    return knowledge


def _kb_audience(entry: Any) -> Audience:
    """Who receives a change of `entry`, in the knowledge module's own terms (`entry_visible_to`), asked of a seat
    and of a unit that does not own it; the owning unit and supervisors always see it."""
    knowledge = _kb()
    seat = Actor("audience-probe", Role.AGENT)
    stranger = Actor("audience-probe", Role.UNIT, unit="\x00no unit")
    return Audience(units=(entry.unit,), seats=knowledge.entry_visible_to(entry, seat),
                    all_units=knowledge.entry_visible_to(entry, stranger))


def _kb_reject_text(op_id: str, entry_id: str, *, code: str, reason: str, version: int | None,
                    payload: str | None) -> str:
    head = {"type": "kb_reject", "op_id": op_id, "entry_id": entry_id, "code": code,
            "reason": reason[: protocol.MAX_TEXT_CHARS], "version": version}
    return _with_payload(head, "entry", payload)


def _ack_text(kind: str, op_id: str, entity_id: str, *, version: int, cursor: int, payload: str | None,
              duplicate: bool) -> str:
    if kind == "order":
        head = {"type": "ack", "op_id": op_id, "order_id": entity_id, "version": version, "cursor": cursor,
                "duplicate": duplicate}
        return _with_payload(head, "order", payload)
    head = {"type": "kb_ack", "op_id": op_id, "entry_id": entity_id, "version": version, "cursor": cursor,
            "duplicate": duplicate}
    return _with_payload(head, "entry", payload)


def _reject_text(op_id: str, order_id: str, *, code: str, reason: str, article: str | None = None,
                 deadline: str | None = None, version: int | None = None, payload: str | None = None) -> str:
    head = {"type": "reject", "op_id": op_id, "order_id": order_id, "code": code,
            "reason": reason[: protocol.MAX_TEXT_CHARS], "article": article, "deadline": deadline,
            "version": version}
    return _with_payload(head, "order", payload)


def _db_error(what: str, exc: BaseException) -> SyncError:
    return SyncError(f"cannot {what}: the database failed: {db._reason(exc)}", code="db_unavailable")
