"""The centre's early warnings (第33条) in the window: the bridge reads what the desk's store keeps (on the store's
thread, through the real sync facade over a real SQLite store), the status bar shows how many are not seen yet and
lists them on a click without blocking the window; choosing one marks it seen in the store and the count drops."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent_desktop.desk.tasks import TaskKind
from sync import protocol
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings
from tests.ui import desk_loop as dl
from tests.ui.test_bridge import ThreadedDesk
from tests.ui.widgets.seat_store import seat_source
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import Qt, QtWidgets
from ui.widgets.tasks import OVERDUE_BACKGROUND, TASK_ROLE


def _warning(cursor: int, warning_id: str, order_id: str, severity: str, text: str) -> protocol.WarningNotice:
    return protocol.WarningNotice(cursor=cursor, warning_id=warning_id, kind="sign_overdue", severity=severity,
                                  order_ids=(order_id,), message=text, deadline="2026-10-09T02:00:00+00:00",
                                  raised_at="2026-10-09T02:00:00+00:00")


def test_the_centres_warnings_are_counted_listed_and_marked_seen(qtbot, tmp_path: Path) -> None:
    with LocalStore(tmp_path / "seat.sqlite3") as store:
        with store.results() as results:
            results.add_warning(_warning(1, "W-1", "WO-1", "warning", "工单 WO-1 签收即将超时"))
            results.add_warning(_warning(2, "W-2", "WO-2", "critical", "工单 WO-2 已超过签收时限"))
        service = SyncService(store, SyncSettings(url="ws://127.0.0.1:9/", token="t", seat="1001"))
        try:
            desk = ThreadedDesk()
            bridge = DeskBridge(desk, sync=service)
            window = window_for(bridge, seat="1001", clock=desk.loop.clock)
            qtbot.addWidget(window)
            window.show()
            indicator = window.warnings
            qtbot.waitUntil(lambda: indicator.text() == "预警 2", timeout=5000)
            assert indicator.isVisible() and not indicator.popup.isVisible()
            qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
            assert indicator.popup.isVisible()  # a list beside the bar, not a modal dialog
            assert not indicator.popup.isModal() and window.isEnabled()
            lines = [indicator.popup.list.item(i).text() for i in range(indicator.popup.list.count())]
            assert lines[0].startswith("工单 WO-2 已超过签收时限")  # the most severe first
            assert indicator.popup.list.item(0).font().bold()
            assert QtWidgets.QApplication.activeWindow() is window  # the keys still reach the window
            # the window goes on behind the list: a call is offered and painted
            desk.loop.feed(dl.ev.AmiConnectionRestored(), dl.ev.QueueLoggedIn(),
                           dl.ev.CallOffered(dl.CALL, dl.NUMBER, "王女士"))
            for listener in desk.listeners:
                listener(desk.loop.state)
            qtbot.waitUntil(lambda: window.state is not None and window.state.active_call is not None, timeout=5000)
            item = indicator.popup.list.item(0)
            rect = indicator.popup.list.visualItemRect(item)
            qtbot.mouseClick(indicator.popup.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            qtbot.waitUntil(lambda: indicator.text() == "预警 1", timeout=5000)
            seen = {w.warning_id: w.seen for w in service.warnings().result(10)}
            assert seen == {"W-1": False, "W-2": True}
            assert not indicator.popup.list.item(1).font().bold()  # the seen one goes to the end, not bold
            bridge.close()
            window.close()
        finally:
            service.close()


def test_no_warning_no_indicator(qtbot) -> None:
    desk = ThreadedDesk()
    window = window_for(DeskBridge(desk), seat="1001", clock=desk.loop.clock)
    qtbot.addWidget(window)
    window.show()
    assert not window.warnings.isVisible()


class StoreDesk(ThreadedDesk):
    """The seat desk as the side panels read it: the seat's orders and an order's history from the real store on a
    reader thread."""

    def __init__(self, store: LocalStore) -> None:
        super().__init__()
        self.store = store
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="store-reader")

    def seat_orders(self) -> Future:
        return self.pool.submit(self.store.orders)

    def order_history(self, order_id: str) -> Future:
        return self.pool.submit(self.store.get_order, order_id)

    def search_knowledge(self, query: str, limit: int = 10) -> Future:
        return self.pool.submit(list)


def test_unread_warnings_are_rows_of_my_tasks_and_opening_one_shows_its_order_and_marks_it_read(
        qtbot, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    source = seat_source(tmp_path, now)  # the seat's orders 20261207-8001-0001 … 0006, in the same store
    store = source.store
    with store.results() as results:
        results.add_warning(protocol.WarningNotice(
            cursor=1, warning_id="W-sign", kind="sign_overdue", severity="warning", order_ids=("20261207-8001-0001",),
            message="工单 20261207-8001-0001 已超过签收时限", deadline=(now - timedelta(days=3)).isoformat(),
            raised_at=now.isoformat()))
        results.add_warning(protocol.WarningNotice(
            cursor=2, warning_id="W-read", kind="overdue", severity="warning", order_ids=("20261207-8001-0003",),
            message="工单 20261207-8001-0003 超期未办结", deadline=(now - timedelta(days=2)).isoformat(),
            raised_at=now.isoformat()))
    service = SyncService(store, SyncSettings(url="ws://127.0.0.1:9/", token="t", seat="1001"))
    desk = StoreDesk(store)
    try:
        service.mark_warning_seen("W-read").result(10)
        bridge = DeskBridge(desk, sync=service)
        window = window_for(bridge, seat="1001", clock=desk.loop.clock)
        qtbot.addWidget(window)
        window.show()
        tasks, history = window.panels["tasks"], window.panels["history"]
        assert {"tasks", "history"} <= window.real_panels

        def warning_rows() -> list[int]:
            return [r for r in range(tasks.model.rowCount())
                    if tasks.model.index(r, 0).data(TASK_ROLE).kind is TaskKind.CENTRE_WARNING]

        qtbot.waitUntil(lambda: len(warning_rows()) == 1 and tasks.model.rowCount() > 1, timeout=10_000)
        (row,) = warning_rows()
        cell = [tasks.model.index(row, c).data() for c in range(tasks.model.columnCount())]
        assert cell[0] == "预警·超时未签收" and cell[1] == "20261207-8001-0001"
        assert cell[3] == "工单 20261207-8001-0001 已超过签收时限"
        assert "超期" in cell[5]  # in working days, as the other tasks
        assert tasks.model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole).color() == OVERDUE_BACKGROUND
        assert window.warnings.text() == "预警 1"  # the status bar counts the same unread one
        window.side.setCurrentWidget(tasks)
        tasks.view.setCurrentIndex(tasks.model.index(row, 0))
        tasks.view.setFocus()
        qtbot.keyClick(tasks.view, Qt.Key.Key_Return)
        assert warning_rows() == []  # read: gone from my tasks at once
        qtbot.waitUntil(lambda: history.shown is not None and history.shown.order_id == "20261207-8001-0001",
                        timeout=10_000)
        assert window.side.currentWidget() is history and history.model.rowCount() >= 3
        qtbot.waitUntil(lambda: window.warnings.text() == "预警 0", timeout=10_000)
        assert {w.warning_id: w.seen for w in service.warnings().result(10)} == {"W-sign": True, "W-read": True}
        # the panel reads the store again (its minute's refresh, or the desk's change): the read warning stays out
        tasks.refresh()
        qtbot.waitUntil(lambda: not tasks._reading, timeout=10_000)
        assert warning_rows() == []
        bridge.close()
        window.close()
    finally:
        service.close()
        desk.pool.shutdown(wait=True)
        source.close()
