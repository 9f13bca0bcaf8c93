"""The centre's early warnings (第33条) in the window: the bridge reads what the desk's store keeps (on the store's
thread, through the real sync facade over a real SQLite store), the status bar shows how many are not seen yet and
lists them on a click without blocking the window; choosing one marks it seen in the store and the count drops."""

from __future__ import annotations

from pathlib import Path

from sync import protocol
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings
from tests.ui import desk_loop as dl
from tests.ui.test_bridge import ThreadedDesk
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import Qt, QtWidgets


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
