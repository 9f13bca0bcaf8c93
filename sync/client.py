"""The seat's sync client: pushes the outbox to the central ticket store over a websocket and brings every change made
elsewhere back into the local store.

Theory of operation
-------------------
`SyncClient.run()` is one loop: connect → session → (connection lost) → wait a backoff delay → connect again, until
`stop()`. The seat never waits for it: steps are saved in the local store first (`LocalStore.apply_local`), and the
client only moves what is saved.

A session:
1. sends `hello` with the token and the store's cursor (`resume_from`: the last change applied here);
2. reads `welcome` (who the server says we are) — or a fatal `error` (a bad token: the client stops and shows it,
   it does not hammer the server with retries);
3. runs two tasks until the connection ends:
   - the **pusher** sends pending operations in `seq` order, pipelined: up to `window` pushes in flight without
     waiting for their acks (the server handles one connection's messages in order, so order is kept). It is woken
     by `wake()` when the seat saves a step, by every settled op, and by a slow poll as a safety net;
   - the **receiver** reads frames, validates them (`sync.protocol`), and applies whatever has arrived together in
     ONE store transaction (`LocalStore.results()`): acks, rejects, changes, `caught_up`. Batching is what makes
     a catch-up of thousands of changes cheap while a lone ack still goes through at once.

At-least-once, applied exactly once: after a reconnect everything still pending is pushed again from the start;
the server recognises op ids it has already applied and answers with the same ack (`duplicate`). The cursor only
moves with changes applied here (and `caught_up`), never with an ack, so a change made elsewhere is never skipped.

State for the status bar (`SyncStatus`: connection state, queue depth, in flight, last error, last sync) goes to
`on_status` listeners after every change of it. Reconnect delays grow exponentially with jitter (`backoff_delays`,
pure) so a center that comes back is not stormed by every seat at the same instant; which errors are worth a retry
is decided by `is_retryable` (pure). The backoff is the desktop's one (`agent_desktop.core.backoff`, shared with AMI).

May import `agent_desktop`, `sync.protocol`, `sync.local_store`, websockets; never `ui`, never `sync.server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from agent_desktop.core.backoff import Backoff, backoff_delays
from agent_desktop.core.errors import AgentDesktopError, SyncError
from agent_desktop.core.listeners import call_safely
from agent_desktop.core.prefill_feedback import feedback_from_dict
from agent_desktop.core.serialization import command_from_dict
from sync import protocol
from sync.local_store import CentreWarning, LocalStore, PendingOperation, StoreBrief, StoreResults
from sync.status import SyncState, SyncStatus
from sync.wire_log import wire_log

logger = logging.getLogger(__name__)

# Codes of a fatal `error` answering our hello that a retry cannot cure (the operator must fix the configuration).
FATAL_CODES = frozenset({"unauthorized", "forbidden", "unsupported_protocol", "bad_token", "token_revoked"})

MAX_BATCH = 500  # results applied per store transaction
DEFAULT_BACKOFF = Backoff()
DECODE_SLICE_S = 0.005  # frames decoded on the loop before it is given back to the other tasks (AMI, audio)
CURSOR_AHEAD = "cursor_ahead"  # the center's error when our resume cursor is beyond its newest change


class ServerRefused(SyncError):
    """The server answered with an `error` message."""

    def __init__(self, error: protocol.Error) -> None:
        super().__init__(f"the center refused: {error.message}", code=error.code,
                         details={"fatal": error.fatal})
        self.fatal = error.fatal


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed connection is worth another try later. A wrong address, a refused token or a protocol
    version the server does not speak are not; a network error, a timeout, a closed connection, a server error
    status or a garbled frame are."""
    if isinstance(exc, ServerRefused):
        return not (exc.fatal and exc.code in FATAL_CODES)
    if isinstance(exc, InvalidURI):
        return False
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return status >= 500 or status in (408, 429)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False
    return isinstance(exc, OSError | TimeoutError | ConnectionClosed | InvalidHandshake | SyncError | EOFError)


StatusListener = Callable[[SyncStatus], None]
ChangeListener = Callable[[list[str]], None]  # ids of orders whose local view changed
WarningListener = Callable[[list[CentreWarning]], None]  # the centre's warnings new to this desk


@dataclass(frozen=True, slots=True)
class AckTiming:
    """How long an op took: `received_s` from its push to the center's answer being read (the round trip through
    the center), `settled_s` to that answer being committed in the seat's store."""

    received_s: float
    settled_s: float


@dataclass
class _Session:
    """The state of one connection (forgotten when it ends: pending ops are pushed again on the next)."""

    ws: ClientConnection
    in_flight: dict[str, float] = field(default_factory=dict)  # op_id -> monotonic time sent
    # ops of ours whose resulting order has arrived once (in the ack or in the fan-out change, whichever came
    # first): the other message brings nothing new but a cursor, and is not decoded again
    order_seen: set[str] = field(default_factory=set)
    last_sent_seq: int = 0
    exhausted: bool = False  # the last read of the outbox returned everything pending after last_sent_seq
    answered: dict[str, float] = field(default_factory=dict)  # op_id -> monotonic time its answer was read
    caught_up: bool = False


class SyncClient:
    """See the module docstring. Create it in the event loop's thread; `wake()` may be called from any thread."""

    def __init__(
        self,
        store: LocalStore,
        url: str,
        token: str,
        *,
        seat: str | None = None,
        window: int = 64,
        ssl_context: ssl.SSLContext | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,  # a frozen value: sharing it is safe
        open_timeout_s: float = 10.0,
        ping_interval_s: float | None = 20.0,
        poll_interval_s: float = 2.0,
        ack_timeout_s: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if window < 1:
            raise SyncError("the push window must be at least 1", code="bad_config")
        self._store = store
        self._url = url
        self._token = token
        self._seat = seat
        self._window = window
        self._ssl = ssl_context
        self._backoff = backoff
        self._open_timeout_s = open_timeout_s
        self._ping_interval_s = ping_interval_s
        self._poll_interval_s = poll_interval_s
        self._rng = rng or random.Random()
        self._status = SyncStatus()
        self._status_listeners: list[StatusListener] = []
        self._change_listeners: list[ChangeListener] = []
        self._warning_listeners: list[WarningListener] = []
        self._ack_listeners: list[Callable[[str, AckTiming], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._status_changed = asyncio.Condition()
        self._session: _Session | None = None
        self._welcomed = False
        self._saved = False  # a step was saved since the pusher last read the store
        self._brief_as_of = 0  # StoreBrief.as_of of the snapshot the status shows
        self._ack_timeout_s = ack_timeout_s

    def __repr__(self) -> str:  # the token never appears
        return f"SyncClient(url={self._url!r}, seat={self._seat!r}, state={self._status.state.value})"

    # --- for the UI and the service ------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def store(self) -> LocalStore:
        return self._store

    def add_status_listener(self, listener: StatusListener) -> None:
        self._status_listeners.append(listener)

    def add_change_listener(self, listener: ChangeListener) -> None:
        self._change_listeners.append(listener)

    def add_warning_listener(self, listener: WarningListener) -> None:
        """`listener(warnings)` for the centre's early warnings (第33条) new to this desk, once kept in the store."""
        self._warning_listeners.append(listener)

    def add_ack_listener(self, listener: Callable[[str, AckTiming], None]) -> None:
        """`listener(op_id, AckTiming)` for each op settled on this connection (the bench uses it)."""
        self._ack_listeners.append(listener)

    def wake(self) -> None:
        """A step was saved: push it now rather than at the next poll. Safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._on_saved()
        else:
            with contextlib.suppress(RuntimeError):  # the loop is shutting down: the next session pushes it
                loop.call_soon_threadsafe(self._on_saved)

    def _on_saved(self) -> None:
        self._saved = True
        self._wake.set()

    async def run(self) -> None:
        """Connect, sync, reconnect after failures, until `stop()` (or a failure no retry can cure)."""
        self._loop = asyncio.get_running_loop()
        delays = backoff_delays(self._backoff, self._rng)
        final = SyncState.STOPPED
        try:
            while not self._stopping.is_set():
                await self._refresh_status(state=SyncState.CONNECTING)
                self._welcomed = False
                try:
                    await self._connect_and_sync()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # classified right here; never a silent crash
                    text = _describe(exc)
                    if not is_retryable(exc):
                        logger.error("sync stopped: %s", text)
                        final = SyncState.FAILED
                        await self._record_error(text, state=SyncState.FAILED)
                        return
                    if not self._stopping.is_set():
                        logger.warning("sync connection lost: %s", text)
                        await self._record_error(text, state=SyncState.OFFLINE)
                else:
                    if not self._stopping.is_set():
                        await self._record_error("the center closed the connection", state=SyncState.OFFLINE)
                if self._stopping.is_set():
                    break
                if self._welcomed:  # the center was up: start the backoff over
                    delays = backoff_delays(self._backoff, self._rng)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), next(delays))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or a broken store: show it, never die silently with waiters hanging
            logger.exception("the sync client stopped on an unexpected error")
            final = SyncState.FAILED
            self._status = replace(self._status, last_error=_describe(exc))
        finally:
            self._session = None
            try:
                await self._refresh_status(state=final, in_flight=0)
            except Exception:  # the store itself is failing: the status is all there is to tell
                logger.exception("could not read the local store for the final sync status")
                await self._set_status(StoreBrief(self._status.queue_depth, self._status.cursor,
                                                  self._status.last_sync_at, self._status.rejections,
                                                  self._brief_as_of), state=final, in_flight=0)

    def resume(self) -> None:
        """Allow `run()` again after a `stop()` (a stop asked before `run()` starts makes it return at once)."""
        self._stopping.clear()

    async def stop(self) -> None:
        """Ask `run()` to end: the open connection is closed cleanly; nothing pending is lost (it is in the store)."""
        self._stopping.set()
        session = self._session
        if session is not None:
            await session.ws.close()

    async def wait_for(self, predicate: Callable[[SyncStatus], bool], timeout: float) -> SyncStatus:
        """Wait until the status satisfies `predicate` (tests, the bench, a UI "sync now" button)."""
        async with self._status_changed:
            await asyncio.wait_for(self._status_changed.wait_for(lambda: predicate(self._status)), timeout)
            return self._status

    async def wait_synced(self, timeout: float) -> SyncStatus:
        """Wait until everything saved in the store so far is settled by the center and the backlog is received
        (or the client has failed for good). Asks the store itself: the status may lag a step saved a moment ago."""
        def done(status: SyncStatus) -> bool:
            return status.state is SyncState.FAILED or (
                status.state is SyncState.ONLINE and status.in_flight == 0 and status.queue_depth == 0
                and self._store.queue_depth() == 0)  # the status's own count first: the store read is rarely needed

        self.wake()
        return await self.wait_for(done, timeout)

    # --- one connection --------------------------------------------------------------------------------------------

    async def _connect_and_sync(self) -> None:
        async with connect(
            self._url,
            ssl=self._ssl,
            proxy=None,  # a desk talks to its own center; never through a system proxy (websockets ≥15 default)
            max_size=protocol.MAX_MESSAGE_BYTES,
            open_timeout=self._open_timeout_s,
            ping_interval=self._ping_interval_s,
            ping_timeout=self._ping_interval_s,
            close_timeout=2,
            logger=wire_log("websockets.client"),  # its frame log at DEBUG would show the hello's token
        ) as ws:
            session = _Session(ws)
            self._session = session
            if self._stopping.is_set():  # stop() came while the connection was opening: it found no session
                self._session = None
                return
            try:
                await self._handshake(session)
                self._welcomed = True
                pusher = asyncio.create_task(self._push_loop(session), name="sync-pusher")
                receiver = asyncio.create_task(self._receive_loop(session), name="sync-receiver")
                try:
                    # whichever ends first ends the session (the pusher only ends by an error, e.g. no ack in time)
                    done, _ = await asyncio.wait({pusher, receiver}, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()
                finally:
                    for task in (pusher, receiver):
                        task.cancel()
                    for task in (pusher, receiver):
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await task
            finally:
                self._session = None

    async def _handshake(self, session: _Session) -> None:
        cursor = await asyncio.to_thread(self._store.cursor)
        client_id = await asyncio.to_thread(lambda: self._store.client_id)
        hello = protocol.Hello(token=self._token, client_id=client_id, resume_from=cursor or 0, seat=self._seat)
        await session.ws.send(protocol.encode(hello))
        raw = await asyncio.wait_for(session.ws.recv(), self._open_timeout_s)
        first = protocol.decode_server_message(raw)
        if isinstance(first, protocol.Error):
            raise ServerRefused(first)
        if not isinstance(first, protocol.Welcome):
            raise SyncError(f"the center answered hello with {first.type.value}, not welcome", code="bad_message")
        logger.info("sync connected to %s as %s (%s), resuming after change %s", self._url, first.user_id,
                    first.role.value, cursor or 0)
        await self._record_error(None)
        await self._refresh_status(state=SyncState.CATCHING_UP, user_id=first.user_id, role=first.role,
                                   unit=first.unit)

    async def _push_loop(self, session: _Session) -> None:
        """Send pending ops in seq order, up to `window` unanswered. The store is asked again only when it may hold
        something not sent yet: a step was saved (`wake()`), the last read filled the window, or the slow poll."""
        ws = session.ws
        look = True  # a new connection: everything pending is pushed again
        while True:
            self._wake.clear()  # before reading: a wake() from now on is not lost
            if session.in_flight:
                oldest = min(session.in_flight.values())
                if time.monotonic() - oldest > self._ack_timeout_s:
                    # an ack lost in a garbled frame, or a server that stopped answering: start over on a new
                    # connection, where every pending op is pushed again (the server dedups)
                    raise SyncError(f"no answer to a push for {self._ack_timeout_s:.0f} s", code="ack_timeout")
            room = self._window - len(session.in_flight)
            if room > 0 and (look or self._saved or not session.exhausted):
                look = self._saved = False
                ops, brief = await asyncio.to_thread(self._store.pending_and_brief, session.last_sent_seq, room)
                session.exhausted = len(ops) < room
                for op in ops:
                    message = _push_message(op)
                    session.in_flight[op.op_id] = time.monotonic()
                    session.last_sent_seq = op.seq
                    await ws.send(message)
                await self._set_status(brief, in_flight=len(session.in_flight))
                if ops:
                    continue
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            except TimeoutError:
                look = True  # the safety net: a step saved by another process, a wake lost somewhere

    async def _receive_loop(self, session: _Session) -> None:
        """Read frames as they come; apply each run of frames that arrived together in one store transaction."""
        inbox: asyncio.Queue[protocol.Message] = asyncio.Queue()
        reader = asyncio.create_task(self._read_frames(session, inbox), name="sync-reader")
        try:
            while True:
                get = asyncio.create_task(inbox.get())
                done, _ = await asyncio.wait({get, reader}, return_when=asyncio.FIRST_COMPLETED)
                if get not in done:
                    get.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await get
                    # drain what was read before the connection ended, then let the reader's exception out
                    batch = _drain(inbox, MAX_BATCH)
                    if batch:
                        await self._apply(session, batch)
                    reader.result()
                    return
                batch = [get.result(), *_drain(inbox, MAX_BATCH - 1)]
                await self._apply(session, batch)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _read_frames(self, session: _Session, inbox: asyncio.Queue[protocol.Message]) -> None:
        slice_started = time.perf_counter()
        async for raw in session.ws:
            # A catch-up arrives as thousands of frames already buffered: `async for` would decode them all without
            # ever giving the loop back, and the loop also reads AMI (Asterisk drops a client that stops reading
            # for about 100 ms). Decode in slices of a few milliseconds.
            if time.perf_counter() - slice_started > DECODE_SLICE_S:
                await asyncio.sleep(0)
                slice_started = time.perf_counter()
            echo = _echo(raw, session.order_seen)
            if echo is not None:
                session.answered.setdefault(echo.op_id, time.monotonic())
                session.order_seen.discard(echo.op_id)
                if echo.cursor is not None:
                    inbox.put_nowait(echo)
                continue
            try:
                message = protocol.decode_server_message(raw)
            except SyncError as exc:
                # a garbled frame from the center: log and drop it; the op it concerned stays pending and is pushed
                # again on the next connection, so nothing is lost
                logger.warning("dropped a bad frame from the center: %s (%s)", exc.message, exc.code)
                await self._record_error(f"bad frame from the center: {exc.code}")
                continue
            if isinstance(message, protocol.Ack | protocol.Reject) or (
                    isinstance(message, protocol.Change) and message.op_id in session.in_flight):
                session.answered.setdefault(message.op_id, time.monotonic())
            if (isinstance(message, protocol.Ack) and message.order is not None) or (
                    isinstance(message, protocol.Change) and message.op_id in session.in_flight):
                # queued before its echo, so applied first: the echo may skip decoding the same order again
                session.order_seen.add(message.op_id)
            if isinstance(message, protocol.Ping):
                await session.ws.send(protocol.encode(protocol.Pong(message.nonce)))
                continue
            if isinstance(message, protocol.Pong):
                continue
            if isinstance(message, protocol.Error):
                if message.fatal:
                    raise ServerRefused(message)
                if message.code == CURSOR_AHEAD:
                    # our cursor is beyond the center's newest change (its store was restored from a backup): it
                    # sends everything again from 0, so forget ours, in order with the changes that follow
                    logger.warning("the center's change log is behind our cursor; receiving everything again")
                    inbox.put_nowait(_ResetCursor())
                    continue
                logger.warning("the center reported: %s (%s)", message.message, message.code)
                await self._record_error(f"{message.code}: {message.message}")
                continue
            inbox.put_nowait(message)

    async def _apply(self, session: _Session, batch: list[protocol.Message]) -> None:
        changed, settled, caught_up, brief, warned = await asyncio.to_thread(self._apply_in_store, batch)
        now = time.monotonic()
        for op_id in settled:
            sent = session.in_flight.pop(op_id, None)
            received = session.answered.pop(op_id, now)
            if sent is not None:
                timing = AckTiming(received_s=received - sent, settled_s=now - sent)
                for listener in self._ack_listeners:
                    call_safely(listener, op_id, timing, owner="sync ack")
        if caught_up:
            session.caught_up = True
        state = SyncState.ONLINE if session.caught_up else SyncState.CATCHING_UP
        await self._set_status(brief, state=state, in_flight=len(session.in_flight))
        if settled:
            self._wake.set()
        if changed:
            for listener in self._change_listeners:
                call_safely(listener, sorted(changed), owner="sync")
        if warned:
            for warning_listener in self._warning_listeners:
                call_safely(warning_listener, warned, owner="sync warnings")

    def _apply_in_store(self, batch: list[Any]) -> tuple[set[str], list[str], bool, StoreBrief, list[CentreWarning]]:
        """Runs in a worker thread: one transaction for the whole batch."""
        changed: set[str] = set()
        settled: list[str] = []
        caught_up = False
        warned: list[str] = []
        with self._store.results() as results:
            for message in batch:
                if isinstance(message, protocol.Ack):
                    results.mark_acked(message.op_id, message.version, order=message.order,
                                       order_json=message.order_json)
                    settled.append(message.op_id)
                    changed.add(message.order_id)
                elif isinstance(message, protocol.Reject):
                    results.mark_rejected(message.op_id, message.code, message.reason, order=message.order,
                                          server_version=message.version, article=message.article)
                    settled.append(message.op_id)
                    changed.add(message.order_id)
                elif isinstance(message, protocol.Change):
                    results.apply_remote_change(message.order_id, message.version, message.order, message.cursor,
                                                op_id=message.op_id)
                    if message.op_id is not None:
                        settled.append(message.op_id)
                    changed.add(message.order_id)
                elif isinstance(message, _Echo):
                    results.set_cursor(message.cursor)
                elif isinstance(message, _ResetCursor):
                    results.reset_cursor()
                elif isinstance(message, protocol.CaughtUp):
                    results.set_cursor(message.cursor)
                    caught_up = True
                elif isinstance(message, protocol.KbChange | protocol.KbAck):
                    _apply_kb_entry(results, message)
                elif isinstance(message, protocol.WarningNotice):
                    # the centre's early warning (第33条): kept for "my tasks" with the feed's place, once per id
                    if results.add_warning(message):
                        warned.append(message.warning_id)
                elif isinstance(message, protocol.KbReject):
                    logger.warning("knowledge-base operation %s refused: %s", message.op_id, message.code)
                else:  # a welcome in the middle of a session, etc.: the protocol allows it nowhere else
                    logger.warning("ignored an unexpected %s from the center", message.type.value)
            brief = results.brief()  # inside the same transaction: no second one for the status bar
            new_warnings = results.warnings(warned) if warned else []
        return changed, settled, caught_up, brief, new_warnings

    # --- status ----------------------------------------------------------------------------------------------------

    async def _record_error(self, text: str | None, *, state: SyncState | None = None) -> None:
        await asyncio.to_thread(self._store.record_error, text)
        changes: dict[str, Any] = {"last_error": text}
        if state is not None:
            changes["state"] = state
        await self._refresh_status(**changes)

    async def _refresh_status(self, **changes: Any) -> None:
        """Status change with a fresh read of the store (connection events: rare)."""
        brief = await asyncio.to_thread(self._store.brief)
        if "in_flight" not in changes and self._session is None:
            changes["in_flight"] = 0
        await self._set_status(brief, **changes)

    async def _set_status(self, brief: StoreBrief, **changes: Any) -> None:
        """Apply a store snapshot to the status — unless a newer one was applied already: snapshots are taken in
        worker threads and may arrive out of order, and an older queue depth must never overwrite a newer one (a
        status stuck at "1 pending" after the ack came back)."""
        if brief.as_of >= self._brief_as_of:
            self._brief_as_of = brief.as_of
            changes |= {"queue_depth": brief.queue_depth, "cursor": brief.cursor,
                        "last_sync_at": brief.last_sync_at, "rejections": brief.rejections}
        new = replace(self._status, **changes)
        if new == self._status:
            return
        self._status = new
        for listener in self._status_listeners:
            call_safely(listener, new, owner="sync")
        async with self._status_changed:
            self._status_changed.notify_all()


@dataclass(frozen=True, slots=True)
class _ResetCursor:
    type = protocol.MessageType.ERROR


@dataclass(frozen=True, slots=True)
class _Echo:
    """The second of an op's ack and fan-out change (the first brought the order): only a change's cursor matters."""

    op_id: str
    cursor: int | None

    type = protocol.MessageType.CHANGE


_ECHO_PREFIXES = ('{"type":"change"', '{"type":"ack"')


def _echo(raw: str | bytes, seen: set[str]) -> _Echo | None:
    """The fast path for our own ops: of an op's ack and its fan-out change, both carry the same order at the same
    version; whichever comes second is not decoded again (the costliest part of a frame). Its envelope is still
    read strictly enough for what is used (the op id, the cursor); anything unexpected takes the full path."""
    if not seen or not isinstance(raw, str) or not raw.startswith(_ECHO_PREFIXES):
        return None
    try:
        # plain json: websockets has already bounded the frame's size (max_size), and only two fields are used
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    op_id = data.get("op_id")
    if op_id not in seen:
        return None
    if data.get("type") == "ack":
        return _Echo(op_id, None)
    cursor = data.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or not 1 <= cursor <= protocol.MAX_CURSOR:
        return None
    return _Echo(op_id, cursor)


def _push_message(op: PendingOperation) -> str:
    command = command_from_dict(dict(op.command))
    feedback = feedback_from_dict(op.feedback) if op.feedback is not None else None
    push = protocol.Push(op_id=op.op_id, order_id=op.order_id, base_version=int(op.operation.get("base_version", 0)),
                         command=command, made_at=op.at, synced_at=op.synced_at, feedback=feedback)
    return protocol.encode(push)


def _drain(inbox: asyncio.Queue[protocol.Message], limit: int) -> list[protocol.Message]:
    out: list[protocol.Message] = []
    while len(out) < limit:
        try:
            out.append(inbox.get_nowait())
        except asyncio.QueueEmpty:
            break
    return out


def _apply_kb_entry(results: StoreResults, message: Any) -> None:
    entry = message.entry
    if entry is not None:
        from sync.kb_index import KnowledgeIndex  # noqa: PLC0415 (the kb helper's module; only needed here)

        KnowledgeIndex(results.conn).upsert([entry])
    if isinstance(message, protocol.KbChange):
        results.set_cursor(message.cursor)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, AgentDesktopError):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, InvalidStatus):
        return f"the center answered HTTP {exc.response.status_code}"
    if isinstance(exc, ConnectionClosed):
        return f"connection closed ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]

