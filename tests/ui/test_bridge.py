"""The bridge on a real second thread: the desk's listeners run off the Qt thread (as on the runtime's loop), and
the states, notices and health values reach the Qt thread by queued signals — the newest state always, a burst
painted once or a few times, never on the calling thread. A catch-up's burst of sync statuses and warnings costs
the Qt thread a bounded number of queued calls, counted as the `MetaCall` events Qt delivers for them."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Subscription
from agent_desktop.desk import DraftField, SeatAction
from agent_desktop.desk import events as ev
from sync.status import SyncState, SyncStatus
from tests.ui import desk_loop as dl
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import QEvent, QObject, QtCore, QtWidgets


class ThreadedDesk:
    """The seat session's outside as SeatDesk shows it: listeners called from another thread; `send` queues."""

    def __init__(self) -> None:
        self.loop = dl.DeskLoop()
        self.listeners: list = []
        self.notice_listeners: list = []
        self.sent: list[object] = []

    @property
    def state(self):
        return self.loop.state

    def subscribe(self, listener):
        self.listeners.append(listener)
        return Subscription(lambda: self.listeners.remove(listener))

    def on_notice(self, listener):
        self.notice_listeners.append(listener)
        return Subscription(lambda: self.notice_listeners.remove(listener))

    def send(self, event: object) -> None:
        self.sent.append(event)


class Facade:
    def __init__(self, name: str) -> None:
        self.health = Health(name, HealthState.STARTING, "starting", datetime.now(UTC))
        self.listeners: list = []

    def on_health(self, listener):
        self.listeners.append(listener)
        return Subscription(lambda: self.listeners.remove(listener))


def test_states_cross_to_the_qt_thread_latest_wins(qtbot) -> None:
    desk, telephony = ThreadedDesk(), Facade("telephony")
    bridge = DeskBridge(desk, telephony=telephony)
    window = window_for(bridge, seat="1001", clock=desk.loop.clock)
    qtbot.addWidget(window)
    threads: list[threading.Thread] = []
    bridge.state_changed.connect(lambda _: threads.append(threading.current_thread()))
    dl.talking(desk.loop)

    def burst() -> None:
        for i in range(500):
            desk.loop.feed(ev.TranscriptFinal(dl.CALL, f"第 {i} 句"))
            for listener in list(desk.listeners):
                listener(desk.loop.state)
        notice = dl.Notice("refused", "transition_refused", "受理后应及时派单", "第17条")
        for listener in list(desk.notice_listeners):
            listener(notice)
        for listener in list(telephony.listeners):
            listener(Health("telephony", HealthState.DEGRADED, "reconnecting", datetime.now(UTC)))

    worker = threading.Thread(target=burst)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: window.transcript.final_lines()[-1:] == ("第 499 句",))
    qtbot.waitUntil(lambda: "第17条" in window.form.refusal.text())
    qtbot.waitUntil(lambda: window.status.ami.toolTip() == "reconnecting")
    assert window.status.ami.property("level") == "warn"
    assert threads and all(t is threading.main_thread() for t in threads)
    assert len(threads) < 500  # a burst is coalesced: the newest state is painted, not every one
    window.send(ev.RequestSeatAction(SeatAction.READY))
    assert desk.sent == [ev.RequestSeatAction(SeatAction.READY)]
    states, notices = len(desk.listeners), len(desk.notice_listeners)  # side panels may listen too
    bridge.close()
    assert (len(desk.listeners), len(desk.notice_listeners)) == (states - 1, notices - 1)
    assert telephony.listeners == []
    QtCore.QCoreApplication.processEvents()


class QueuedCalls(QObject):
    """Counts the queued calls (Qt's MetaCall events) the Qt thread runs for an object."""

    def __init__(self, watched: QObject) -> None:
        super().__init__()
        self.count = 0
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.MetaCall:
            self.count += 1
        return False


class SyncFacade(Facade):
    """sync's outside as the bridge sees it: status, health and warnings listeners called from the loop thread,
    the warnings read on a store thread of their own, held at `gate` until the test opens it."""

    def __init__(self) -> None:
        super().__init__("sync")
        self.status = SyncStatus(SyncState.OFFLINE, queue_depth=40)
        self.status_listeners: list = []
        self.warning_listeners: list = []
        self.reads = 0
        self.gate = threading.Event()
        self.gate.set()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="store-reader")

    def on_status(self, listener):
        self.status_listeners.append(listener)
        return Subscription(lambda: self.status_listeners.remove(listener))

    def on_warnings(self, listener):
        self.warning_listeners.append(listener)
        return Subscription(lambda: self.warning_listeners.remove(listener))

    def warnings(self) -> Future:
        def read() -> tuple:
            self.gate.wait(10)
            self.reads += 1
            return (f"预警 {self.reads}",)

        return self.pool.submit(read)


def test_a_catch_up_of_ten_thousand_changes_costs_the_qt_thread_one_queued_call(qtbot) -> None:
    desk, telephony, sync = ThreadedDesk(), Facade("telephony"), SyncFacade()
    bridge = DeskBridge(desk, telephony=telephony, sync=sync)
    qtbot.waitUntil(lambda: bridge.warnings == ("预警 1",))
    queued = QueuedCalls(bridge)
    views: list = []
    bridge.services_changed.connect(views.append)
    states: list = []
    bridge.state_changed.connect(states.append)
    dl.talking(desk.loop)

    def catch_up() -> None:  # what the loop thread does while the seat catches up: every page moves the cursor
        for cursor in range(1, 10_001):
            status = replace(sync.status, state=SyncState.CATCHING_UP, cursor=cursor,
                             queue_depth=max(0, 40 - cursor // 100))
            for listener in list(sync.status_listeners):
                listener(status)
            if cursor % 10 == 0:
                for listener in list(desk.listeners):
                    listener(desk.loop.state)
        for listener in list(sync.listeners):  # its health
            listener(Health("sync", HealthState.UP, "online", datetime.now(UTC)))

    worker = threading.Thread(target=catch_up)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(views) and bool(states))
    QtCore.QCoreApplication.processEvents()
    assert (views[-1].operations_waiting, views[-1].center_connected, views[-1].sync.detail) == (0, True, "online")
    assert len(views) == 1 and len(states) == 1  # one render of the status bar, one of the window
    assert queued.count == 2  # the services' delivery and the state's: not one per change
    bridge.close()
    sync.pool.shutdown(wait=True)


def test_a_burst_of_warning_notices_reads_the_warnings_once_more_not_once_each(qtbot) -> None:
    desk, sync = ThreadedDesk(), SyncFacade()
    bridge = DeskBridge(desk, sync=sync)
    qtbot.waitUntil(lambda: bridge.warnings == ("预警 1",))
    queued = QueuedCalls(bridge)
    shown: list = []
    bridge.warnings_changed.connect(shown.append)
    sync.gate.clear()  # the store is busy: the first reading waits while the notices keep coming

    def notices() -> None:
        for _ in range(1_000):
            for listener in list(sync.warning_listeners):
                listener(("W",))

    worker = threading.Thread(target=notices)
    worker.start()
    worker.join()
    sync.gate.set()
    qtbot.waitUntil(lambda: bridge.warnings == ("预警 3",))  # the one under way, then one for all the others
    sync.pool.shutdown(wait=True)
    QtCore.QCoreApplication.processEvents()
    assert sync.reads == 3 and shown == [("预警 2",), ("预警 3",)]
    assert queued.count == 2
    bridge.close()


class PaintedPlaceholder(QObject):
    """The suggestion a box last drew: its placeholder read at each Paint event of the part that draws it (the
    viewport of a multi-line box). Not the widget's property, which may change without a repaint."""

    def __init__(self, editor: QtWidgets.QWidget) -> None:
        super().__init__()
        self.editor = editor
        self.painted: str | None = None
        drawn = editor.viewport() if isinstance(editor, QtWidgets.QAbstractScrollArea) else editor
        drawn.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.painted = self.editor.placeholderText()
        return False


def _delivered(desk: ThreadedDesk, *events: ev.DeskEvent) -> None:
    """The events fed and each state handed to the listeners on another thread, as the runtime's loop does."""
    def run() -> None:
        for event in events:
            desk.loop.feed(event)
            for listener in list(desk.listeners):
                listener(desk.loop.state)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


def _summary(text: str) -> ev.SuggestionsArrived:
    """A pre-fill pass whose only news is the matter's summary (it grows with each final; the other fields stay)."""
    return ev.SuggestionsArrived(dl.CALL, (ev.FieldSuggestion(DraftField.DISTRICT, "岳麓区", "岳麓区"),
                                           ev.FieldSuggestion(DraftField.DESCRIPTION, text, "施工")))


def test_a_suggestion_that_changes_late_is_painted_at_once(qtbot) -> None:
    """Issue 11's slow field samples: a call's second pre-fill while nothing else changes, and its last one in
    after-call work, must reach the screen by themselves, not at the next event that repaints the form."""
    desk = ThreadedDesk()
    bridge = DeskBridge(desk)
    window = window_for(bridge, seat="1001", clock=desk.loop.clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    row = window.form.rows[DraftField.DESCRIPTION]
    shown = PaintedPlaceholder(row.editor)
    _delivered(desk, ev.AmiConnectionRestored(), ev.QueueLoggedIn(), ev.CallOffered(dl.CALL, dl.NUMBER, "王女士"),
               ev.CallRinging(dl.CALL), ev.CallAnswered(dl.CALL), _summary("小区门口工地夜间施工"))
    qtbot.waitUntil(lambda: shown.painted == "小区门口工地夜间施工")

    _delivered(desk, _summary("小区门口工地夜间施工至十二点"))  # mid-call, no other event
    qtbot.waitUntil(lambda: shown.painted == "小区门口工地夜间施工至十二点")

    _delivered(desk, ev.CallEnded(dl.CALL), ev.AfterCallWorkStarted())
    qtbot.waitUntil(lambda: window.state is not None and not window.state.call(dl.CALL).state.is_live)
    assert window.state.active_call is not None and window.state.active_call.call_id == dl.CALL  # after-call work
    _delivered(desk, _summary("小区门口工地夜间施工至十二点,噪音扰民"))  # the last pass, after the call ended
    qtbot.waitUntil(lambda: shown.painted == "小区门口工地夜间施工至十二点,噪音扰民")
    assert window.form.rows[DraftField.DISTRICT].editor.placeholderText() == "岳麓区"
    bridge.close()
