"""The side panels' tables fit the window: at 1366×768 (and 1920×1080) my tasks and the order's history need no
horizontal scroll bar, whatever the length of their texts; what a narrow column cuts is elided and its full text is
in the tooltip. The main window with its real panels on a real seat store (orders walked through the lifecycle)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.widgets.seat_store import SeatSource, seat_source
from ui.main_window import MainWindow
from ui.qt import Qt, QtWidgets


@pytest.fixture
def source(tmp_path: Path) -> Iterator[SeatSource]:
    seat = seat_source(tmp_path)
    yield seat
    seat.close()


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
