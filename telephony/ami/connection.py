"""The live AMI connection: panoramisk 1.4's Manager/AMIProtocol/Action, with every known defect guarded.

Why subclass instead of using panoramisk as shipped: the tech brief (§4.2) and ami/README found defects that either kill
the connection, dial a callback twice, or hang the UI. Each is fixed by an override below; `tests/telephony/ami/
test_connection.py` runs each scenario against bare panoramisk (showing the defect) and against this class.

Guards (number = item of tech brief §4.2; each has a test):
 1  handler exception escapes data_received → connection dropped: `dispatch`/`data_received` catch and log.
 2  Originate without Async: KeyError in `Action.multi`: `_PendingAction.multi` never reads absent headers.
 3  as_list + `Response: Error` never resolves: `_PendingAction.completed` — an error ends the list.
 4  QueueAdd "Added interface to queue" taken as a list → hangs: only `EventList: start`/"will follow" start a list.
 5  OriginateResponse (same ActionID) swallowed by the pending action: a non-list action completes on its reply;
    later events with its ActionID, and OriginateResponse always, go to the event listeners.
 6  un-answered actions re-sent after reconnect (a callback dialled twice): pending actions FAIL on disconnect with
    `ami_connection_lost` (details may_have_run) and are never re-sent; `send_awaiting_actions` is disabled.
 7  send while disconnected silently dropped, future never resolves: `ami_not_connected` at once; every action has
    a timeout (`ami_action_timeout`).
 8  Ping never checked → a dead/half-open peer is never detected; pending Pings leak: Ping with a timeout; no reply
    → transport aborted → reconnect; timed-out actions are forgotten.
 9  close() does not cancel a scheduled reconnect: reconnects run in one supervisor task that close() cancels.
10  bytes decoded per read with errors="ignore" (王 split across reads → lost): the byte-level `AmiParser`.
11  login failure gives no error and a reconnect loop: TelephonyError `ami_auth_failed`, state FAILED, no retry.
12  Action()/Manager created outside the loop → warning/RuntimeError: everything is created inside the running loop.

Threading: create and use an `AmiConnection` only on its event loop's thread (the UI hops threads with
`run_coroutine_threadsafe`). Secrets are kept out of reprs and logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import itertools
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol

from agent_desktop.core.backoff import Backoff
from agent_desktop.core.errors import TelephonyError
from agent_desktop.core.listeners import call_safely

from .protocol import DEFAULT_MAX_MESSAGE_BYTES, AmiMessage, AmiParser, FieldValue, encode_action

__all__ = [
    "NOISY_EVENTS",
    "AmiConnection",
    "AmiSettings",
    "ConnectionState",
    "EventListener",
    "StateListener",
    "parse_host_port",
]

log = logging.getLogger(__name__)

#: Event classes asked for at Login. Without `dialplan` Asterisk never sends VarSet/Newexten (about 100 per queue call,
#: ami/README fact 6); `system` keeps Shutdown/FullyBooted, `dtmf` the survey digits, `user` the survey UserEvent.
DEFAULT_EVENT_CLASSES = "system,call,agent,user,dtmf"

#: Dropped client-side before any listener (in case the PBX user is configured with `read = all` or the Filter action
#: is refused). VarSet is kept only for MIXMONITOR_FILENAME, which names a recording started by the dialplan.
NOISY_EVENTS = frozenset({"VarSet", "Newexten", "DeviceStateChange", "RTCPSent", "RTCPReceived", "CEL"})

#: Server-side `Filter` actions sent after login (legacy form, accepted by every Asterisk ≥13; `!` = exclude).
#: They need `system` write permission; a refusal is logged and the client-side drop still applies.
DEFAULT_SERVER_FILTERS = ("!Event: DeviceStateChange", "!Event: VarSet", "!Event: Newexten")

_ERROR_RESPONSES = frozenset({"error", "fail", "failure"})


class ConnectionState(enum.StrEnum):
    """What state listeners are told. LOST is followed by RECONNECTED (or FAILED/CLOSED), never by CONNECTED."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    LOST = "lost"
    RECONNECTED = "reconnected"
    FAILED = "failed"
    CLOSED = "closed"


EventListener = Callable[[AmiMessage], Awaitable[object] | object]
StateListener = Callable[[ConnectionState, TelephonyError | None], Awaitable[object] | object]


def parse_host_port(text: str, default_port: int = 5038) -> tuple[str, int]:
    """`host:port`, `host` or `[v6]:port` → (host, port); TelephonyError `ami_bad_address` otherwise."""
    raw = text.strip()
    host, port_text = raw, ""
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
    try:
        port = int(port_text) if port_text else default_port
    except ValueError:
        port = -1
    if not host or not 0 < port < 65536:
        raise TelephonyError(f"not an AMI address (HOST:PORT): {text!r}", code="ami_bad_address")
    return host, port


@dataclass(frozen=True)
class AmiSettings:
    """How to reach and treat one Asterisk. Timings are seconds. The secret never appears in repr()."""

    host: str  # Asterisk's address
    port: int = 5038  # manager.conf [general] port
    username: str = ""  # manager.conf [user]
    secret: str = field(default="", repr=False)  # never in repr/logs
    # "md5": Challenge, then Login with Key = md5(challenge + secret), so the secret never crosses the (clear-text)
    # AMI link and a captured login cannot be replayed; "plain": Login with the Secret header
    auth_type: str = "md5"
    connect_timeout: float = 5.0  # s, TCP connect
    login_timeout: float = 5.0  # s, Login reply (Asterisk waits 1 s before refusing a wrong secret)
    action_timeout: float = 10.0  # s, default reply timeout of every action
    ping_interval: float = 10.0  # s between Pings of the dead-peer watchdog; 0 = no watchdog (one-shot CLI use)
    ping_timeout: float = 5.0  # s a Pong may take before the peer counts as dead
    reconnect_initial: float = 1.0  # s, first reconnect delay; doubles per failed attempt
    reconnect_max: float = 30.0  # s, cap of the reconnect delay
    reconnect_jitter: float = 0.25  # ± fraction of each delay, so 40 seats do not reconnect in lockstep
    event_classes: str = DEFAULT_EVENT_CLASSES  # Login `Events:` class list
    server_filters: tuple[str, ...] = DEFAULT_SERVER_FILTERS  # `Filter` actions sent after login
    drop_events: frozenset[str] = NOISY_EVENTS  # event names dropped before any listener
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES  # larger frames are refused
    logoff_timeout: float = 1.0  # s, polite Logoff on close

    def __post_init__(self) -> None:
        if self.auth_type not in ("md5", "plain"):
            raise TelephonyError(f"AMI auth_type must be 'md5' or 'plain', not {self.auth_type!r}",
                                 code="ami_bad_settings")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter."""
        return Backoff(self.reconnect_initial, self.reconnect_max, 2.0, jitter=self.reconnect_jitter,
                       jitter_above=self.reconnect_jitter).delay(attempt, rng)


class _PendingAction(Action):
    """panoramisk's Action (ActionID + future bookkeeping) with list detection that cannot hang (guards 2, 3, 4, 5)."""

    def __init__(self, name: str, action_id: str, as_list: bool | None):
        super().__init__({"Action": name, "ActionID": action_id}, as_list=as_list)
        self.name = name

    @property
    def multi(self) -> bool:
        if self.as_list is not None:
            return bool(self.as_list)
        first = self.responses[0]
        if first.get("EventList", "").lower() == "start":
            return True
        # "Added interface to queue" (QueueAdd) and "Originate successfully queued" are single replies (guards 4, 5);
        # the Async header is never read (guard 2).
        return "will follow" in first.get("Message", "").lower()

    @property
    def completed(self) -> bool:
        last = self.responses[-1]
        if len(self.responses) == 1:
            if (last.response or "").lower() in _ERROR_RESPONSES:
                return True  # an error never starts a list (guard 3)
            return not self.multi
        if last.get("EventList", "").lower() in ("complete", "cancelled"):
            return True
        return (last.event or "").endswith("Complete")

    def accepts(self, message: AmiMessage) -> bool:
        """Does this message belong to this action? Its reply, and the events of a list it started."""
        if message.kind == "response":
            return not self.responses
        return bool(self.responses) and self.multi and not self.future.done()

    def add_message(self, message: AmiMessage) -> bool:  # type: ignore[override]
        self.responses.append(message)
        if not self.completed:
            return False
        if not self.future.done():
            self.future.set_result(list(self.responses) if self.multi else self.responses[0])
        return True


class _GuardedProtocol(AMIProtocol):
    """panoramisk's protocol with byte-level parsing and no way for a message to break the connection."""

    def __init__(self, owner: AmiConnection):
        self.owner = owner
        self.parser = AmiParser(owner.settings.max_message_bytes, on_error=owner._on_parse_error)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.factory = self.owner
        self.log = log
        self.encoding = "utf-8"

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        # Guard 10: bytes are buffered and decoded per complete message. Guard 1: nothing may escape from here —
        # asyncio would treat it as fatal and close the transport.
        try:
            messages = self.parser.feed(data)
            if self.version is None and self.parser.banner:
                self.version = self.parser.ami_version
            for message in messages:
                self.handle_message(message)
        except Exception:
            log.exception("AMI message handling failed; the connection stays up")

    def handle_message(self, message: AmiMessage) -> None:  # type: ignore[override]
        action_id = message.action_id
        pending = self.responses.get(action_id) if action_id and message.event != "OriginateResponse" else None
        if pending is not None and pending.accepts(message):
            if pending.add_message(message):
                self.responses.pop(action_id, None)
            return
        if message.kind == "event":
            self.owner.dispatch(message)
        else:
            log.debug("AMI reply for no pending action (late after a timeout?) action_id=%s", action_id)

    def send_pending(self, pending: _PendingAction, wire: bytes) -> None:
        self.responses[pending.action_id] = pending
        self.transport.write(wire)

    def connection_lost(self, exc: Exception | None) -> None:
        # Guard 6: panoramisk's close() would queue un-answered actions for re-sending after reconnect. We fail them:
        # an Originate may already be ringing a phone, so the caller decides — never the transport.
        self.closed = True
        pending, self.responses = list(self.responses.values()), {}
        for action in pending:
            if not action.future.done():
                action.future.set_exception(
                    TelephonyError(
                        f"AMI connection lost before {action.name} was answered; it was not re-sent",
                        code="ami_connection_lost",
                        details={"action": action.name, "action_id": action.action_id, "may_have_run": True},
                    )
                )
                # Whoever awaited it got the error; nobody else must see "exception never retrieved".
                action.future.exception()
        if not self.lost.done():
            self.lost.set_result(None)
        self.owner._on_transport_lost(self, exc)

    def close(self) -> None:
        if not self.closed:
            self.transport.close()


class AmiConnection(Manager):
    """One authenticated AMI session that reconnects by itself.

    ```
    connection = AmiConnection(AmiSettings("pbx", 5038, "desk", secret))
    connection.add_event_listener(on_event)            # AmiMessage; sync or async; exceptions are logged, not fatal
    connection.add_state_listener(on_state)            # (ConnectionState, TelephonyError | None)
    await connection.start()                           # raises TelephonyError (ami_auth_failed, ami_unreachable, ...)
    reply = await connection.send_action("QueuePause", {"Interface": "PJSIP/1001", "Paused": True, "Reason": "lunch"})
    await connection.aclose()
    ```
    """

    def __init__(self, settings: AmiSettings, *, rng: random.Random | None = None):
        # panoramisk gets no credentials (they would sit in its config dict) and no loop (guard 12).
        super().__init__(host=settings.host, port=settings.port, events=settings.event_classes, loop=None)
        # panoramisk registers FullyBooted → send_awaiting_actions (guard 6): remove it.
        self.callbacks.clear()
        self.patterns.clear()
        self.settings = settings
        self.state: ConnectionState | None = None
        self.protocol: _GuardedProtocol | None = None
        self.last_error: TelephonyError | None = None
        self.stats: dict[str, int] = {"events": 0, "dropped": 0, "listener_errors": 0, "parse_errors": 0,
                                      "reconnects": 0, "dead_peer": 0}
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._id_prefix = f"ad-{uuid.uuid4().hex[:8]}"
        self._state_listeners: list[StateListener] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._pinger: asyncio.Task[None] | None = None
        self._listener_tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._ever_connected = False
        self._loss_reason: TelephonyError | None = None

    def __repr__(self) -> str:
        return f"<AmiConnection {self.settings.username}@{self.settings.host}:{self.settings.port} {self.state}>"

    # Listeners -----------------------------------------------------------------------------------------------------
    def add_event_listener(self, callback: EventListener, pattern: str = "*") -> EventListener:
        """Call `callback(message)` for each event whose name matches the fnmatch `pattern` (case-sensitive, like
        panoramisk's register_event). Noisy classes are dropped before (settings.drop_events)."""
        self.register_event(pattern, lambda _manager, message: callback(message))
        return callback

    def add_state_listener(self, callback: StateListener) -> StateListener:
        self._state_listeners.append(callback)
        return callback

    @property
    def connected(self) -> bool:
        return self.protocol is not None and not self.protocol.closed and self.authenticated

    @property
    def ami_version(self) -> str | None:
        return self.protocol.parser.ami_version if self.protocol else None

    # Guard 1: one failing listener must not affect the others nor the connection --------------------------------
    def dispatch(self, event: AmiMessage) -> list[str]:  # type: ignore[override]
        name = event.event or ""
        if name in self.settings.drop_events and not (
            name == "VarSet" and event.get("Variable") == "MIXMONITOR_FILENAME"
        ):
            self.stats["dropped"] += 1
            return []
        self.stats["events"] += 1
        matches: list[str] = []
        for pattern, regexp in self.patterns:
            if regexp.match(name) is None:
                continue
            matches.append(pattern)
            for callback in self.callbacks[pattern]:
                self._run_listener(callback, self, event)
        return matches

    def _run_listener(self, callback: Callable[..., Any], *args: Any) -> None:
        # the desktop's one safe call: a listener that raises is logged, the others and the connection go on
        if not call_safely(callback, *args, owner="AMI", on_awaitable=self._run_listener_task):
            self.stats["listener_errors"] += 1

    def _run_listener_task(self, awaitable: Any) -> None:
        task = asyncio.ensure_future(awaitable)
        self._listener_tasks.add(task)
        task.add_done_callback(self._listener_done)

    def _listener_done(self, task: asyncio.Task[Any]) -> None:
        self._listener_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.stats["listener_errors"] += 1
            log.error("AMI async listener failed", exc_info=task.exception())

    def _set_state(self, state: ConnectionState, error: TelephonyError | None = None) -> None:
        self.state = state
        if error is not None:
            self.last_error = error
        for callback in list(self._state_listeners):
            self._run_listener(callback, state, error)

    def _on_parse_error(self, error: TelephonyError) -> None:
        self.stats["parse_errors"] += 1
        log.warning("AMI: %s (%s)", error.message, error.code)

    # Sessions ------------------------------------------------------------------------------------------------------
    async def connect(self) -> None:  # type: ignore[override]
        """One attempt: TCP connect, Login, server-side filters, Ping watchdog. Raises TelephonyError."""
        settings = self.settings
        loop = asyncio.get_running_loop()
        self.loop = loop
        try:
            _transport, protocol = await asyncio.wait_for(
                loop.create_connection(lambda: _GuardedProtocol(self), settings.host, settings.port),
                settings.connect_timeout,
            )
        except (OSError, TimeoutError) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
            raise TelephonyError(
                f"cannot reach Asterisk AMI at {settings.host}:{settings.port}: {reason}", code="ami_unreachable"
            ) from exc
        self.protocol = protocol
        self.authenticated = False
        try:
            await self._login(protocol)
        except BaseException:
            await self._drop(protocol)  # never leave a half-open socket behind (ResourceWarning, fd leak)
            raise
        if self._pinger is not None:
            self._pinger.cancel()  # the previous session's watchdog (it would stop by itself, but later)
        if settings.ping_interval > 0:
            self._pinger = asyncio.create_task(self._watch_peer(protocol), name="ami-ping")

    async def _credentials(self, protocol: _GuardedProtocol) -> dict[str, str]:
        """The Login headers that prove the secret: a challenge answer (md5) or the secret itself (plain)."""
        settings = self.settings
        if settings.auth_type == "plain":
            return {"Secret": settings.secret}
        reply = await self._send(protocol, "Challenge", {"AuthType": "MD5"}, timeout=settings.login_timeout)
        challenge = reply.get("Challenge", "")  # type: ignore[union-attr]
        if (reply.response or "").lower() != "success" or not challenge:  # type: ignore[union-attr]
            text = reply.get("Message") or "no challenge given"  # type: ignore[union-attr]
            raise TelephonyError(
                f"Asterisk AMI refused the MD5 challenge: {text} (set [ami] auth_type = \"plain\" if the PBX only "
                "takes plain logins)", code="ami_auth_failed", details={"username": settings.username},
            )
        key = hashlib.md5((challenge + settings.secret).encode()).hexdigest()  # Asterisk's scheme, not ours to choose
        return {"AuthType": "MD5", "Key": key}

    async def _login(self, protocol: _GuardedProtocol) -> None:
        settings = self.settings
        try:
            credentials = await self._credentials(protocol)
            reply = await self._send(
                protocol,
                "Login",
                {"Username": settings.username, **credentials, "Events": settings.event_classes},
                timeout=settings.login_timeout,
            )
        except TelephonyError as exc:
            code = "ami_login_timeout" if exc.code == "ami_action_timeout" else exc.code
            raise TelephonyError(f"Asterisk AMI did not complete the login: {exc.message}", code=code) from exc
        if (reply.response or "").lower() != "success":  # type: ignore[union-attr]
            text = reply.get("Message", "refused")  # type: ignore[union-attr]
            raise TelephonyError(
                f"Asterisk AMI refused user {settings.username!r}: {text}", code="ami_auth_failed",
                details={"username": settings.username},
            )
        self.authenticated = True
        log.info("AMI logged in to %s:%s as %s (AMI %s)", settings.host, settings.port, settings.username,
                 protocol.parser.ami_version or "?")
        for expression in settings.server_filters:
            try:
                await self._send(protocol, "Filter", {"Operation": "Add", "Filter": expression},
                                 timeout=settings.action_timeout, check=True)
            except TelephonyError as exc:  # needs `system` write permission; the client-side drop still applies
                log.info("AMI Filter %r not applied: %s", expression, exc.message)
                if protocol.closed:
                    raise

    async def start(self) -> None:
        """Connect now (raising TelephonyError if that fails) and keep the session up afterwards."""
        if self._supervisor is not None:
            raise TelephonyError("AMI connection already started", code="ami_already_started")
        self._closing = False
        self._set_state(ConnectionState.CONNECTING)
        try:
            await self.connect()
        except TelephonyError as exc:
            self._set_state(ConnectionState.FAILED, exc)
            raise
        self._ever_connected = True
        self._set_state(ConnectionState.CONNECTED)
        self._supervisor = asyncio.create_task(self._supervise(), name="ami-supervisor")

    def start_in_background(self) -> asyncio.Task[None]:
        """Keep trying to connect (with backoff) without raising — for a desktop started before its PBX.
        A refused login still stops the attempts (state FAILED)."""
        if self._supervisor is not None:
            raise TelephonyError("AMI connection already started", code="ami_already_started")
        self._closing = False
        self._set_state(ConnectionState.CONNECTING)  # the status bar shows "connecting" while the PBX is not up yet
        self._supervisor = asyncio.create_task(self._supervise(initial=True), name="ami-supervisor")
        return self._supervisor

    async def _supervise(self, *, initial: bool = False) -> None:
        """Guard 9: the only place that reconnects; close() cancels it, sleeping or not."""
        need_connect = initial
        while not self._closing:
            if not need_connect:
                protocol = self.protocol
                if protocol is not None:
                    await asyncio.shield(protocol.lost)
                if self._closing:
                    return
                self._set_state(ConnectionState.LOST, self.last_error)
            need_connect = False
            attempt = 0
            while not self._closing:
                if attempt or not initial:
                    await asyncio.sleep(self.settings.backoff(attempt, self._rng))
                attempt += 1
                try:
                    await self.connect()
                except TelephonyError as exc:
                    self.last_error = exc
                    if exc.code == "ami_auth_failed":  # guard 11: wrong credentials do not improve by retrying
                        log.error("AMI login refused; not reconnecting: %s", exc.message)
                        self._set_state(ConnectionState.FAILED, exc)
                        return
                    log.warning("AMI reconnect attempt %d failed: %s", attempt, exc.message)
                    continue
                self.stats["reconnects"] += int(self._ever_connected)
                state = ConnectionState.RECONNECTED if self._ever_connected else ConnectionState.CONNECTED
                self._ever_connected = True
                initial = False
                self._set_state(state)
                break

    async def _watch_peer(self, protocol: _GuardedProtocol) -> None:
        """Guard 8: a Ping without a Pong in time means the peer is dead or hung — drop the TCP session."""
        settings = self.settings
        while not protocol.closed:
            await asyncio.sleep(settings.ping_interval)
            if protocol.closed:
                return
            try:
                await self._send(protocol, "Ping", {}, timeout=settings.ping_timeout, check=False)
            except TelephonyError as exc:
                if exc.code != "ami_action_timeout":
                    return  # connection already gone
                self.stats["dead_peer"] += 1
                self._loss_reason = TelephonyError(
                    f"Asterisk AMI did not answer Ping within {settings.ping_timeout:g} s", code="ami_peer_silent"
                )
                log.warning("%s; reconnecting", self._loss_reason.message)
                protocol.transport.abort()
                return

    def _on_transport_lost(self, protocol: _GuardedProtocol, exc: Exception | None) -> None:
        if protocol is self.protocol:
            was_up = self.authenticated
            self.authenticated = False
            reason = self._loss_reason or TelephonyError(
                f"AMI connection lost: {exc}" if exc else "AMI connection closed by Asterisk",
                code="ami_connection_lost",
            )
            self._loss_reason = None
            self.last_error = reason
            if was_up and not self._closing:  # a refused login is reported by its exception, not here
                log.warning("%s", reason.message)

    async def _drop(self, protocol: _GuardedProtocol) -> None:
        protocol.close()
        try:
            await asyncio.wait_for(asyncio.shield(protocol.lost), 2.0)
        except TimeoutError:
            protocol.transport.abort()

    # Actions -------------------------------------------------------------------------------------------------------
    def _next_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids)}"

    async def send_action(  # type: ignore[override]
        self,
        name: str,
        fields: Mapping[str, FieldValue] | Iterable[tuple[str, str | int | bool]] | None = None,
        *,
        timeout: float | None = None,
        as_list: bool | None = None,
        check: bool = True,
        action_id: str | None = None,
    ) -> AmiMessage | list[AmiMessage]:
        """Send one action and wait for its reply (a list action: [reply, events..., *Complete]).

        Raises TelephonyError: `ami_not_connected` (never queued for later — guard 7), `ami_action_timeout`,
        `ami_connection_lost` (the action may have run; it is NOT re-sent — guard 6), `ami_action_failed`
        (`Response: Error`, when `check`; details carry Asterisk's Message), `ami_header_injection`.
        """
        protocol = self.protocol
        if protocol is None or protocol.closed or not self.authenticated:
            raise TelephonyError(f"AMI is not connected; {name} was not sent", code="ami_not_connected",
                                 details={"action": name})
        return await self._send(protocol, name, fields or {}, timeout=timeout, as_list=as_list, check=check,
                                action_id=action_id)

    async def _send(
        self,
        protocol: _GuardedProtocol,
        name: str,
        fields: Mapping[str, FieldValue] | Iterable[tuple[str, str | int | bool]],
        *,
        timeout: float | None = None,
        as_list: bool | None = None,
        check: bool = False,
        action_id: str | None = None,
    ) -> AmiMessage | list[AmiMessage]:
        action_id = action_id or self._next_id()
        wire = encode_action(name, fields, action_id)  # refuses CR/LF injection before anything is registered
        pending = _PendingAction(name, action_id, as_list)
        protocol.send_pending(pending, wire)
        limit = self.settings.action_timeout if timeout is None else timeout
        log.debug("AMI -> %s action_id=%s", name, action_id)
        try:
            result: AmiMessage | list[AmiMessage] = await asyncio.wait_for(pending.future, limit)
        except TimeoutError:
            raise TelephonyError(
                f"Asterisk did not answer {name} within {limit:g} s", code="ami_action_timeout",
                details={"action": name, "action_id": action_id},
            ) from None
        finally:
            if protocol.responses.get(action_id) is pending:
                protocol.responses.pop(action_id, None)  # guard 8: nothing unanswered accumulates
        first = result[0] if isinstance(result, list) else result
        if check and (first.response or "").lower() in _ERROR_RESPONSES:
            text = first.get("Message", "") or first.response or ""
            raise TelephonyError(
                f"Asterisk refused {name}: {text}", code="ami_action_failed",
                details={"action": name, "action_id": action_id, "message": text},
            )
        return result

    # panoramisk entry points that must never run (their behaviour is what the guards replace) ----------------------
    async def send_awaiting_actions(self, *_: object) -> None:
        """Guard 6: panoramisk re-sends un-answered actions here after FullyBooted; we never do."""

    def ping(self) -> None:
        """Guard 8: replaced by `_watch_peer`."""

    def connection_lost(self, exc: Exception | None) -> None:
        """panoramisk's own reconnect scheduling (call_later, guard 9) is replaced by `_supervise`."""

    # Shutdown ------------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop now: cancel a pending reconnect (guard 9) and the Ping watchdog, close the socket. Pending actions
        fail with `ami_connection_lost`. Use `aclose()` from a coroutine to also log off and wait."""
        self._closing = True
        for task in (self._supervisor, self._pinger):
            if task is not None:
                task.cancel()
        if self.protocol is not None:
            self.protocol.close()
        self.authenticated = False

    async def aclose(self) -> None:
        """Log off politely (bounded), close, and wait until the socket and background tasks are gone."""
        self._closing = True  # Asterisk closes the socket after Goodbye: that is not a loss to reconnect from
        if self.connected:
            with contextlib.suppress(TelephonyError):
                await self.send_action("Logoff", timeout=self.settings.logoff_timeout, check=False)
        self.close()
        tasks = [t for t in (self._supervisor, self._pinger, *self._listener_tasks) if t is not None]
        for task in self._listener_tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._supervisor = self._pinger = None
        if self.protocol is not None:
            await self._drop(self.protocol)
        if self.state is not ConnectionState.CLOSED:
            self._set_state(ConnectionState.CLOSED)
