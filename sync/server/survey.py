"""The automated return visit's schedule and attempts in the central store (`survey_jobs`, `survey_attempts`).

Blocking (SQLAlchemy), run on the server's threads. The survey dialers (`agent-desktop survey run`, role `survey`)
ask for work with `claim` and report each attempt with `finish`; every dialer process and every server process
shares these rows, so the schedule survives any restart and two dialers never get the same attempt:

- `claim` runs in one write transaction under a lock (PostgreSQL: an advisory transaction lock; SQLite: BEGIN
  IMMEDIATE). It first takes in the orders whose completion was reported (COMPLETED, or REVISITING without a job:
  an order the store already holds when this version first runs), then ends attempts whose dialer's lease ran out
  (a dialer killed mid-call: outcome `interrupted`, counted as an attempt, never placed again; the next attempt
  follows the retry settings), then hands out due jobs — only inside a calling window, never a number already in a
  call, never more calls at once than the channel cap nor more new calls in the last minute than the pace allows,
  whichever dialer asks.
- `finish` is idempotent by attempt id: a second report of the same attempt (a dialer's retry after a lost answer)
  changes nothing and gets the same steps back. Its lifecycle steps (start of the visit, the rating, a failed visit
  handed to a manual revisit) carry operation ids derived from the attempt id, so the store applies each exactly
  once however often they are pushed (`sync.server.store`).
- A late rating: an attempt counted `interrupted` (its dialer died after the citizen pressed a digit, before the
  report) takes a rating reported afterwards — by any survey dialer, which read it from Asterisk's AstDB where the
  survey IVR wrote it (`orphans` lists such attempts) — as long as the attempt was not retried: its job still waits
  for its next attempt (or has none left) and the order is still in the return visit. Once a later attempt was
  claimed the late rating is refused (answered as a duplicate): the citizen is being, or was, asked again, and
  one order is never rated twice.
- `release` hands back attempts a dialer claimed but never placed (it is stopping): they are not attempts at all.

The rating's 72 hours (第26条) are not the dialer's: the centre's clock (`sync.server.clock`) applies the timeout.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from agent_desktop.core.errors import AgentDesktopError, SyncError
from agent_desktop.core.lifecycle import Command, FailAutomatedVisit, RecordRating, StartRevisit
from agent_desktop.core.privacy import FieldCipher, open_sealed
from agent_desktop.core.survey import AttemptOutcome, CallingPolicy, JobState, rating_of
from agent_desktop.core.work_order import OrderState, RevisitChannel, SealedValue, WorkOrder
from sync.server import db

log = logging.getLogger(__name__)

SURVEY_LOCK_KEY = 0x12345_0A11_D35E  # beside the writers' and the migrations' keys
_OP_NAMESPACE = uuid.UUID("7d3c1c9e-5b0a-4e55-9a51-3c1f0a4d1213")
_VISIT_STATES = (OrderState.COMPLETED.value, OrderState.REVISITING.value)
MAX_CLAIM = 64
LINE_KEY_CHARS = 32  # the `number` columns' width


def step_op_id(attempt_id: str, step: str) -> str:
    """The operation id of one lifecycle step of an attempt: the same every time it is pushed."""
    return str(uuid.uuid5(_OP_NAMESPACE, f"{attempt_id}/{step}"))


def attempt_id_of(order_id: str, attempt_no: int) -> str:
    return f"{order_id}#{attempt_no}"


@dataclass(frozen=True, slots=True)
class Claim:
    attempt_id: str
    order_id: str
    number: str
    attempt_no: int
    lease_until: datetime
    sealed: bool = False  # an anonymous caller's number: the dialer keeps it out of what it reports and logs

    def to_dict(self) -> dict[str, Any]:
        return {"attempt_id": self.attempt_id, "order_id": self.order_id, "number": self.number,
                "attempt_no": self.attempt_no, "lease_until": self.lease_until.isoformat(), "sealed": self.sealed}


@dataclass(frozen=True, slots=True)
class Step:
    """A lifecycle step the server applies for the survey user (operation id fixed by the attempt)."""

    op_id: str
    order_id: str
    command: Command


@dataclass(frozen=True, slots=True)
class Finished:
    attempt_id: str
    outcome: AttemptOutcome
    job_state: JobState
    next_at: datetime | None
    duplicate: bool
    steps: tuple[Step, ...]
    late: bool = False  # a rating recovered for an attempt counted interrupted


#: how long after its interruption an attempt's rating is still looked for in AstDB (the 72 hours of 第26条)
ORPHAN_HORIZON = timedelta(hours=72)


def _utc(value: datetime | None) -> datetime | None:
    """Times are written in UTC: SQLite keeps no offset, and its text compares only when every row uses one zone."""
    return value.astimezone(UTC) if value is not None else None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class SurveyBook:
    def __init__(self, engine: Engine, policy: CallingPolicy, *, decode: Callable[[str, int, str], WorkOrder],
                 cipher: FieldCipher | None = None) -> None:
        self.engine = engine
        self.policy = policy
        self._decode = decode
        self.cipher = cipher
        self.is_postgres = engine.dialect.name == "postgresql"
        self._feed_cursor: int | None = None  # this process's place in the change log (`_enqueue`)
        self._feed_lock = threading.Lock()

    def _lock(self, conn: sa.Connection) -> None:
        if self.is_postgres:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SURVEY_LOCK_KEY)))

    # --- claim --------------------------------------------------------------------------------------------------

    def claim(self, dialer: str, limit: int, now: datetime) -> tuple[list[Claim], list[Step]]:
        """Up to `limit` attempts for `dialer`, and the lifecycle steps that start their visits."""
        now = now.astimezone(UTC)
        limit = max(0, min(limit, MAX_CLAIM))
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                read_to = self._enqueue(conn, now)
                self._expire(conn, now)
                claims = self._hand_out(conn, dialer, limit, now) if limit else []
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot claim survey attempts: {type(exc).__name__}", code="db_unavailable") from exc
        with self._feed_lock:  # only once the jobs it found are committed; claims on other threads may race here
            self._feed_cursor = max(self._feed_cursor or 0, read_to)
        steps = [Step(step_op_id(c.attempt_id, "start"), c.order_id,
                      StartRevisit(RevisitChannel.AUTOMATED_CALL, evidence=f"survey attempt {c.attempt_id}"))
                 for c in claims]
        return claims, steps

    def _enqueue(self, conn: sa.Connection, now: datetime) -> int:
        """Take in the orders that entered the return visit since this process last looked: the order changes of the
        change log after its place (one full look at the orders the first time). Returns the change log's head it
        read up to. Reading a change twice is harmless (an order with a job is never taken in again), so each server
        process keeps its place in memory; the lock makes the taking-in itself exactly once."""
        o, j, c = db.orders.c, db.survey_jobs.c, db.changes.c
        # every cursor up to the head is committed: writers assign cursors and commit under their lock, in order
        head = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.cursor), 0))).scalar_one())
        query = (sa.select(o.order_id, o.version, o.payload).where(o.state.in_(_VISIT_STATES))
                 .where(~sa.exists().where(j.order_id == o.order_id)))
        since = self._feed_cursor
        if since is None or since > head:  # a first look (or a store replaced under us): every order
            rows = list(conn.execute(query).all())
        else:
            changed = conn.execute(sa.select(c.entity_id).where(c.cursor > since).where(c.cursor <= head)
                                   .where(c.kind == "order").distinct()).scalars().all()
            rows = []
            for start in range(0, len(changed), 500):
                rows += conn.execute(query.where(o.order_id.in_(changed[start:start + 500]))).all()
        for row in rows:
            order = self._decode(row.order_id, row.version, row.payload)
            number = self._number(row.order_id, order)
            completed = order.completed_at or now
            if number is None:
                log.warning("order %s has no callable number: no automated visit", row.order_id)
                state, next_at = JobState.MANUAL, None
            else:
                state, next_at = JobState.QUEUED, self.policy.first_call_at(completed)
            conn.execute(sa.insert(db.survey_jobs).values(
                order_id=row.order_id, number=self._line(number) if number else "", state=state.value, attempts=0,
                next_at=_utc(next_at), completed_at=_utc(completed), first_attempt_at=None, outcome=None,
                updated_at=_utc(now)))
        return head

    def _line(self, number: str) -> str:
        """What `survey_jobs.number` and `survey_attempts.number` keep of a number: its keyed fingerprint when the
        centre holds the field key (an anonymous caller's number is never stored in plain; the fingerprint is
        enough to keep two calls off one number; its first 128 bits fit the column), else the digits (a caller who
        is not anonymous)."""
        return self.cipher.phone_key(number)[:LINE_KEY_CHARS] if self.cipher is not None else number

    def _number(self, order_id: str, order: WorkOrder, *, attempt_id: str | None = None) -> str | None:
        """The digits to dial for `order`: plain, or an anonymous caller's sealed number opened with the field key
        (None without the key or when it does not open). Opened only in memory, for the claim that hands it to the
        dialer; the opening is logged with the order and attempt, never the number (第15条)."""
        phone = order.caller.phone
        if isinstance(phone, SealedValue):
            if self.cipher is None:
                return None
            try:
                phone = open_sealed(self.cipher, phone, order_id=order_id, field="phone")
            except AgentDesktopError:
                log.warning("the sealed phone number of order %s does not open with the centre's field key",
                            order_id)
                return None
            if attempt_id is not None:
                log.info("opened the sealed phone number of order %s for survey attempt %s", order_id, attempt_id)
        digits = "".join(ch for ch in (phone or "") if ch.isdigit())
        return digits or None

    def _expire(self, conn: sa.Connection, now: datetime) -> None:
        a = db.survey_attempts.c
        stale = conn.execute(sa.select(a.attempt_id, a.order_id, a.attempt_no)
                             .where(a.finished_at.is_(None)).where(a.lease_until < now)).all()
        for row in stale:
            log.warning("survey attempt %s: its dialer's lease ran out (the dialer stopped mid-call): counted as "
                        "interrupted", row.attempt_id)
            self._record(conn, row.attempt_id, row.order_id, row.attempt_no, AttemptOutcome.INTERRUPTED, None, None,
                         now)

    def _hand_out(self, conn: sa.Connection, dialer: str, limit: int, now: datetime) -> list[Claim]:
        if not self.policy.in_window(now):
            return []
        settings = self.policy.settings
        a, j, o = db.survey_attempts.c, db.survey_jobs.c, db.orders.c
        in_flight = conn.execute(sa.select(a.number).where(a.finished_at.is_(None))).scalars().all()
        busy = set(in_flight)
        recent = int(conn.execute(sa.select(sa.func.count()).select_from(db.survey_attempts)
                                  .where(a.claimed_at > now - timedelta(minutes=1))).scalar_one())
        room = min(limit, settings.channels - len(in_flight), int(settings.calls_per_minute) - recent)
        if room <= 0:
            return []
        candidates = conn.execute(
            sa.select(j.order_id, j.number, j.attempts, j.first_attempt_at, o.state, o.version, o.payload)
            .select_from(db.survey_jobs.outerjoin(db.orders, o.order_id == j.order_id))
            .where(j.state == JobState.QUEUED.value).where(j.next_at <= now)
            .order_by(j.next_at, j.order_id).limit(room * 4 + 16)).all()
        lease_until = now + settings.lease  # `now` is UTC here (claim)
        claims: list[Claim] = []
        for row in candidates:
            if len(claims) >= room:
                break
            if row.state not in _VISIT_STATES:
                # closed or handed on by someone else meanwhile: nothing left to ask
                conn.execute(sa.update(db.survey_jobs).where(j.order_id == row.order_id)
                             .values(state=JobState.CLOSED.value, next_at=None, updated_at=now))
                continue
            if row.number in busy:
                continue  # never two calls to one number at once
            attempt_no = row.attempts + 1
            attempt_id = attempt_id_of(row.order_id, attempt_no)
            order = self._decode(row.order_id, row.version, row.payload)
            number = self._number(row.order_id, order, attempt_id=attempt_id)
            if number is None:  # the key changed or went away since the job was queued: a person calls
                conn.execute(sa.update(db.survey_jobs).where(j.order_id == row.order_id)
                             .values(state=JobState.MANUAL.value, next_at=None, updated_at=now))
                continue
            busy.add(row.number)
            conn.execute(sa.insert(db.survey_attempts).values(
                attempt_id=attempt_id, order_id=row.order_id, attempt_no=attempt_no, number=row.number,
                dialer=dialer[:64], claimed_at=now, lease_until=lease_until))
            conn.execute(sa.update(db.survey_jobs).where(j.order_id == row.order_id).values(
                state=JobState.IN_FLIGHT.value, attempts=attempt_no, next_at=None, updated_at=now,
                first_attempt_at=row.first_attempt_at or now))
            claims.append(Claim(attempt_id, row.order_id, number, attempt_no, lease_until,
                                isinstance(order.caller.phone, SealedValue)))
        return claims

    def abandon(self, attempt_id: str, reason: str, now: datetime) -> None:
        """A claimed attempt whose visit could not start (the order left the return visit meanwhile): never called,
        the job closed."""
        now = now.astimezone(UTC)
        a, j = db.survey_attempts.c, db.survey_jobs.c
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                row = conn.execute(sa.select(a.order_id).where(a.attempt_id == attempt_id)
                                   .where(a.finished_at.is_(None))).first()
                if row is None:
                    return
                conn.execute(sa.delete(db.survey_attempts).where(a.attempt_id == attempt_id))
                conn.execute(sa.update(db.survey_jobs).where(j.order_id == row.order_id).values(
                    state=JobState.CLOSED.value, next_at=None, outcome=None, updated_at=now))
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot drop survey attempt {attempt_id}: {type(exc).__name__}",
                            code="db_unavailable") from exc
        log.info("survey attempt %s not placed: %s", attempt_id, reason)

    def release(self, dialer: str, attempt_ids: list[str], now: datetime) -> list[str]:
        """Attempts `dialer` claimed but never placed (it is stopping): the attempt rows go, each job is due again
        with its attempt count as before the claim. The visit the claim started stays started (the lifecycle step
        is applied; its 72 hours run from that claim). Others' attempts, and finished ones, are left alone."""
        now = now.astimezone(UTC)
        a, j = db.survey_attempts.c, db.survey_jobs.c
        released: list[str] = []
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                for attempt_id in attempt_ids:
                    row = conn.execute(sa.select(a.order_id, a.attempt_no, a.dialer).where(a.attempt_id == attempt_id)
                                       .where(a.finished_at.is_(None))).first()
                    if row is None or row.dialer != dialer[:64]:
                        continue
                    conn.execute(sa.delete(db.survey_attempts).where(a.attempt_id == attempt_id))
                    conn.execute(sa.update(db.survey_jobs).where(j.order_id == row.order_id)
                                 .where(j.state == JobState.IN_FLIGHT.value).values(
                                     state=JobState.QUEUED.value, attempts=row.attempt_no - 1, next_at=now,
                                     updated_at=now))
                    released.append(attempt_id)
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot release survey attempts: {type(exc).__name__}", code="db_unavailable") from exc
        if released:
            log.info("%d survey attempts handed back unplaced by %s: %s", len(released), dialer, ", ".join(released))
        return released

    def orphans(self, now: datetime, limit: int = MAX_CLAIM) -> list[dict[str, Any]]:
        """Attempts counted interrupted (leases that ran out are counted first, as a claim does) that could still
        take a late rating: not retried, the order still in the return visit, interrupted within the last 72 hours.
        A dialer asks Asterisk's AstDB for each (`survey/<attempt id>`)."""
        now = now.astimezone(UTC)
        a, j, o = db.survey_attempts.c, db.survey_jobs.c, db.orders.c
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                self._expire(conn, now)
                rows = conn.execute(
                    sa.select(a.attempt_id, a.order_id, o.version, o.payload)
                    .select_from(db.survey_attempts.join(db.survey_jobs, j.order_id == a.order_id)
                                 .join(db.orders, o.order_id == a.order_id))
                    .where(a.outcome == AttemptOutcome.INTERRUPTED.value)
                    .where(a.finished_at > now - ORPHAN_HORIZON)
                    .where(j.attempts == a.attempt_no)
                    .where(j.state.in_((JobState.QUEUED.value, JobState.EXHAUSTED.value)))
                    .where(o.state.in_(_VISIT_STATES))
                    .order_by(a.finished_at, a.attempt_id).limit(max(1, min(limit, MAX_CLAIM)))).all()
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot list interrupted survey attempts: {type(exc).__name__}",
                            code="db_unavailable") from exc
        out = []
        for row in rows:
            order = self._decode(row.order_id, row.version, row.payload)
            out.append({"attempt_id": row.attempt_id, "order_id": row.order_id,
                        "sealed": isinstance(order.caller.phone, SealedValue)})
        return out

    # --- finish -------------------------------------------------------------------------------------------------

    def finish(self, dialer: str, attempt_id: str, outcome: AttemptOutcome, digit: str | None,  # noqa: PLR0917
               recording: str | None, now: datetime) -> Finished:
        """Record how an attempt ended (idempotent by attempt id); the steps to apply for it."""
        now = now.astimezone(UTC)
        a = db.survey_attempts.c
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                row = conn.execute(sa.select(db.survey_attempts).where(a.attempt_id == attempt_id)).first()
                if row is None:
                    raise SyncError(f"no survey attempt {attempt_id}", code="unknown_attempt")
                if row.finished_at is not None:
                    job = conn.execute(sa.select(db.survey_jobs).where(
                        db.survey_jobs.c.order_id == row.order_id)).one()
                    stored = AttemptOutcome(row.outcome)
                    if outcome is AttemptOutcome.RATED and self._takes_late_rating(conn, row, job, digit):
                        log.info("survey attempt %s: a late rating %s (the attempt was counted interrupted)",
                                 attempt_id, digit)
                        state, next_at = self._record(conn, attempt_id, row.order_id, row.attempt_no, outcome,
                                                      digit, recording, now, finished_at=row.finished_at)
                        return Finished(attempt_id, outcome, state, next_at, False,
                                        self._steps(row.order_id, attempt_id, outcome, digit, recording), late=True)
                    return Finished(attempt_id, stored, JobState(job.state), _aware(job.next_at), True,
                                    self._steps(row.order_id, attempt_id, stored, row.digit, row.recording))
                if row.dialer != dialer[:64]:
                    raise SyncError(f"survey attempt {attempt_id} is another dialer's", code="not_your_attempt")
                if outcome is AttemptOutcome.RATED and rating_of(digit) is None:
                    outcome = AttemptOutcome.NO_DIGIT  # an invalid digit after the IVR's retry counts as none
                state, next_at = self._record(conn, attempt_id, row.order_id, row.attempt_no, outcome, digit,
                                              recording, now)
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot record survey attempt {attempt_id}: {type(exc).__name__}",
                            code="db_unavailable") from exc
        return Finished(attempt_id, outcome, state, next_at, False,
                        self._steps(row.order_id, attempt_id, outcome, digit, recording))

    @staticmethod
    def _takes_late_rating(conn: sa.Connection, row: Any, job: Any, digit: str | None) -> bool:
        """May an attempt that already ended take a rating now? Only one counted interrupted, with a valid digit,
        not retried (its job still waits for the next attempt, or has none left) and whose order is still in the
        return visit: a later attempt means the citizen is being or was asked again, and the lifecycle refuses a
        rating outside the visit."""
        if row.outcome != AttemptOutcome.INTERRUPTED.value or rating_of(digit) is None:
            return False
        if job.attempts != row.attempt_no or job.state not in (JobState.QUEUED.value, JobState.EXHAUSTED.value):
            return False
        state = conn.execute(sa.select(db.orders.c.state).where(db.orders.c.order_id == row.order_id)).scalar()
        return state in _VISIT_STATES

    def _record(self, conn: sa.Connection, attempt_id: str, order_id: str, attempt_no: int,  # noqa: PLR0917
                outcome: AttemptOutcome, digit: str | None, recording: str | None,
                now: datetime, *, finished_at: datetime | None = None) -> tuple[JobState, datetime | None]:
        a, j = db.survey_attempts.c, db.survey_jobs.c
        conn.execute(sa.update(db.survey_attempts).where(a.attempt_id == attempt_id).values(
            finished_at=finished_at or now, outcome=outcome.value, digit=digit, recording=recording))
        next_at = _utc(self.policy.next_attempt_at(outcome, attempt_no, now))
        if outcome is AttemptOutcome.RATED:
            state = JobState.RATED
        elif outcome.ends_attempts:
            state = JobState.MANUAL
        elif next_at is None:
            state = JobState.EXHAUSTED
        else:
            state = JobState.QUEUED
        conn.execute(sa.update(db.survey_jobs).where(j.order_id == order_id).values(
            state=state.value, next_at=next_at, outcome=outcome.value, updated_at=now))
        return state, next_at

    @staticmethod
    def _steps(order_id: str, attempt_id: str, outcome: AttemptOutcome, digit: str | None,
               recording: str | None) -> tuple[Step, ...]:
        # the start is repeated: a server that stopped between the claim and pushing it still starts the visit
        start = Step(step_op_id(attempt_id, "start"), order_id,
                     StartRevisit(RevisitChannel.AUTOMATED_CALL, evidence=f"survey attempt {attempt_id}"))
        rating = rating_of(digit)
        if outcome is AttemptOutcome.RATED and rating is not None:
            evidence = recording or f"survey attempt {attempt_id}: DTMF {digit}"
            return start, Step(step_op_id(attempt_id, "rate"), order_id, RecordRating(rating, evidence=evidence))
        if outcome.ends_attempts:
            return start, Step(step_op_id(attempt_id, "fail"), order_id,
                               FailAutomatedVisit(outcome.zh, evidence=recording))
        return (start,)

    # --- status -------------------------------------------------------------------------------------------------

    def status(self, now: datetime) -> dict[str, Any]:
        now = now.astimezone(UTC)
        a, j = db.survey_attempts.c, db.survey_jobs.c
        zone = self.policy.calendar.zone
        local = now.astimezone(zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        try:
            with self.engine.connect() as conn:
                states = dict(conn.execute(sa.select(j.state, sa.func.count()).group_by(j.state)).all())
                due = int(conn.execute(sa.select(sa.func.count()).select_from(db.survey_jobs)
                                       .where(j.state == JobState.QUEUED.value).where(j.next_at <= now))
                          .scalar_one())
                in_flight = int(conn.execute(sa.select(sa.func.count()).select_from(db.survey_attempts)
                                             .where(a.finished_at.is_(None))).scalar_one())
                outcomes = dict(conn.execute(sa.select(a.outcome, sa.func.count())
                                             .where(a.finished_at >= midnight).group_by(a.outcome)).all())
                digits = dict(conn.execute(sa.select(a.digit, sa.func.count())
                                           .where(a.finished_at >= midnight)
                                           .where(a.outcome == AttemptOutcome.RATED.value).group_by(a.digit)).all())
        except SQLAlchemyError as exc:
            raise SyncError(f"cannot read the survey's state: {type(exc).__name__}", code="db_unavailable") from exc
        opens = self.policy.next_open(now)
        end = self.policy.window_end(now)
        return {"queued": int(states.get(JobState.QUEUED.value, 0)), "due_now": due, "in_flight": in_flight,
                "jobs": {k: int(v) for k, v in states.items()},
                "today": {k: int(v) for k, v in outcomes.items() if k},
                "ratings_today": {k: int(v) for k, v in digits.items() if k},
                "in_window": end is not None, "window_ends": end.isoformat() if end else None,
                "next_window": opens.isoformat() if end is None else
                self.policy.next_open(end).isoformat()}
