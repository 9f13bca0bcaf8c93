"""The bridge on a real second thread: the desk's listeners run off the Qt thread (as on the runtime's loop), and
the states, notices and health values reach the Qt thread by queued signals — the newest state always, a burst
painted once or a few times, never on the calling thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Subscription
from agent_desktop.desk import SeatAction
from agent_desktop.desk import events as ev
from tests.ui import desk_loop as dl
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import QtCore


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
