"""The side panels' tables fit the window: at 1366×768 (and 1920×1080) my tasks and the order's history need no
horizontal scroll bar, whatever the length of their texts; what a narrow column cuts is elided and its full text is
in the tooltip. The main window with its real panels on a real seat store (orders walked through the lifecycle)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState, ReplyMeans
from agent_desktop.desk.session import DeskSettings, OrderNote, Rejection, start
from sync.local_store import LocalStore
from tests.agent_desktop.desk.desk_fixtures import AGENT, CIPHER
from ui.main_window import MainWindow
from ui.qt import Qt, QtWidgets

UNIT = Actor("unit-1", Role.UNIT, unit="长沙市岳麓区城市管理和综合执法局(岳麓区市容环境卫生管理处)")
LONG = ("小区南门外人行道上的路灯已经连续两周不亮,晚上老人和小孩出行很不安全,附近商户也反映过多次,"
        "希望相关部门尽快派人检修并告知处理结果")
NOW = datetime.now(UTC)


class SeatSource:
    """What the window's side panels read of the seat desk, over a real seat store on a reader thread."""

    def __init__(self, store: LocalStore, state) -> None:
        self.store = store
        self.state = state
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="store-reader")

    def seat_orders(self) -> Future:
        return self.pool.submit(self.store.orders)

    def order_history(self, order_id: str) -> Future:
        return self.pool.submit(self.store.get_order, order_id)

    def search_knowledge(self, query: str, limit: int = 10) -> Future:
        return self.pool.submit(list)

    def subscribe(self, listener):
        return None


@pytest.fixture
def source(tmp_path: Path) -> Iterator[SeatSource]:
    store = LocalStore(tmp_path / "seat.sqlite3")
    for i in range(6):
        order_id = f"20261207-8001-{i + 1:04d}"
        when = NOW - timedelta(days=i, hours=1)
        store.open_order(order_id, channel=Channel.PHONE, actor=AGENT, now=when,
                         caller=Caller(phone=f"1381234{8000 + i}", name="欧阳娜娜"),
                         category=Category.COMPLAINT, description=LONG)
        if i % 2:
            store.apply_local(order_id, lc.PromiseReply(True, ReplyMeans.CALLBACK), AGENT, when)
        else:
            store.apply_local(order_id, lc.Dispatch(UNIT.unit), AGENT, when + timedelta(minutes=3))
            store.apply_local(order_id, lc.Sign(), UNIT, when + timedelta(minutes=30))
            store.apply_local(order_id, lc.RequestReturn("非本单位职责范围,该路段路灯由区住建局负责维护" * 2), UNIT,
                              when + timedelta(minutes=40))
    rejected = OrderNote("20261207-8001-0002", "1796624841.7", OrderState.REPLY_PENDING,
                         rejection=Rejection("wrong_state", "工单已由其他坐席处理,请核对后重新提交" * 2, "第16条(一)"))
    state = start(DeskSettings(actor=AGENT, cipher=CIPHER))
    from dataclasses import replace

    seat = SeatSource(store, replace(state, orders=(rejected,)))
    yield seat
    seat.pool.shutdown(wait=True)


def _fits(view: QtWidgets.QTableView) -> bool:
    header = view.horizontalHeader()
    return view.horizontalScrollBar().maximum() == 0 and header.length() <= view.viewport().width()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_my_tasks_and_the_history_need_no_sideways_scrolling(qtbot, source, size) -> None:
    window = MainWindow(lambda event: None, seat="8001", desk=source)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.real_panels == {"knowledge", "tasks", "history"}
    tasks = window.panels["tasks"]
    window.side.setCurrentWidget(tasks)
    qtbot.waitUntil(lambda: tasks.refreshes >= 1, timeout=30_000)
    assert tasks.model.rowCount() >= 4
    qtbot.waitUntil(lambda: _fits(tasks.view), timeout=5_000)
    # the deadline and the time left are whole; the description is the column that gave way
    model, view = tasks.model, tasks.view
    for name in ("kind", "deadline", "left", "order"):
        column = model.COLUMNS.index(name)
        assert not view.isColumnHidden(column)
        assert view.columnWidth(column) >= view.sizeHintForColumn(column) - 8, name
    summary = model.COLUMNS.index("summary")
    assert view.columnWidth(summary) > 40
    tip = model.index(0, summary).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, summary).data() in tip  # the text the column elided is in the tooltip

    history = window.panels["history"]
    tasks.view.setCurrentIndex(model.index(0, 0))
    tasks.history_button.click()
    qtbot.waitUntil(lambda: history.shown is not None and history.model.rowCount() > 0, timeout=30_000)
    assert window.side.currentWidget() is history
    qtbot.waitUntil(lambda: _fits(history.table), timeout=5_000)
    notes = history.model.COLUMNS.index("note")
    assert history.table.columnWidth(notes) > 60
    # the last column ends at the edge: nothing is hidden behind a scroll
    header = history.table.horizontalHeader()
    assert header.length() >= history.table.viewport().width() - 2
