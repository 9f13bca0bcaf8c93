"""The tasks panel on real tasks: orders walked through the real lifecycle and `my_tasks` on the real working-day
calendar, around the 2026 National Day holiday."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.privacy import seal_caller
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState, ReplyMeans
from agent_desktop.desk.session import DeskSettings, OrderNote, Rejection, start
from agent_desktop.desk.tasks import CentreRejection, TaskKind, WarningLevel, my_tasks, warning_tasks
from sync.local_store import LocalStore
from tests.agent_desktop.desk.desk_fixtures import AGENT, CIPHER
from tests.ui.test_bridge import QueuedCalls
from ui.qt import Qt
from ui.widgets.tasks import NEAR_BACKGROUND, OVERDUE_BACKGROUND, TASK_ROLE, TasksModel, TasksPanel

CST = ZoneInfo("Asia/Shanghai")
CTX = lc.RuleContext.default()


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def promised(order_id: str, when: datetime, means: ReplyMeans = ReplyMeans.CALLBACK, *, anonymous: bool = False,
             phone: str | None = "13812348000"):
    caller = Caller(phone=phone, is_anonymous=anonymous)
    if anonymous:
        caller = seal_caller(caller, CIPHER, order_id)
    order = lc.open_work_order(order_id, channel=Channel.PHONE, actor=AGENT, now=when, caller=caller,
                               category=Category.CONSULTATION, description="公积金提取需要哪些材料")
    return lc.apply(order, lc.PromiseReply(True, means), AGENT, when, CTX)


def tasks_at(now: datetime):
    orders = [
        promised("WO-ok", at(10, 9, 10)),  # due Saturday 10 October (a working day)
        promised("WO-near", at(9, 30, 10), ReplyMeans.SMS, anonymous=True),  # due 8 October
        promised("WO-over", at(9, 29, 10)),  # due 30 September
        promised("WO-nophone", at(10, 9, 11), phone=None),
    ]
    rejected = CentreRejection("WO-x", "wrong_state", "工单已由其他坐席派单", "第16条(二)", at(10, 8, 9))
    return my_tasks(orders, now=now, ctx=CTX, rejections=[rejected])


@pytest.fixture
def panel(qtbot) -> TasksPanel:
    widget = TasksPanel(None, None)
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    return widget


def test_the_model_passes_the_model_tester(qtmodeltester) -> None:
    model = TasksModel()
    model.set_tasks(tasks_at(at(10, 8, 14)))
    qtmodeltester.check(model, force_py=True)
    model.set_tasks(())
    qtmodeltester.check(model, force_py=True)


def test_rows_are_sorted_by_deadline_with_working_days_left_and_warning_tints(panel) -> None:
    given = tasks_at(at(10, 8, 14))
    panel.show_tasks(tuple(reversed(given)))  # whatever order they come in
    model = panel.model
    order_ids = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert order_ids == ["WO-over", "WO-near", "WO-x", "WO-nophone", "WO-ok"]
    left = {model.index(r, 1).data(): model.index(r, 5).data() for r in range(model.rowCount())}
    assert left["WO-over"] == "超期 1 个工作日"  # due 30 September: only 8 October has passed, not the holiday
    assert left["WO-near"] == "今天到期"
    assert left["WO-ok"] == "剩 2 个工作日"  # 9 and 10 October
    colours = {model.index(r, 1).data(): model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole)
               for r in range(model.rowCount())}
    assert colours["WO-over"].color() == OVERDUE_BACKGROUND
    assert colours["WO-near"].color() == NEAR_BACKGROUND
    assert colours["WO-ok"] is None
    kinds = {model.index(r, 1).data(): model.index(r, 0).data() for r in range(model.rowCount())}
    assert kinds["WO-over"] == "回拨" and kinds["WO-near"] == "承诺答复" and kinds["WO-x"] == "中心驳回"
    detail = {model.index(r, 1).data(): model.index(r, 6).data() for r in range(model.rowCount())}
    # the centre's rejection worded from its code in the window's language (ui/refusals.py), with its article
    assert detail["WO-x"] == "工单的状态已经改变,不能执行这一步(第16条(二))"
    assert model.index(0, 4).data() == "09-30 17:30"
    assert isinstance(model.index(0, 0).data(TASK_ROLE).kind, TaskKind)
    assert panel.summary.text() == "共 5 项待办,1 项即将到期,1 项已超期"


def test_an_anonymous_callers_number_never_reaches_the_screen(panel) -> None:
    panel.show_tasks(tasks_at(at(10, 8, 14)))
    model = panel.model
    texts = [str(model.index(r, c).data(role)) for r in range(model.rowCount()) for c in range(model.columnCount())
             for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)]
    row = next(r for r in range(model.rowCount()) if model.index(r, 1).data() == "WO-near")
    assert model.index(row, 2).data() == "138****8000"
    # the named callers of WO-over and WO-ok only: their caller cell and their rows' tooltips (every cell's)
    assert sum("13812348000" in t for t in texts) == 2 * (1 + model.columnCount())
    assert "138****8000" in model.index(row, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 2).data() == "13812348000"


def test_callback_from_a_task_and_the_orders_history(qtbot, panel) -> None:
    panel.show_tasks(tasks_at(at(10, 8, 14)))
    assert panel.selected_task().order_id == "WO-over"
    with qtbot.waitSignal(panel.callback_requested) as called:
        qtbot.mouseClick(panel.callback_button, Qt.MouseButton.LeftButton)
    assert called.args == ["WO-over"]
    with qtbot.waitSignal(panel.history_requested) as opened:
        qtbot.mouseClick(panel.history_button, Qt.MouseButton.LeftButton)
    assert opened.args == ["WO-over"]
    # keyboard: down to the next task, Enter opens its history, Ctrl+Enter calls back
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Down)
    assert panel.selected_task().order_id == "WO-near"
    with qtbot.waitSignal(panel.history_requested) as entered:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert entered.args == ["WO-near"]
    with qtbot.waitSignal(panel.callback_requested) as rang:
        qtbot.keyClick(panel.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert rang.args == ["WO-near"]


def test_no_callback_without_a_number_and_the_selection_survives_a_refresh(qtbot, panel) -> None:
    panel.show_tasks(tasks_at(at(10, 8, 14)))
    rejected_row = next(r for r in range(panel.model.rowCount()) if panel.model.index(r, 1).data() == "WO-x")
    panel.view.setCurrentIndex(panel.model.index(rejected_row, 0))
    assert not panel.callback_button.isEnabled()  # the rejected order is not among this seat's orders
    assert panel.history_button.isEnabled()
    with qtbot.assertNotEmitted(panel.callback_requested):
        qtbot.keyClick(panel.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    nophone = next(r for r in range(panel.model.rowCount()) if panel.model.index(r, 1).data() == "WO-nophone")
    panel.view.setCurrentIndex(panel.model.index(nophone, 0))
    assert not panel.callback_button.isEnabled()
    # an hour later the same tasks are refreshed: the selection stays on the same task, and levels move on
    panel.show_tasks(tasks_at(at(10, 8, 18)))
    assert panel.selected_task().order_id == "WO-nophone"
    near = next(t for t in panel.model.tasks if t.order_id == "WO-near")
    assert near.level is WarningLevel.OVERDUE


def test_an_empty_list_disables_the_actions(panel) -> None:
    panel.show_tasks(())
    assert panel.model.rowCount() == 0
    assert not panel.callback_button.isEnabled() and not panel.history_button.isEnabled()
    assert panel.summary.text() == "共 0 项待办"


@dataclass(frozen=True)
class CentreWarning:
    """As the desk's store keeps a warning (sync.local_store.CentreWarning)."""

    warning_id: str
    kind: str
    severity: str
    order_ids: tuple[str, ...]
    text: str
    due: datetime | None
    seen: bool = False


WARNINGS = (
    CentreWarning("W-sign", "sign_overdue", "warning", ("WO-d",), "工单 WO-d 已超过签收时限", at(10, 8, 11)),
    CentreWarning("W-reply", "reply_task_due", "info", ("WO-r",), "工单 WO-r 的答复任务即将到期", at(10, 8, 17, 30)),
    CentreWarning("W-far", "due_soon", "info", ("WO-f",), "工单 WO-f 办理即将到期", at(10, 12, 17, 30)),
    CentreWarning("W-repeat", "repeat_caller", "critical", ("WO-a", "WO-b", "WO-c"), "同一号码 7 天内来电 3 次", None),
    CentreWarning("W-read", "overdue", "warning", ("WO-old",), "工单 WO-old 超期未办结", at(10, 8, 9), seen=True),
)


def test_the_centres_warnings_are_rows_of_my_tasks_and_opening_one_marks_it_read(qtbot) -> None:
    panel = TasksPanel(None, None, clock=lambda: at(10, 8, 14))
    qtbot.addWidget(panel)
    panel.resize(1100, 300)
    panel.show()
    panel.show_tasks(tasks_at(at(10, 8, 14)))
    panel.show_warnings(WARNINGS)
    model = panel.model
    rows = {model.index(r, 0).data(TASK_ROLE).warning_id: r for r in range(model.rowCount())}
    assert set(rows) == {"", "W-sign", "W-reply", "W-far", "W-repeat"}  # the read one is not a task any more
    assert model.rowCount() == 5 + 4

    def cells(warning_id: str) -> list[str]:
        return [model.index(rows[warning_id], c).data() for c in range(model.columnCount())]

    kind, order, caller, matter, deadline, left, detail = cells("W-sign")
    assert (kind, order, caller) == ("预警·超时未签收", "WO-d", "")
    assert (matter, deadline, left, detail) == ("工单 WO-d 已超过签收时限", "10-08 11:00", "已超期", "预警")
    assert cells("W-reply")[4:6] == ["10-08 17:30", "今天到期"]
    assert cells("W-far")[4:6] == ["10-12 17:30", "剩 3 个工作日"]  # 9, 10 (a working Saturday) and 12 October
    assert cells("W-repeat")[:2] == ["预警·重复来电", "WO-a 等 3 单"]
    assert cells("W-repeat")[4:6] == ["", "无期限"]
    tint = {w: model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) for w, r in rows.items() if w}
    assert tint["W-sign"].color() == OVERDUE_BACKGROUND  # the deadline passed, as any task's
    assert tint["W-reply"].color() == NEAR_BACKGROUND  # due today
    assert tint["W-far"] is None
    assert tint["W-repeat"].color() == OVERDUE_BACKGROUND  # no deadline: the centre's "critical" says it
    assert "WO-a、WO-b、WO-c" in model.index(rows["W-repeat"], 1).data(Qt.ItemDataRole.ToolTipRole)
    # among the other tasks by deadline: the overdue sign warning between the callback due on 30 September and today's
    order = [model.index(r, 0).data(TASK_ROLE).warning_id or model.index(r, 1).data() for r in range(model.rowCount())]
    assert order.index("WO-over") < order.index("W-sign") < order.index("W-reply") < order.index("W-far")
    assert order[-1] == "W-repeat"
    # Enter on a warning: its order's history, and it is read: it leaves the list at once
    panel.view.setCurrentIndex(model.index(rows["W-sign"], 0))
    panel.view.setFocus()
    assert not panel.callback_button.isEnabled()  # a warning names orders, never a caller
    emitted: list[tuple[str, str]] = []
    panel.history_requested.connect(lambda order_id: emitted.append(("history", order_id)))
    panel.warning_opened.connect(lambda warning_id: emitted.append(("read", warning_id)))
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    assert emitted == [("history", "WO-d"), ("read", "W-sign")]
    assert "W-sign" not in {t.warning_id for t in model.tasks}
    assert model.rowCount() == 8
    # a double click opens one warning, not also the row that takes its place
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(TASK_ROLE).warning_id == "W-reply")
    rect = panel.view.visualRect(model.index(row, 0))
    # (a real double click: press and release, then the double click)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted[2:] == [("history", "WO-r"), ("read", "W-reply")]
    assert {t.warning_id for t in model.tasks} == {"", "W-far", "W-repeat"}
    # the store's list comes back with the two read: the same rows
    panel.show_warnings(tuple(replace(w, seen=w.seen or w.warning_id in ("W-sign", "W-reply")) for w in WARNINGS))
    assert {t.warning_id for t in model.tasks} == {"", "W-far", "W-repeat"}
    assert len(warning_tasks(WARNINGS, now=at(10, 8, 14), ctx=CTX)) == 4


# --- on the seat desk: read off the Qt thread, again when the desk's orders change ----------------------------------


class SeatOrders:
    """What the panel reads of the seat desk, over a real seat store: `seat_orders()` a future on a reader thread,
    `state.orders` the desk's notes, `subscribe` listeners called from another thread (the desk's loop)."""

    def __init__(self, store, state) -> None:
        self.store = store
        self.state = state
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="store-reader")
        self.listeners = []
        self.reader_threads: set[str] = set()

    def seat_orders(self) -> Future:
        def read():
            self.reader_threads.add(threading.current_thread().name)
            return self.store.orders()

        return self.pool.submit(read)

    def subscribe(self, listener):
        self.listeners.append(listener)
        return _Subscription(self.listeners, listener)

    def change(self, state) -> None:
        self.state = state
        loop = threading.Thread(target=lambda: [listener(state) for listener in list(self.listeners)])
        loop.start()
        loop.join()


class _Subscription:
    def __init__(self, listeners, listener) -> None:
        self._listeners, self._listener = listeners, listener

    def cancel(self) -> None:
        if self._listener in self._listeners:
            self._listeners.remove(self._listener)


@pytest.fixture
def seat(tmp_path: Path) -> Iterator[SeatOrders]:
    store = LocalStore(tmp_path / "seat.sqlite3")
    store.open_order("WO-p", channel=Channel.PHONE, actor=AGENT, now=at(9, 30, 10), caller=Caller(phone="13812348000"),
                     category=Category.CONSULTATION, description="公积金提取需要哪些材料")
    store.apply_local("WO-p", lc.PromiseReply(True, ReplyMeans.CALLBACK), AGENT, at(9, 30, 10))
    source = SeatOrders(store, start(DeskSettings(actor=AGENT, cipher=CIPHER)))
    yield source
    source.pool.shutdown(wait=True)


def test_on_the_desk_the_panel_reads_the_seats_orders_and_follows_the_desks_changes(qtbot, seat, monkeypatch) -> None:
    monkeypatch.setattr("ui.widgets.tasks.MIN_REFRESH_S", 0.05)
    panel = TasksPanel(seat, None, clock=lambda: at(10, 8, 14))
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.refreshes == 1)
    assert [(t.order_id, t.kind, t.level) for t in panel.model.tasks] == [
        ("WO-p", TaskKind.CALLBACK_DUE, WarningLevel.NEAR)]
    assert seat.reader_threads == {"store-reader_0"}
    # the centre rejects a step: the desk's state changes on its loop thread; the panel reads again
    rejected = OrderNote("WO-p", "call-1", OrderState.REPLY_PENDING,
                         rejection=Rejection("wrong_state", "工单已由其他坐席处理", "第16条(一)"))
    seat.change(replace(seat.state, orders=(rejected,)))
    qtbot.waitUntil(lambda: panel.refreshes == 2)
    assert [(t.order_id, t.kind) for t in panel.model.tasks] == [("WO-p", TaskKind.CALLBACK_DUE),
                                                                   ("WO-p", TaskKind.REJECTED)]
    assert panel.model.tasks[1].article == "第16条(一)"
    # the same state again changes nothing (no reading)
    seat.change(seat.state)
    qtbot.wait(200)
    assert panel.refreshes == 2
    panel.deleteLater()
    qtbot.waitUntil(lambda: not seat.listeners)  # the subscription ends with the panel


def test_a_failing_store_is_said(qtbot, seat) -> None:
    class Broken(SeatOrders):
        def seat_orders(self) -> Future:
            future: Future = Future()
            future.set_exception(OSError("disk I/O error"))
            return future

    panel = TasksPanel(Broken(seat.store, seat.state), None)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.summary.text() == "待办读取失败")
    assert panel.model.rowCount() == 0


def test_a_burst_of_the_desks_changes_costs_the_qt_thread_one_queued_call_and_one_reading(qtbot, seat,
                                                                                          monkeypatch) -> None:
    monkeypatch.setattr("ui.widgets.tasks.MIN_REFRESH_S", 0.05)
    panel = TasksPanel(seat, None, clock=lambda: at(10, 8, 14))
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.refreshes == 1)
    queued = QueuedCalls(panel)
    rejected = OrderNote("WO-p", "call-1", OrderState.REPLY_PENDING,
                         rejection=Rejection("wrong_state", "工单已由其他坐席处理", "第16条(一)"))

    def catch_up() -> None:  # the desk's loop thread: every change elsewhere gives the desk new order notes
        for i in range(10_000):
            note = rejected if i == 9_999 else OrderNote("WO-p", "call-1", OrderState.REPLY_PENDING, acked=i % 2 == 0)
            seat.state = replace(seat.state, orders=(note,))
            for listener in list(seat.listeners):
                listener(seat.state)

    worker = threading.Thread(target=catch_up)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: panel.refreshes == 2)
    assert [t.kind for t in panel.model.tasks] == [TaskKind.CALLBACK_DUE, TaskKind.REJECTED]  # the newest notes
    assert queued.count <= 2  # the change's call and the reading's result: not one per change
    qtbot.wait(200)
    assert panel.refreshes == 2
