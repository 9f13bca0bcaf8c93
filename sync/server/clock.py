"""The central store's own clock: the steps no person takes but time does.

Every `CLOCK_INTERVAL_S` each server process asks for the clock's lease (the `server_jobs` row "clock": taken when
free or expired, renewed by its holder); the holder runs one tick:

- the 72-hour rule of 第26条: an order in REVISITING whose rating deadline (72 h after the first automated attempt)
  has passed is closed as 基本满意 by the lifecycle's `RatingTimeout`;
- the automatic supervisions of 第34条 (`core.lifecycle.automatic_supervisions`: overdue orders);
- the early warnings of 第33条 (`core.early_warning`: sign due soon / overdue, due soon / overdue, reply and revisit
  tasks due, repeat callers, hot spots, unusual return rates), each raised once into the change log
  (`CentralStore.raise_warnings`) and sent to the centre, the seats and the unit concerned;

each as a lifecycle step of the centre's system user through the writer, so it reaches every desk that may see the
order in the change feed like any other step. The lease keeps a second process from doing the same work; the steps'
operation ids are derived from the order and the deadline, so even two processes ticking at once (a lease lost to
a stalled process) apply each step exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from agent_desktop.core.early_warning import EarlyWarning, compute_warnings
from agent_desktop.core.errors import SyncError
from agent_desktop.core.lifecycle import HANDLING_STATES, RatingTimeout, automatic_supervisions, rating_timeout_due
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import OrderState
from sync.server import db
from sync.server.store import CentralStore, User
from sync.server.survey import Step

log = logging.getLogger(__name__)

CLOCK_INTERVAL_S = 30.0
CLOCK_JOB = "clock"
CLOCK_USER = "centre-clock"
_OP_NAMESPACE = uuid.UUID("0c1a7f0e-3d64-4c8a-b7f1-2a5e9d4c1313")
WARNING_LOOKBACK = timedelta(days=30)
_FINISHED = (OrderState.CLOSED.value, OrderState.NOT_ACCEPTED.value, OrderState.ANSWERED_ON_LINE.value,
             OrderState.REPLIED.value)


def clock_op_id(kind: str, order_id: str, moment: datetime | None) -> str:
    return str(uuid.uuid5(_OP_NAMESPACE, f"{kind}/{order_id}/{moment.isoformat() if moment else ''}"))


class CentreClock:
    def __init__(self, store: CentralStore, *, server_id: str | None = None) -> None:
        self.store = store
        self.server_id = (server_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")[:64]
        self.user = User(CLOCK_USER, Role.SYSTEM, None)

    def acquire(self, now: datetime, interval_s: float) -> bool:
        """Take or renew the clock's lease; False when another process holds it."""
        now = now.astimezone(UTC)
        j = db.server_jobs.c
        lease_until = now + timedelta(seconds=max(2 * interval_s, 1.0))
        try:
            with self.store.engine.begin() as conn:
                if self.store.is_postgres:
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(0x12345_0A11_D35F)))
                row = conn.execute(sa.select(db.server_jobs).where(j.name == CLOCK_JOB)).first()
                if row is None:
                    conn.execute(sa.insert(db.server_jobs).values(name=CLOCK_JOB, owner=self.server_id,
                                                                 lease_until=lease_until, last_run_at=now))
                    return True
                held_until = row.lease_until if row.lease_until is None or row.lease_until.tzinfo else \
                    row.lease_until.replace(tzinfo=UTC)
                if row.owner != self.server_id and held_until is not None and held_until > now:
                    return False
                conn.execute(sa.update(db.server_jobs).where(j.name == CLOCK_JOB).values(
                    owner=self.server_id, lease_until=lease_until, last_run_at=now))
                return True
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot take the clock's lease: {type(exc).__name__}", code="db_unavailable") from exc

    def warnings(self, now: datetime) -> list[EarlyWarning]:
        """The early warnings of 第33条 at `now` (`core.early_warning.compute_warnings`) over the open orders and
        those touched in the last `WARNING_LOOKBACK` (repeat callers and hot spots look back in time)."""
        o = db.orders.c
        since = now.astimezone(UTC) - WARNING_LOOKBACK
        try:
            with self.store.engine.connect() as conn:
                rows = conn.execute(sa.select(o.order_id, o.version, o.payload).where(
                    sa.or_(o.state.notin_(_FINISHED), o.updated_at >= since))).all()
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot read the orders for the warnings: {type(exc).__name__}",
                            code="db_unavailable") from exc
        orders = [self.store._decode(r.order_id, r.version, r.payload) for r in rows]
        return compute_warnings(orders, now=now, rules=self.store.ctx.rules)

    def due_steps(self, now: datetime) -> list[Step]:
        """The timeouts and automatic supervisions due at `now`."""
        o = db.orders.c
        states = [OrderState.REVISITING.value, *(s.value for s in HANDLING_STATES)]
        try:
            with self.store.engine.connect() as conn:
                rows = conn.execute(sa.select(o.order_id, o.version, o.payload).where(o.state.in_(states))).all()
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot read the orders for the clock: {type(exc).__name__}",
                            code="db_unavailable") from exc
        steps: list[Step] = []
        for row in rows:
            order = self.store._decode(row.order_id, row.version, row.payload)
            if rating_timeout_due(order, now):
                steps.append(Step(clock_op_id("timeout", row.order_id, order.rating_deadline), row.order_id,
                                  RatingTimeout()))
            for command in automatic_supervisions(order, now):
                steps.append(Step(clock_op_id(f"supervise-{command.trigger}", row.order_id, order.due), row.order_id,
                                  command))
        return steps
