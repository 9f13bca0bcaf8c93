"""The seat session run for real: the facades' events become desk events, fed on the runtime's loop thread; the
intents the session returns are carried out through the facades without blocking that loop.

    desk = SeatDesk(app, DeskSettings(actor=agent, cipher=field_cipher))   # the App builds it (AppParts.desk)
    desk.subscribe(on_state)          # after every change, on the loop thread (a Qt bridge re-emits it queued)
    desk.on_notice(on_notice)         # refusals and outcomes the agent must see (Notice)
    desk.send(ev.EditField(call_id, DraftField.DESCRIPTION, "路灯不亮"))   # any thread; returns at once
    desk.state                        # the latest immutable DeskState, from any thread

Theory of operation
-------------------
One place changes the state: `_feed`, on the loop thread. It calls the pure `desk.feed`, swaps the state (one
reference, replaced whole: a reader on another thread sees the old or the new state, never half of one), calls the
state listeners safely (`core.listeners`: one that raises is logged, the others still hear), then carries out the
intents in order. Facade listeners already run on the loop thread and feed directly; `send` (the agent's intents)
puts the event in the runtime's queue and returns, so a UI thread never waits for the loop, and a listener that
sends is not re-entered.

What comes in (the facades' values → `desk.events`):
- telephony (`on_event`, `on_connection`): the tracker's call offered / ringing / answered / recording / held /
  resumed / transferred / conference joined, left, unreachable / ended (its reason mapped), queue membership,
  pause, after-call work; the AMI connection lost / restored;
- speech (`on_event`, `on_prefill`): partial and final results; each pre-fill pass as `SuggestionsArrived`, every
  field of the `Prefill` with its evidence (a field the pass no longer finds withdraws its pending suggestion), and
  a request for confidentiality heard as `caller_asked_anonymity`;
- sync (`on_changes`): for the orders this seat saved today, the store is read off the loop
  (`SyncService.order_sync_states`) and each becomes `OrderAcked` (nothing left waiting), `OrderRejected` (a
  rejection not yet shown: code, text and the rule's article; also a `Notice`) and `OrderChangedRemotely` (the
  order's state moved);
- the store: `LookUpCaller` is answered with the number's orders (`SyncService.caller_orders`) and its calls seen
  today → `CallerHistoryFound`; the drafts found at start → `StoredDraftsLoaded`;
- a `Tick` every `tick_s` (1 s) from a supervised task: the session's autosave timer.

What goes out (intents → facades, none awaited on the loop's critical path):
- `DoCallAction` → the telephony verb by call id, `DoSeatAction` → queue login / logout / pause / ready / callback
  of an order (its number opened with the field cipher for an anonymous caller) / the order's automated-visit
  recording played to the seat's phone (its name read from the order on the store), each as a task on the loop;
- `OpenOrder` / `ApplyOrderCommand` → `SyncService.open_order` / `apply` (futures on the store's writer thread, in
  order; the pre-fill `feedback` passed through). A write that fails becomes a `Notice` with the rule's article and
  the desk is fed `OrderRejected`, so the order shows it;
- `AutosaveDraft` / `DeleteDraft` → `SyncService.save_draft` / `delete_draft` (`sync.drafts`, sealed, writer
  thread); `OfferRestore` is in the state already (`state.restore_offers`), the window shows it.

Errors: an agent's event the desk refuses (`ActionNotAllowed`, `TransitionRefused`, `InvalidCommand`), a
`TelephonyError` of a call or seat action, a refused or failed store write: each becomes one `Notice`, never an
exception in the caller's thread.

Stopping (`stop`) cancels the timer and the actions in flight and unsubscribes; it does not write a last autosave:
what survives a stop is what survives a crash (the autosave of every change of call state, and of the draft at
most every `autosave_interval_s`).

The composition root's module: imports adapters' facades through the `App` it is given.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agent_desktop.core.errors import AgentDesktopError, InvalidCommand
from agent_desktop.core.listeners import Listeners, Subscription, call_safely
from agent_desktop.core.privacy import open_sealed
from agent_desktop.core.routing import Unit
from agent_desktop.core.work_order import HistoryEntry, OrderState, SealedValue, Urgency, WorkOrder
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import CallAction, ConferenceParty, EndReason, SeatAction
from agent_desktop.desk.form import DraftField
from agent_desktop.desk.intents import (
    ApplyOrderCommand,
    AutosaveDraft,
    DeleteDraft,
    DeskIntent,
    DoCallAction,
    DoSeatAction,
    LookUpCaller,
    OfferRestore,
    OpenOrder,
)
from agent_desktop.desk.records import draft_to_json, read_drafts
from agent_desktop.desk.session import DeskSettings, DeskState, feed, start
from agent_desktop.desk.tasks import visit_recording
from agent_desktop.order_numbers import OrderNumbers
from agent_desktop.runtime import SupervisedTask

if TYPE_CHECKING:
    from agent_desktop.app import App
    from asr.prefill.extract import Prefill
    from asr.service import PrefillSuggested

log = logging.getLogger(__name__)

TICK_S = 1.0
MAX_CALL_TIMES = 50  # a number's calls remembered for the frequent-caller flag (第41条)


class NoticeKind(StrEnum):
    REFUSED = "refused"  # the desk refused the agent's event (ActionNotAllowed, a lifecycle rule, bad input)
    TELEPHONY = "telephony"  # a call or seat action Asterisk (or the facade) refused
    ORDER_REJECTED = "order_rejected"  # the center rejected a step of an order
    ORDER_NOT_SAVED = "order_not_saved"  # the seat's store refused or failed a write of an order
    STORE = "store"  # a draft could not be saved, deleted or read
    DESK = "desk"  # a bug: an event the desk could not take (logged with its traceback)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the agent must see: a refusal with its rule, or an outcome. `text` never holds a caller's number
    or name (the errors' messages name ids and states only). `code` and `details` (the error's: action, state,
    field, deadline, ...) are what the window words the refusal from, in its language; `text` is the core's English
    message, for the log and for a code the window does not know."""

    kind: NoticeKind
    code: str
    text: str
    article: str | None = None
    call_id: str | None = None
    order_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class OrderHistory:
    """An order's 工作流转单: its state and every step (who, in which role, from which seat, when, what, note)."""

    order_id: str
    state: OrderState | None  # None: this seat does not hold the order
    steps: tuple[HistoryEntry, ...] = ()


class SeatDesk:
    """One seat session run on the runtime's loop: facade events → desk events → feed; intents → facades.
    See the module docstring."""

    def __init__(self, app: App, settings: DeskSettings, *, clock: Callable[[], datetime] | None = None,
                 tick_s: float = TICK_S) -> None:
        self._app = app
        self._clock = clock or app.clock
        self._tick_s = tick_s
        self._state = start(settings)
        self._state_listeners: Listeners[[DeskState]] = Listeners("desk")
        self._notice_listeners: Listeners[[Notice]] = Listeners("desk notice")
        self._subscriptions: list[Subscription] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reported: set[str] = set()  # rejections (op ids) already fed and noticed
        self._call_times: dict[str, list[datetime]] = {}  # phone key -> calls offered today
        self._units: tuple[Unit, ...] | None = None
        self._failed: set[str] = set()  # orders whose save failed (the steps after the first failure say nothing)
        self._tick_entry: SupervisedTask | None = None
        self._started = False
        actor = settings.actor
        self._numbers = OrderNumbers(actor.seat or actor.user_id, timezone=settings.ctx.rules.timezone)
        #: with `measure` on (the bench), per event fed: its type, the wall and the CPU seconds its feed took (the
        #: pure feed, the state listeners, the intents handed to the facades)
        self.feed_times: list[tuple[str, float, float]] = []
        self.measure = False

    # --- reading (any thread) --------------------------------------------------------------------------------------

    @property
    def state(self) -> DeskState:
        """The latest state: an immutable value, replaced whole after every change."""
        return self._state

    def subscribe(self, listener: Callable[[DeskState], Any]) -> Subscription:
        """`listener(state)` after every change, on the loop thread; it must not block."""
        return self._state_listeners.add(listener)

    def on_orders_changed(self, listener: Callable[[list[str]], Any]) -> Subscription:
        """`listener(order_ids)` when the seat's store took changes from the centre to any of its orders (not only
        today's: an old order coming back as a manual revisit), on the loop thread; it must not block."""
        if self._app.sync is None:
            return Subscription(lambda: None)
        return self._app.sync.on_changes(listener)

    def on_notice(self, listener: Callable[[Notice], Any]) -> Subscription:
        """`listener(notice)` for each refusal or outcome the agent must see, on the loop thread."""
        return self._notice_listeners.add(listener)

    # --- the agent's events (any thread, never blocks) ----------------------------------------------------------

    def send(self, event: ev.DeskEvent) -> None:
        """Feed an agent's event (`desk.events`) on the loop; returns at once. A refusal comes back as a Notice."""
        if not isinstance(event, ev.DeskEvent):
            refused = Notice(NoticeKind.REFUSED, "bad_value", f"not a desk event: {type(event).__name__}")
            self._later(self._notice, refused)
            return
        self._later(self._feed, event)

    def _later(self, fn: Callable[..., None], arg: Any) -> None:
        """`fn(arg)` on the loop thread, soon; the caller's thread only queues it."""
        try:
            self._app.runtime.call_soon(fn, arg)
        except AgentDesktopError as exc:  # the runtime is not running (stopped, or not started yet)
            self._notice(Notice(NoticeKind.DESK, exc.code, f"the desk is not running: {exc.message}"))

    # --- reads for panels (any thread, futures) -----------------------------------------------------------------

    def search_knowledge(self, query: str, limit: int = 10) -> concurrent.futures.Future[list[Any]]:
        """Published knowledge-base entries matching `query`, best first (`sync.kb_index.KbHit`), on a reader
        thread of the seat's store."""
        return self._read(lambda sync: sync.search_knowledge(query, self._clock(), limit=limit))

    def order_history(self, order_id: str) -> concurrent.futures.Future[OrderHistory]:
        """The order's 工作流转单 from the seat's store (a reader thread)."""
        out: concurrent.futures.Future[OrderHistory] = concurrent.futures.Future()

        def done(read: concurrent.futures.Future[WorkOrder | None]) -> None:
            try:
                order = read.result()
            except BaseException as exc:
                out.set_exception(exc)
                return
            out.set_result(OrderHistory(order_id, order.state, order.history) if order is not None
                           else OrderHistory(order_id, None))

        self._read(lambda sync: sync.order(order_id)).add_done_callback(done)
        return out

    def seat_orders(self) -> concurrent.futures.Future[list[WorkOrder]]:
        """Every order on this seat's store, newest first (the agent's tasks are computed from them)."""
        return self._read(lambda sync: sync.orders())

    def unit_directory(self) -> tuple[Unit, ...]:
        """The responsible units (for the three-way and transfer pickers), read once and cached."""
        if self._units is None:
            from agent_desktop.resources import load_unit_directory  # noqa: PLC0415

            self._units = load_unit_directory().units
        return self._units

    def _sync(self) -> Any:
        if self._app.sync is None:
            raise InvalidCommand("this desk has no local store (no [sync] configured)", code="no_store")
        return self._app.sync

    def _read(self, read: Callable[[Any], concurrent.futures.Future[Any]]) -> concurrent.futures.Future[Any]:
        """A store read's future; without a store, a future failed with the reason (never raised here)."""
        try:
            return read(self._sync())
        except AgentDesktopError as exc:
            failed: concurrent.futures.Future[Any] = concurrent.futures.Future()
            failed.set_exception(exc)
            return failed

    # --- lifecycle (on the loop) ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe to the facades, load the stored drafts (offered again), start the timer. Call on the loop,
        after the sync service started and before telephony starts (so the first AMI events are heard)."""
        if self._started:
            return
        self._started = True
        app = self._app
        await self._continue_numbers()
        if app.telephony is not None:
            self._subscriptions += [app.telephony.on_event(self._on_call_event),
                                    app.telephony.on_connection(self._on_connection)]
            if app.telephony.connected:
                self._feed(ev.AmiConnectionRestored())
        if app.speech is not None:
            self._subscriptions += [app.speech.on_event(self._on_speech), app.speech.on_prefill(self._on_prefill)]
        if app.sync is not None:
            self._subscriptions.append(app.sync.on_changes(self._on_changes))
            try:
                await asyncio.wrap_future(app.sync.enable_drafts(self._state.settings.cipher))
                stored = await asyncio.wrap_future(app.sync.load_drafts())
            except AgentDesktopError as exc:
                self._notice(Notice(NoticeKind.STORE, exc.code, f"the stored drafts could not be read: {exc.message}"))
            else:
                self._drafts_found(stored)
        self._tick_entry = app.runtime.supervisor.start("desk-tick", self._ticks, restart=True)

    async def _continue_numbers(self) -> None:
        """Today's last order number from the store, before the first call can be offered (a restart continues)."""
        if self._app.sync is None:
            return
        prefix = self._numbers.prefix(self._clock())
        try:
            last = await asyncio.wrap_future(self._app.sync.last_order_sequence(prefix))
        except AgentDesktopError as exc:
            self._notice(Notice(NoticeKind.STORE, exc.code, f"the order numbers could not be read: {exc.message}"))
            return
        self._numbers.continue_from(prefix, last)

    def _order_number(self) -> str | None:
        """The next readable order number, kept in the store (writer thread) before the call's draft can be."""
        if self._app.sync is None:
            return None  # no store to keep a sequence in: the desk's own id (prefix + the call's uniqueid)
        number, prefix, sequence = self._numbers.next(self._clock())
        kept = self._app.sync.note_order_sequence(prefix, sequence)
        kept.add_done_callback(_log_failure("keep the order number " + number))
        return number

    async def stop(self) -> None:
        """Unsubscribe, end the timer and the actions in flight. No last autosave (see the module docstring)."""
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []
        entry, self._tick_entry = self._tick_entry, None
        if entry is not None and entry.task is not None:
            entry.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await entry.task
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._started = False

    async def _ticks(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            self._feed(ev.Tick())

    # --- the one place the state changes (loop thread) --------------------------------------------------------------

    def _feed(self, event: ev.DeskEvent) -> None:
        started, cpu = (time.perf_counter(), time.thread_time()) if self.measure else (0.0, 0.0)
        try:
            new, intents = feed(self._state, event, self._clock())
        except AgentDesktopError as exc:
            self._notice(refusal_notice(exc, event))
            return
        except Exception as exc:
            log.exception("the desk could not take %r", event)
            self._notice(Notice(NoticeKind.DESK, "desk_failed", f"{type(event).__name__}: {type(exc).__name__}",
                                call_id=getattr(event, "call_id", None)))
            return
        if new is not self._state:
            self._state = new
            self._state_listeners.emit(new)
        for intent in intents:
            self._carry_out(intent)
        if self.measure:
            self.feed_times.append((type(event).__name__, time.perf_counter() - started, time.thread_time() - cpu))

    def _notice(self, notice: Notice) -> None:
        log.info("desk notice: %s %s %s", notice.kind.value, notice.code, notice.article or "")
        self._notice_listeners.emit(notice)

    def _on_loop(self, future: concurrent.futures.Future[Any], then: Callable[[concurrent.futures.Future[Any]], None],
                 ) -> None:
        """Call `then(future)` on the loop thread once `future` (a store read or write) is done."""
        runtime = self._app.runtime
        loop = runtime.loop

        def done(f: concurrent.futures.Future[Any]) -> None:
            if runtime.in_loop_thread():
                call_safely(then, f, owner="desk")
                return
            with contextlib.suppress(RuntimeError):  # the loop is closing: nobody listens any more
                loop.call_soon_threadsafe(lambda: call_safely(then, f, owner="desk"))

        future.add_done_callback(done)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- intents → facades -----------------------------------------------------------------------------------------

    def _carry_out(self, intent: DeskIntent) -> None:
        if isinstance(intent, DoCallAction):
            self._spawn(self._call_action(intent), f"desk-{intent.action.value}")
        elif isinstance(intent, DoSeatAction):
            self._spawn(self._seat_action(intent), f"desk-{intent.action.value}")
        elif isinstance(intent, LookUpCaller):
            self._look_up(intent)
        elif isinstance(intent, OpenOrder | ApplyOrderCommand):
            self._write_order(intent)
        elif isinstance(intent, AutosaveDraft):
            self._store_draft(intent)
        elif isinstance(intent, DeleteDraft):
            self._store_write(lambda sync: sync.delete_draft(intent.draft_id), "delete the draft", intent.draft_id)
        elif isinstance(intent, OfferRestore):
            pass  # the state holds the offers (state.restore_offers): the window shows them
        else:
            log.error("the desk returned an intent nobody carries out: %r", intent)

    async def _call_action(self, intent: DoCallAction) -> None:
        telephony = self._app.telephony
        try:
            if telephony is None:
                raise InvalidCommand("this desk has no telephony configured", code="no_seat")
            verbs: dict[CallAction, Callable[[], Any]] = {
                CallAction.HANG_UP: lambda: telephony.hangup(intent.call_id),
                CallAction.HOLD: lambda: telephony.hold(intent.call_id),
                CallAction.RESUME: lambda: telephony.resume(intent.call_id),
                CallAction.BLIND_TRANSFER: lambda: telephony.blind_transfer(intent.call_id, intent.number),
                CallAction.THREE_WAY: lambda: telephony.three_way(intent.call_id, intent.number),
                CallAction.LEAVE_CONFERENCE: lambda: telephony.leave_conference(intent.call_id),
            }
            await verbs[intent.action]()
        except AgentDesktopError as exc:
            self._notice(Notice(NoticeKind.TELEPHONY, exc.code, exc.message, _article(exc),
                                call_id=intent.call_id, details=exc.details))

    async def _seat_action(self, intent: DoSeatAction) -> None:
        telephony = self._app.telephony
        try:
            if telephony is None:
                raise InvalidCommand("this desk has no telephony configured", code="no_seat")
            if intent.action is SeatAction.LOG_IN:
                await telephony.queue_login()
            elif intent.action is SeatAction.LOG_OUT:
                await telephony.queue_logout()
            elif intent.action is SeatAction.PAUSE:
                await telephony.pause(intent.reason)
            elif intent.action is SeatAction.READY:
                await telephony.ready()
            elif intent.action is SeatAction.CALLBACK:
                await self._callback(intent.order_id or "")
            elif intent.action is SeatAction.PLAY_RECORDING:
                await self._play_recording(intent.order_id or "")
        except AgentDesktopError as exc:
            self._notice(Notice(NoticeKind.TELEPHONY, exc.code, exc.message, _article(exc),
                                order_id=intent.order_id, details=exc.details))

    async def _callback(self, order_id: str) -> None:
        assert self._app.telephony is not None
        order = await asyncio.wrap_future(self._sync().order(order_id))
        if order is None:
            raise InvalidCommand(f"work order {order_id} is not on this seat", code="unknown_order",
                                 details={"order_id": order_id})
        phone = order.caller.phone
        if isinstance(phone, SealedValue):  # an anonymous caller: the number is opened only to dial it
            phone = open_sealed(self._state.settings.cipher, phone, order_id=order_id, field="phone")
            order = replace(order, caller=replace(order.caller, phone=phone))
        await self._app.telephony.callback_order(order)

    async def _play_recording(self, order_id: str) -> None:
        """The order's automated-visit recording played to the seat's phone (the manual revisit's evidence): the
        name comes from the order on the seat's store, never from the window."""
        assert self._app.telephony is not None
        order = await asyncio.wrap_future(self._sync().order(order_id))
        if order is None:
            raise InvalidCommand(f"work order {order_id} is not on this seat", code="unknown_order",
                                 details={"order_id": order_id})
        recording = visit_recording(order)
        if recording is None:
            raise InvalidCommand(f"work order {order_id} has no recording of an automated visit",
                                 code="no_recording", details={"order_id": order_id})
        result = await self._app.telephony.play_recording(recording)
        if not result.answered:
            self._notice(Notice(NoticeKind.TELEPHONY, "playback_not_answered",
                                f"the seat's phone did not answer the playback ({result.outcome})",
                                order_id=order_id, details={"outcome": str(result.outcome)}))

    def _look_up(self, intent: LookUpCaller) -> None:
        now = self._clock()
        times = self._call_times.setdefault(intent.phone_key, [])
        times.append(now)
        del times[:-MAX_CALL_TIMES]
        if self._app.sync is None:
            return
        seen = tuple(times)

        def found(read: concurrent.futures.Future[list[WorkOrder]]) -> None:
            try:
                orders = read.result()
            except AgentDesktopError as exc:
                self._notice(Notice(NoticeKind.STORE, exc.code, f"the caller's earlier orders: {exc.message}",
                                    call_id=intent.call_id))
                return
            calls = sorted({*seen, *(link.at for o in orders for link in o.calls if link.at is not None)})
            self._feed(ev.CallerHistoryFound(intent.call_id, tuple(orders), tuple(calls)))

        self._on_loop(self._app.sync.caller_orders(intent.phone_key), found)

    def _write_order(self, intent: OpenOrder | ApplyOrderCommand) -> None:
        sync = self._app.sync
        if sync is None:
            self._notice(Notice(NoticeKind.ORDER_NOT_SAVED, "no_store", "this desk has no local store",
                                order_id=intent.order_id))
            return
        if isinstance(intent, OpenOrder):
            o = intent.opening
            future = sync.open_order(intent.order_id, actor=intent.actor, now=intent.at, channel=o.channel,
                                     caller=o.caller, category=o.category, description=o.description,
                                     urgency=o.urgency, call=o.call, feedback=intent.feedback)
        else:
            future = sync.apply(intent.order_id, intent.command, intent.actor, intent.at, feedback=intent.feedback)
        # the first failure of an order's save says why; the steps after it fail only because it did
        failed = self._failed

        def written(f: concurrent.futures.Future[Any]) -> None:
            exc = f.exception()
            if exc is None:
                failed.discard(intent.order_id)
                return
            if intent.order_id in failed:
                log.info("a later step of order %s not saved either: %s", intent.order_id, exc)
                return
            failed.add(intent.order_id)
            code = getattr(exc, "code", type(exc).__name__)
            text = getattr(exc, "message", str(exc))
            article = _article(exc)
            details = dict(getattr(exc, "details", None) or {})
            self._notice(Notice(NoticeKind.ORDER_NOT_SAVED, code, text, article, order_id=intent.order_id,
                                details=details))
            self._feed(ev.OrderRejected(intent.order_id, code, text, article, details))

        self._on_loop(future, written)

    def _store_draft(self, intent: AutosaveDraft) -> None:
        from sync.drafts import StoredDraft  # noqa: PLC0415 (the store's value; the module is loaded already)

        record = intent.record
        try:
            draft = StoredDraft(record.draft_id, record.call_id, record.saved_at, draft_to_json(record))
        except AgentDesktopError as exc:
            self._notice(Notice(NoticeKind.STORE, exc.code, f"the draft was not saved: {exc.message}",
                                call_id=record.call_id, order_id=record.draft_id))
            return
        self._store_write(lambda sync: sync.save_draft(draft), "save the draft", record.draft_id)

    def _store_write(self, write: Callable[[Any], concurrent.futures.Future[Any]], what: str, draft_id: str) -> None:
        if self._app.sync is None:
            return

        def written(f: concurrent.futures.Future[Any]) -> None:
            exc = f.exception()
            if exc is not None:
                code = getattr(exc, "code", type(exc).__name__)
                self._notice(Notice(NoticeKind.STORE, code, f"could not {what}: {exc}", order_id=draft_id))

        self._on_loop(write(self._app.sync), written)

    def _drafts_found(self, stored: Any) -> None:
        for bad in stored.unreadable:
            self._notice(Notice(NoticeKind.STORE, "unreadable_draft", f"a stored draft cannot be opened: {bad.reason}",
                                order_id=bad.draft_id))
        records, bad_payloads = read_drafts((d.draft_id, d.payload) for d in stored.drafts)
        for draft_id, why in bad_payloads:
            self._notice(Notice(NoticeKind.STORE, "unreadable_draft", f"a stored draft cannot be read: {why}",
                                order_id=draft_id))
        if records:
            self._feed(ev.StoredDraftsLoaded(records))

    # --- facade events → desk events (loop thread) ----------------------------------------------------------------

    def _on_call_event(self, event: Any) -> None:
        known = self._state.find(event.call_id) is not None
        for desk_event in call_events(event, known=known):
            numbered = desk_event
            if not known and isinstance(desk_event, ev.CallOffered | ev.CallAnswered):
                # a new call: its order gets the seat's next readable number (the uniqueid stays its CallLink)
                numbered = replace(desk_event, order_id=self._order_number())
                known = True
            self._feed(numbered)

    def _on_connection(self, state: Any, error: Any) -> None:
        name = str(getattr(state, "value", state))
        if name in ("connected", "reconnected"):
            self._feed(ev.AmiConnectionRestored())
        elif name != "connecting" and self._state.ami_connected:
            self._feed(ev.AmiConnectionLost(getattr(error, "message", "") or name))

    def _on_speech(self, event: Any) -> None:
        call_id = getattr(event, "call_id", None)
        if not call_id or self._state.find(call_id) is None:
            return
        from asr.interfaces import FinalResult  # noqa: PLC0415 (loaded with the speech service already)

        kind = ev.TranscriptFinal if isinstance(event, FinalResult) else ev.TranscriptPartial
        self._feed(kind(call_id, event.text))

    def _on_prefill(self, suggested: PrefillSuggested) -> None:
        if self._state.find(suggested.call_id) is None:
            return
        self._feed(suggestions_of(suggested.call_id, suggested.prefill))

    def _on_changes(self, order_ids: list[str]) -> None:
        mine = {n.order_id for n in self._state.orders} | {c.order_id for c in self._state.calls
                                                           if c.order_state is not None}
        wanted = [i for i in order_ids if i in mine]
        if not wanted or self._app.sync is None:
            return

        def read(f: concurrent.futures.Future[Any]) -> None:
            try:
                states = f.result()
            except AgentDesktopError as exc:
                log.warning("the orders' sync state could not be read: %s", exc.message)
                return
            for s in states:
                for desk_event in self._order_events(s):
                    self._feed(desk_event)

        self._on_loop(self._app.sync.order_sync_states(wanted), read)

    def _order_events(self, s: Any) -> Iterable[ev.DeskEvent]:
        note = next((n for n in self._state.orders if n.order_id == s.order_id), None)
        fresh = [r for r in s.rejections if r.op_id not in self._reported]
        call = next((c for c in self._state.calls if c.order_id == s.order_id), None)
        shown = note.state if note is not None else call.order_state if call is not None else None
        if s.state is not None and shown is not None and shown is not s.state:
            yield ev.OrderChangedRemotely(s.order_id, s.state)
        for r in fresh:
            self._reported.add(r.op_id)
            self._notice(Notice(NoticeKind.ORDER_REJECTED, r.code, r.text, r.article, order_id=s.order_id))
            yield ev.OrderRejected(s.order_id, r.code, r.text, r.article)
        if not fresh and not s.pending and s.server_version and note is not None and not note.acked:
            yield ev.OrderAcked(s.order_id, s.server_version)


def _log_failure(what: str) -> Callable[[concurrent.futures.Future[Any]], None]:
    def done(future: concurrent.futures.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.warning("could not %s: %s", what, future.exception())

    return done


def _article(exc: BaseException) -> str | None:
    """The rule a refusal rests on: a `TransitionRefused`'s article, or the one an `InvalidCommand` names in its
    details (the category before a dispatch, 第12条)."""
    details = getattr(exc, "details", None)
    return getattr(exc, "article", None) or (details.get("article") if isinstance(details, dict) else None) or None


def refusal_notice(exc: AgentDesktopError, event: object) -> Notice:
    """The desk refused the agent's `event`: the error's code, details and rule, for the window to word."""
    return Notice(NoticeKind.REFUSED, exc.code, exc.message, _article(exc),
                  call_id=getattr(event, "call_id", None), order_id=exc.details.get("order_id"),
                  details=exc.details)


# --- the facades' values → desk events (pure mappings, tested without sockets) ---------------------------------

_END_REASONS = {
    "completed": EndReason.COMPLETED,
    "abandoned": EndReason.ABANDONED,
    "not_answered": EndReason.NOT_ANSWERED,
    "rejected": EndReason.NOT_ANSWERED,
    "answered_elsewhere": EndReason.ANSWERED_ELSEWHERE,
    "transferred": EndReason.TRANSFERRED,
    "left_conference": EndReason.LEFT_CONFERENCE,
    "lost during reconnect": EndReason.LOST,
    "no longer tracked (too many live calls)": EndReason.LOST,
}

_PARTIES = {"caller": ConferenceParty.CALLER, "agent": ConferenceParty.AGENT, "unit": ConferenceParty.UNIT}


def call_events(event: Any, *, known: bool = True) -> list[ev.DeskEvent]:
    """The desk events of one telephony domain event (`telephony.interfaces`); [] for those the desk does not
    follow (callback outcomes, survey results, a callback's ringing before the desk knows the call)."""
    name = getattr(event, "EVENT", "")
    call_id = event.call_id
    if name == "call_offered":
        return [ev.CallOffered(call_id, event.caller, event.caller_name, event.queue)]
    if name == "call_ringing":
        return [ev.CallRinging(call_id)] if known or str(event.direction) == "inbound" else []
    if name == "call_answered":
        return [ev.CallAnswered(call_id, event.caller, event.caller_name, event.recording)]
    if name == "recording_started":
        return [ev.RecordingStarted(call_id, event.recording)]
    if name == "call_held":
        return [ev.CallHeld(call_id)]
    if name == "call_resumed":
        return [ev.CallResumed(call_id)]
    if name == "call_transferred":
        return [ev.CallTransferred(call_id, event.target)]
    if name in ("conference_joined", "conference_left"):
        party = _PARTIES.get(str(event.party))
        if party is None:
            return []
        kind = ev.ConferencePartyJoined if name == "conference_joined" else ev.ConferencePartyLeft
        return [kind(call_id, party, event.number)]
    if name == "conference_unreachable":
        return [ev.ConferenceUnitUnreachable(call_id, event.number, str(event.outcome))]
    if name == "call_ended":
        return [ev.CallEnded(call_id, _END_REASONS.get(str(event.reason), EndReason.OTHER))]
    if name == "queue_membership":
        return [ev.QueueLoggedIn() if event.logged_in else ev.QueueLoggedOut()]
    if name == "pause_state":
        return [ev.SeatPaused(event.reason) if event.paused else ev.SeatReady()]
    if name == "after_call_work_started":
        return [ev.AfterCallWorkStarted()]
    if name == "after_call_work_ended":
        return [ev.AfterCallWorkEnded()]
    return []


def suggestions_of(call_id: str, prefill: Prefill) -> ev.SuggestionsArrived:
    """One pre-fill pass as the desk's suggestions: every form field it can fill, with the words it came from; a
    field this pass does not find is sent as None (its pending suggestion is withdrawn; the agent's value stays)."""
    evidence = prefill.evidence
    units = prefill.suggested_units
    values: dict[DraftField, tuple[str | None, str]] = {
        DraftField.CALLER_NAME: (prefill.surname, evidence.get("surname", "")),
        DraftField.FORM_OF_ADDRESS: (prefill.form_of_address, evidence.get("form_of_address", "")),
        DraftField.CALLER_PHONE: (prefill.phone, evidence.get("phone", "")),
        DraftField.CATEGORY: (prefill.category.zh if prefill.category is not None else None,
                              evidence.get("category", "")),
        DraftField.DISTRICT: (prefill.district, evidence.get("district", "")),
        DraftField.STREET: (prefill.street, evidence.get("street", "")),
        DraftField.ADDRESS: (prefill.address, evidence.get("address", "")),
        DraftField.DESCRIPTION: (prefill.summary or None, evidence.get("summary", "")),
        DraftField.URGENCY: (Urgency.EMERGENCY.value if prefill.is_urgent else None, evidence.get("is_urgent", "")),
        DraftField.LEAD_UNIT: (units[0].name if units else None, evidence.get("unit", "")),
        DraftField.NOT_ACCEPTED_REASON: (str(int(prefill.not_accepted_reason))
                                         if prefill.not_accepted_reason is not None else None,
                                         evidence.get("not_accepted_reason", "")),
    }
    suggestions = tuple(ev.FieldSuggestion(f, value, (proof or value or "") if value else "")
                        for f, (value, proof) in values.items())
    return ev.SuggestionsArrived(call_id, suggestions, caller_asked_anonymity=prefill.is_anonymous,
                                 anonymity_evidence=evidence.get("is_anonymous", "") if prefill.is_anonymous else "")
