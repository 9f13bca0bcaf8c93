"""The central ticket store's websocket server (`agent-desktop server`).

One process: a websockets 17 server (new asyncio API) whose connections each run

- a reader: the hello (token → user; the user's role and unit come from the store, never from the client), then
  every message checked by `sync.protocol`; pushes go to the writer in arrival order, a malformed message gets an
  `error` (and is logged) and the connection goes on; a bad token or protocol version gets a fatal error and a close;
- an answerer: sends each push's ack or reject in the order the pushes came;
- a sender: walks the change log from the hello's resume cursor in cursor order — the backlog from the database,
  then the in-memory tail of recent changes — and sends the changes this user may see, then `caught_up`, then live
  changes as they come.

A user whose operations are rejected at a high rate is slowed down, told once (`slowed_down`) and reported
(`sync.server.throttle`). Both ends give websockets a logger that never writes a token or a frame's content
(`sync.wire_log`).

The writer is one task per process draining a queue: whatever pushes are waiting (up to `MAX_BATCH`) are applied
in one transaction on a dedicated thread (group commit), then answered. The feed keeps the recent tail of the change
log in memory, gap-free in cursor order: after a local commit it appends the new rows when they follow its head,
otherwise (another process wrote in between) it reads the log from its head. With PostgreSQL a LISTEN connection
wakes the feed when any process commits; a slow poll covers a lost notification (and a SQLite file written by
something else).

`GET /healthz` on the same port answers 200 with the newest cursor when the database answers, else 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import logging
import ssl
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from agent_desktop.core.errors import SyncError
from agent_desktop.core.lifecycle import RuleContext
from agent_desktop.core.prefill_feedback import FEEDBACK_READERS
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.survey import AttemptOutcome, CallingPolicy, SurveySettings
from sync import protocol
from sync.server import db
from sync.server.clock import CLOCK_INTERVAL_S, CentreClock
from sync.server.store import MAX_BATCH, CentralStore, ChangeRow, Outcome, Submitted, User, hash_token, utc_now
from sync.server.survey import Step, SurveyBook
from sync.server.throttle import REJECT_BURST, REJECT_RATE, RejectionThrottle
from sync.wire_log import wire_log

_STOP_GRACE_S = 10.0

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 10.0
# websockets itself closes a connection (1009) on a frame above this; frames between the protocol's limit and this
# get a clear `error` message_too_big and the connection goes on.
TRANSPORT_MAX_BYTES = 4 * protocol.MAX_MESSAGE_BYTES
FEED_TAIL = 5_000  # recent changes kept in memory (a few KiB each) for live fan-out and short catch-ups
CATCH_UP_PAGE = 1000
POLL_INTERVAL_S = 2.0
MAX_IN_FLIGHT = 1000  # pushes of one connection awaiting their answer before its reader waits
# told once when a user's rejections start slowing its pushes down (sync.server.throttle); the connection goes on
_SLOWED_DOWN = protocol.encode(protocol.Error(
    code="slowed_down", message="too many of your operations were rejected; the centre handles your next ones "
    "more slowly until the rate falls"))


def tls_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """A server TLS context from a certificate chain and its private key (PEM)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise SyncError(f"cannot load the TLS certificate {cert} / key {key}: {exc}", code="tls_error") from exc
    return context


class ChangeFeed:
    """The recent tail of the change log, gap-free in cursor order, and a wake-up for senders waiting on it."""

    def __init__(self, head: int, size: int = FEED_TAIL) -> None:
        self.head = head
        self._size = size
        self._rows: OrderedDict[int, ChangeRow] = OrderedDict()
        self._changed = asyncio.Event()

    @property
    def first(self) -> int:
        """The oldest cursor held (head + 1 when empty)."""
        return next(iter(self._rows)) if self._rows else self.head + 1

    def extend(self, rows: list[ChangeRow]) -> bool:
        """Append rows that follow the head; False (nothing taken) when they leave a gap."""
        fresh = [r for r in rows if r.cursor > self.head]
        if not fresh:
            return True
        if fresh[0].cursor != self.head + 1:
            return False
        for row in fresh:
            self._rows[row.cursor] = row
            self.head = row.cursor
        while len(self._rows) > self._size:
            self._rows.popitem(last=False)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        return True

    def after(self, cursor: int, limit: int = CATCH_UP_PAGE) -> list[ChangeRow] | None:
        """Rows after `cursor` from memory, or None when they are older than the tail (read the database)."""
        if cursor + 1 < self.first:
            return None
        out = []
        for c in range(cursor + 1, min(self.head, cursor + limit) + 1):
            out.append(self._rows[c])
        return out

    async def wait_beyond(self, cursor: int) -> None:
        if self.head <= cursor:
            await self._changed.wait()


@dataclass
class _Connection:
    user: User
    actor: Actor
    seat: str | None
    client_id: str
    resume_from: int
    batch_changes: bool
    token_sha256: str
    answers: asyncio.Queue[asyncio.Future[Outcome] | str] = field(
        default_factory=lambda: asyncio.Queue(MAX_IN_FLIGHT))


class CentralServer:
    """The server of one process. `await start()`, then `.port`; `await stop()` closes every connection."""

    def __init__(self, db_url: str | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None, run_migrations: bool = True,
                 ctx: RuleContext | None = None, clock: Callable[[], datetime] = utc_now,
                 hello_timeout_s: float = HELLO_TIMEOUT_S, access_check_s: float = POLL_INTERVAL_S,
                 cipher: FieldCipher | None = None, reject_burst: float = REJECT_BURST,
                 reject_rate: float = REJECT_RATE, survey_settings: SurveySettings | None = None,
                 clock_interval_s: float = CLOCK_INTERVAL_S, server_id: str | None = None) -> None:
        self.hello_timeout_s = hello_timeout_s
        self.access_check_s = access_check_s
        self.db_url = db_url or db.default_db_url()
        self.host = host
        self._port = port
        self.ssl_context = ssl_context
        self.run_migrations = run_migrations
        self.engine = db.create_engine(self.db_url)
        self.store = CentralStore(self.engine, ctx=ctx, clock=clock, cipher=cipher)
        self.throttle = RejectionThrottle(burst=reject_burst, rate=reject_rate)
        policy = CallingPolicy(survey_settings or SurveySettings(), self.store.ctx.calendar)
        self.survey = SurveyBook(self.engine, policy, decode=self.store._decode, cipher=cipher)
        self.clock_interval_s = clock_interval_s
        self.centre_clock = CentreClock(self.store, server_id=server_id)
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self._reader_threads = ThreadPoolExecutor(4, thread_name_prefix="store-reader")
        self._queue: asyncio.Queue[tuple[Submitted, asyncio.Future[Outcome]]] | None = None
        self._feed: ChangeFeed | None = None
        self._server: Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._poke = asyncio.Event()
        self._connections: dict[ServerConnection, _Connection] = {}

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"{'wss' if self.ssl_context else 'ws'}://{self.host}:{self.port}"

    async def _in_reader(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._reader_threads, fn, *args)

    async def start(self) -> None:
        if self.run_migrations:
            await self._in_reader(db.migrate, self.engine)
        self._queue = asyncio.Queue()
        self._feed = ChangeFeed(await self._in_reader(self.store.head))
        self._tasks.append(asyncio.create_task(self._write_loop(), name="store-writer"))
        self._tasks.append(asyncio.create_task(self._feed_loop(), name="change-feed"))
        self._tasks.append(asyncio.create_task(self._access_loop(), name="access-check"))
        if self.store.is_postgres:
            self._tasks.append(asyncio.create_task(self._listen_loop(), name="pg-listen"))
        if self.clock_interval_s > 0:
            self._tasks.append(asyncio.create_task(self._clock_loop(), name="centre-clock"))
        self._server = await serve(
            self._handle, self.host, self._port, ssl=self.ssl_context, process_request=self._process_request,
            max_size=TRANSPORT_MAX_BYTES, server_header="agent-desktop-central-store", compression=None,
            logger=wire_log("websockets.server"),  # its frame log at DEBUG would show the hello's token
        )
        log.info("central store serving on %s (database %s)", self.url, db.safe_url(self.db_url))

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        # a cancellation can be lost inside psycopg's async LISTEN (psycopg#1371): a bounded wait keeps stop() from
        # hanging; a task still running then is abandoned with a warning rather than blocking shutdown forever
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=_STOP_GRACE_S)
            for task in pending:
                log.warning("server stop: task %s did not end within %.0f s", task.get_name(), _STOP_GRACE_S)
            for task in _done:
                if not task.cancelled():
                    with contextlib.suppress(Exception):
                        task.exception()
        self._tasks.clear()
        self._writer_thread.shutdown(wait=True)
        self._reader_threads.shutdown(wait=True)
        self.engine.dispose()

    # --- HTTP -------------------------------------------------------------------------------------------------

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != "/healthz":
            return None
        try:
            head = await asyncio.wait_for(self._in_reader(self.store.head), timeout=5)
        except (SyncError, TimeoutError) as exc:
            log.warning("health check: database unavailable: %s", exc)
            return _json_response(http.HTTPStatus.SERVICE_UNAVAILABLE, {"status": "unavailable", "db": "down"})
        feed_head = self._feed.head if self._feed else 0
        return _json_response(http.HTTPStatus.OK, {"status": "ok", "cursor": head, "fed_cursor": feed_head,
                                                   "connections": len(self._connections),
                                                   "users_slowed_down": self.throttle.slowed_users})

    # --- connections ------------------------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        peer = _peer(ws)
        try:
            connection = await self._greet(ws, peer)
        except ConnectionClosed:
            return
        if connection is None:
            return
        self._connections[ws] = connection
        tasks = [
            asyncio.create_task(self._read_loop(ws, connection)),
            asyncio.create_task(self._answer_loop(ws, connection)),
            asyncio.create_task(self._send_loop(ws, connection, connection.resume_from)),
        ]
        try:
            # the first of the three to end ends the connection: the peer closed (reader), the store failed
            # (answerer, sender: the client reconnects and resumes, nothing is lost) or a bug (logged)
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            failed = False
            for task in done:
                error = task.exception()
                if isinstance(error, SyncError):
                    log.error("closing %s's connection: %s", connection.user.user_id, error)
                elif error is not None and not isinstance(error, ConnectionClosed):
                    log.error("closing %s's connection after an unexpected error", connection.user.user_id,
                              exc_info=error)
                failed = failed or (error is not None and not isinstance(error, ConnectionClosed))
            await ws.close(CloseCode.TRY_AGAIN_LATER if failed else CloseCode.NORMAL_CLOSURE,
                           "store unavailable, reconnect and push again" if failed else "")
        finally:
            self._connections.pop(ws, None)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, SyncError):
                    await task
            log.info("%s (%s) disconnected", connection.user.user_id, peer)

    async def _greet(self, ws: ServerConnection, peer: str) -> _Connection | None:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=self.hello_timeout_s)
        except TimeoutError:
            await self._fatal(ws, "hello_timeout", f"no hello within {self.hello_timeout_s:g} s", peer)
            return None
        try:
            hello = protocol.decode_client_message(raw)
        except SyncError as exc:
            await self._fatal(ws, exc.code, exc.message, peer)
            return None
        if not isinstance(hello, protocol.Hello):
            await self._fatal(ws, "hello_required", f"the first message must be hello, not {hello.type.value}", peer)
            return None
        try:
            user = await self._in_reader(self.store.authenticate, hello.token)
        except SyncError as exc:
            log.error("cannot check a token from %s: %s", peer, exc)
            await ws.close(CloseCode.TRY_AGAIN_LATER, "store unavailable")
            return None
        if user is None:
            await self._fatal(ws, "unauthorized", "unknown or disabled token", peer)
            return None
        assert self._feed is not None
        welcome = protocol.Welcome(user_id=user.user_id, role=user.role, unit=user.unit,
                                   server_cursor=self._feed.head, server_time=utc_now())
        await ws.send(protocol.encode(welcome))
        resume_from = hello.resume_from
        if resume_from > self._feed.head and resume_from > await self._in_reader(self.store.head):
            # the seat's cursor comes from another store (restored from a backup, a different database): send it
            # everything again rather than nothing — applying a version it already has is a no-op on the seat
            log.warning("%s resumes after %d but the store's newest change is older: sending all changes",
                        user.user_id, resume_from)
            await ws.send(protocol.encode(protocol.Error(
                code="cursor_ahead", message=f"resume cursor {resume_from} is ahead of this store; resending all")))
            resume_from = 0
        connection = _Connection(user, user.actor(hello.seat), hello.seat, hello.client_id, resume_from,
                                 hello.batch_changes, hash_token(hello.token))
        log.info("%s (%s%s) connected from %s, seat %s, resuming after %d", user.user_id, user.role.value,
                 f", {user.unit}" if user.unit else "", peer, hello.seat or "-", hello.resume_from)
        return connection

    async def _fatal(self, ws: ServerConnection, code: str, message: str, peer: str) -> None:
        log.warning("refused connection from %s: %s (%s)", peer, message, code)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(protocol.encode(protocol.Error(code=code, message=message, fatal=True)))
            await ws.close(CloseCode.POLICY_VIOLATION, code)

    async def _read_loop(self, ws: ServerConnection, connection: _Connection) -> None:
        assert self._queue is not None
        async for raw in ws:
            delay = self.throttle.delay(connection.user.user_id)
            if delay > 0:
                # a user whose operations are rejected at a high rate waits before each further message is handled
                await asyncio.sleep(delay)
            try:
                message = protocol.decode_client_message(raw)
            except SyncError as exc:
                await self._refused_message(ws, connection, exc)
                continue
            if isinstance(message, protocol.Push | protocol.KbPush) and connection.user.role is Role.SURVEY:
                # the dialer's user records ratings only through the attempts it claimed (`survey` messages)
                await connection.answers.put(_survey_user_refused(message))
            elif isinstance(message, protocol.SurveyRequest):
                await connection.answers.put(await self._survey_request(connection, message))
            elif isinstance(message, protocol.Push | protocol.KbPush):
                future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
                await connection.answers.put(future)
                self._queue.put_nowait((Submitted(connection.user, connection.seat, message, utc_now()), future))
            elif isinstance(message, protocol.FeedbackRead):
                await connection.answers.put(await self._feedback_page(connection, message))
            elif isinstance(message, protocol.Ping):
                await connection.answers.put(protocol.encode(protocol.Pong(message.nonce)))
            elif isinstance(message, protocol.Pong):
                continue
            else:  # a second hello
                await connection.answers.put(protocol.encode(protocol.Error(
                    code="unexpected_hello", message="this connection is already authenticated")))

    async def _refused_message(self, ws: ServerConnection, connection: _Connection, exc: SyncError) -> None:
        # the message names fields and problems, never a personal value (core.validation.shown_value)
        log.warning("refused a message from %s (%s): %s: %s", connection.user.user_id, _peer(ws), exc.code,
                    exc.message[:300])
        slowed = self.throttle.rejected(connection.user.user_id)
        op_id = exc.details.get("op_id")
        if exc.code in ("bad_command", "not_sealed", "bad_seal", "bad_feedback") and op_id \
                and "order_id" in exc.details:
            # the envelope is good: answer the operation itself, so the seat can drop it from its outbox
            text = protocol.encode(protocol.Reject(op_id=op_id, order_id=exc.details["order_id"], code=exc.code,
                                                   reason=exc.message))
        elif exc.code in ("bad_command", "not_sealed", "bad_seal") and op_id and "entry_id" in exc.details:
            text = protocol.encode(protocol.KbReject(op_id=op_id, entry_id=exc.details["entry_id"], code=exc.code,
                                                     reason=exc.message))
        else:
            text = protocol.encode(protocol.error_for(exc))
        await connection.answers.put(text)
        if slowed:
            await connection.answers.put(_SLOWED_DOWN)

    async def _feedback_page(self, connection: _Connection, read: protocol.FeedbackRead) -> str:
        """A page of pre-fill feedback for a supervisor; anyone else is told no (the figures are the centre's)."""
        if connection.user.role not in FEEDBACK_READERS:
            log.warning("%s (%s) asked for pre-fill feedback", connection.user.user_id, connection.user.role.value)
            return protocol.encode(protocol.Error(
                code="role_not_allowed", message=f"a {connection.user.role.value} may not read pre-fill feedback"))
        items, after = await self._in_reader(lambda: self.store.feedback_page(
            after=read.after, since=read.since, until=read.until, limit=read.limit))
        return protocol.dump_feedback_page(read.request_id, items, after)

    async def _survey_request(self, connection: _Connection, request: protocol.SurveyRequest) -> str:
        """claim / finish for the survey dialer's user; status for it and supervisors; anyone else is refused."""
        role = connection.user.role
        verb = protocol.SurveyVerb(request.verb)
        allowed = role is Role.SURVEY or (role is Role.SUPERVISOR and verb is protocol.SurveyVerb.STATUS)
        if not allowed:
            log.warning("%s (%s) sent a survey %s", connection.user.user_id, role.value, verb.value)
            return _survey_reply(request, False, {"message": f"a {role.value} may not {verb.value} survey "
                                                             "attempts"}, "role_not_allowed")
        dialer = f"{connection.user.user_id}/{connection.client_id}"
        body = request.body
        try:
            if verb is protocol.SurveyVerb.STATUS:
                now = self.store.clock()
                return _survey_reply(request, True, await self._in_reader(self.survey.status, now))
            if verb is protocol.SurveyVerb.CLAIM:
                limit = body.get("limit", 1)
                if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 64:
                    raise SyncError("claim.limit must be a whole number from 0 to 64", code="bad_field")
                now = self.store.clock()
                claims, steps = await self._in_reader(self.survey.claim, dialer, limit, now)
                outcomes = await self._apply_steps(connection.user, steps, now)
                granted = []
                for claim, outcome in zip(claims, outcomes, strict=True):
                    if outcome.applied or outcome.code is None:
                        granted.append(claim.to_dict())
                    else:  # the order left the visit between the claim and its start: no call
                        await self._in_reader(self.survey.abandon, claim.attempt_id, outcome.code, now)
                return _survey_reply(request, True, {"claims": granted, "server_time": now.isoformat()})
            if verb is protocol.SurveyVerb.ORPHANS:
                now = self.store.clock()
                return _survey_reply(request, True, {"attempts": await self._in_reader(self.survey.orphans, now)})
            if verb is protocol.SurveyVerb.RELEASE:
                ids = body.get("attempt_ids")
                if not isinstance(ids, list) or len(ids) > 64 or not all(
                        isinstance(i, str) and 0 < len(i) <= 80 for i in ids):
                    raise SyncError("release.attempt_ids must be a list of at most 64 attempt ids", code="bad_field")
                now = self.store.clock()
                released = await self._in_reader(self.survey.release, dialer, ids, now)
                return _survey_reply(request, True, {"released": released})
            attempt_id = body.get("attempt_id")
            digit, recording = body.get("digit"), body.get("recording")
            if not isinstance(attempt_id, str) or not 0 < len(attempt_id) <= 80:
                raise SyncError("finish.attempt_id must be an attempt id", code="bad_field")
            try:
                outcome = AttemptOutcome(body.get("outcome"))
            except ValueError:
                raise SyncError(f"finish.outcome must be one of {', '.join(AttemptOutcome)}",
                                code="bad_field") from None
            for name, value, limit in (("digit", digit, 8), ("recording", recording, 400)):
                if value is not None and (not isinstance(value, str) or len(value) > limit):
                    raise SyncError(f"finish.{name} must be text of at most {limit} characters or null",
                                    code="bad_field")
            now = self.store.clock()
            finished = await self._in_reader(self.survey.finish, dialer, attempt_id, outcome, digit,
                                             recording, now)
            outcomes = await self._apply_steps(connection.user, list(finished.steps), now)
            return _survey_reply(request, True, {
                "attempt_id": attempt_id, "outcome": finished.outcome.value, "job_state": finished.job_state.value,
                "next_at": finished.next_at.isoformat() if finished.next_at else None,
                "duplicate": finished.duplicate, "late": finished.late,
                "steps": [{"action": step.command.action.value, "applied": o.applied, "code": o.code}
                          for step, o in zip(finished.steps, outcomes, strict=True)]})
        except SyncError as exc:
            return _survey_reply(request, False, {"message": exc.message}, exc.code)

    async def _apply_steps(self, user: User, steps: list[Step], now: datetime) -> list[Outcome]:
        """Lifecycle steps the centre takes for `user` (the survey dialer's, the clock's), through the writer like any
        push: exactly once by their fixed operation ids, and out to every desk that may see the order."""
        assert self._queue is not None
        futures = []
        for step in steps:
            future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
            push = protocol.Push(op_id=step.op_id, order_id=step.order_id, base_version=0, command=step.command,
                                 made_at=now)
            self._queue.put_nowait((Submitted(user, None, push, now), future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def _clock_loop(self) -> None:
        """The centre's clock: one tick per interval in whichever process holds the clock's lease."""
        while True:
            # the first tick one interval after start: a process starting does not race the others for the lease
            await asyncio.sleep(self.clock_interval_s)
            try:
                now = self.store.clock()
                if await self._in_reader(self.centre_clock.acquire, now, self.clock_interval_s):
                    await self.run_clock(now)
            except SyncError as exc:
                log.warning("the centre's clock skipped a tick: %s", exc)
            except Exception:
                log.exception("the centre's clock failed in a tick")

    async def run_clock(self, now: datetime) -> dict[str, int]:
        """One tick of the centre's clock at `now` (tests call it with their own time)."""
        steps = await self._in_reader(self.centre_clock.due_steps, now)
        outcomes = await self._apply_steps(self.centre_clock.user, steps, now)
        applied = sum(1 for o in outcomes if o.change is not None)  # a replayed op id answers without a change
        warnings = await self._in_reader(self.centre_clock.warnings, now)
        rows = await asyncio.get_running_loop().run_in_executor(self._writer_thread, self.store.raise_warnings,
                                                                warnings, now)
        if rows and self._feed is not None and not self._feed.extend(rows):
            self._poke.set()
        counts = {"steps": len(steps), "applied": applied, "warnings": len(rows)}
        if applied:
            log.info("the centre's clock applied %d of %d steps", applied, len(steps))
        return counts

    async def _answer_loop(self, ws: ServerConnection, connection: _Connection) -> None:
        while True:
            item = await connection.answers.get()
            if isinstance(item, str):
                await ws.send(item)
                continue
            # a SyncError here (the store could not commit: nothing of this push was stored) ends the connection;
            # the client reconnects and pushes again, which is safe because operations are idempotent
            outcome = await item
            await ws.send(outcome.text)
            if not outcome.applied and self.throttle.rejected(connection.user.user_id):
                await ws.send(_SLOWED_DOWN)

    async def _send_loop(self, ws: ServerConnection, connection: _Connection, cursor: int) -> None:
        assert self._feed is not None
        feed = self._feed
        caught_up = False
        while True:
            rows = feed.after(cursor)
            if rows is None:
                rows = await self._in_reader(self.store.changes_after, cursor, CATCH_UP_PAGE)
            visible = [row.text for row in rows if row.audience.admits(connection.actor)]
            if connection.batch_changes:
                for frame in _batches(visible):
                    await ws.send(frame)
            else:
                for text in visible:
                    await ws.send(text)
            if rows:
                cursor = rows[-1].cursor
                continue
            if not caught_up:
                await ws.send(protocol.encode(protocol.CaughtUp(cursor=cursor)))
                caught_up = True
            await feed.wait_beyond(cursor)

    # --- writing ----------------------------------------------------------------------------------------------

    async def import_kb_entries(self, entries: list[Any]) -> int:
        """`CentralStore.import_kb_entries` on the writer's thread, then the new changes go out to every desk."""
        added = await asyncio.get_running_loop().run_in_executor(self._writer_thread, self.store.import_kb_entries,
                                                                 entries)
        self._poke.set()
        return int(added)

    async def _write_loop(self) -> None:
        assert self._queue is not None and self._feed is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [item for item, _ in batch]
            started = loop.time()
            try:
                outcomes = await loop.run_in_executor(self._writer_thread, self.store.apply_batch, items)
            except SyncError as exc:
                log.error("a batch of %d operations was not stored: %s", len(batch), exc)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except Exception as exc:
                # a defect (not a database failure) must not end this task: every later push of every desk would
                # wait forever. The transaction was rolled back; the senders reconnect and push again.
                log.exception("a batch of %d operations failed unexpectedly and was not stored", len(batch))
                error = SyncError(f"the server could not store this batch: {type(exc).__name__}",
                                  code="internal_error")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            log.debug("stored a batch of %d operations in %.1f ms", len(batch), (loop.time() - started) * 1000)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
            rows = [o.change for o in outcomes if o.change is not None]
            if rows and not self._feed.extend(rows):
                self._poke.set()  # another process committed in between: read the log from the feed's head

    async def _feed_loop(self) -> None:
        assert self._feed is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), timeout=POLL_INTERVAL_S)
            self._poke.clear()
            try:
                while True:
                    rows = await self._in_reader(self.store.changes_after, self._feed.head, CATCH_UP_PAGE)
                    if not rows:
                        break
                    self._feed.extend(rows)
            except SyncError as exc:
                log.warning("cannot read the change log: %s", exc)

    async def _access_loop(self) -> None:
        """A disabled user, or one whose token was replaced, loses its open connections within a check interval, not
        only at its next connection: a leaked token or a unit account closed at once must stop receiving orders."""
        while True:
            await asyncio.sleep(self.access_check_s)
            sessions = {(c.user.user_id, c.token_sha256) for c in self._connections.values()}
            try:
                revoked = await self._in_reader(self.store.revoked, sessions)
            except SyncError as exc:
                log.warning("cannot check the connected users: %s", exc)
                continue
            for ws, connection in list(self._connections.items()):
                if (connection.user.user_id, connection.token_sha256) in revoked:
                    log.warning("closing %s's connection: the user was disabled or given a new token",
                                connection.user.user_id)
                    with contextlib.suppress(ConnectionClosed):
                        await ws.send(protocol.encode(protocol.Error(
                            code="token_revoked", message="this account was disabled or its token replaced",
                            fatal=True)))
                        await ws.close(CloseCode.POLICY_VIOLATION, "token_revoked")

    async def _listen_loop(self) -> None:
        """LISTEN for other processes' commits (PostgreSQL); reconnects after a failure."""
        import psycopg  # noqa: PLC0415 - only with PostgreSQL

        conninfo = db.libpq_conninfo(self.db_url)
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {db.NOTIFY_CHANNEL}")
                    delay = 0.5
                    self._poke.set()  # anything committed while not listening
                    async for notify in conn.notifies():
                        # the payload is the committer's newest cursor: our own commits are already in the feed
                        if not notify.payload.isdigit() or self._feed is None or int(notify.payload) > self._feed.head:
                            self._poke.set()
            except psycopg.Error as exc:
                log.warning("LISTEN connection to PostgreSQL lost: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)


def _survey_reply(request: protocol.SurveyRequest, ok: bool, body: dict[str, Any], code: str | None = None) -> str:
    return protocol.encode(protocol.SurveyReply(request.request_id, ok, body, code))


def _survey_user_refused(message: protocol.Push | protocol.KbPush) -> str:
    reason = "the survey dialer's user records ratings of the attempts it claimed, and nothing else"
    if isinstance(message, protocol.KbPush):
        return protocol.encode(protocol.KbReject(op_id=message.op_id, entry_id=message.entry_id,
                                                 code="role_not_allowed", reason=reason))
    return protocol.encode(protocol.Reject(op_id=message.op_id, order_id=message.order_id, code="role_not_allowed",
                                           reason=reason))


def _batches(texts: list[str]) -> list[str]:
    """Change frames joined into `changes` frames that stay within the protocol's size limit (a single change is
    sent as it is)."""
    frames: list[str] = []
    group: list[str] = []
    size = 0
    budget = protocol.MAX_MESSAGE_BYTES - 64
    for text in texts:
        length = len(text.encode("utf-8"))
        if group and size + length + 1 > budget:
            frames.append(group[0] if len(group) == 1 else protocol.encode_change_batch(group))
            group, size = [], 0
        group.append(text)
        size += length + 1
    if group:
        frames.append(group[0] if len(group) == 1 else protocol.encode_change_batch(group))
    return frames


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) >= 2 else str(address)


def _json_response(status: http.HTTPStatus, body: dict[str, Any]) -> Response:
    data = (json.dumps(body) + "\n").encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                       ("Connection", "close")])
    return Response(status.value, status.phrase, headers, data)
