"""An order's history (工作流转单, 第14条) in a side panel: every step with its time, what was done, who did it (from
which seat or unit), the note and what changed, and the state the order was in after it.

The panel renders `agent_desktop.desk.order_history` views — an anonymous caller's number and name only masked
(第15条), digits in hand-written notes too. It is given either a work order (`show_order`) or an order id to ask the
seat desk for (`show_order_id(order_id)`, or `load(desk, order_id)`): `desk.order_history(order_id)` returns a
`concurrent.futures.Future`, resolved off the Qt thread and delivered by a queued signal; an answer for an order asked
before the latest one is dropped. The future's value is the seat desk's `OrderHistory` (`order_id`, `state` — None
when this seat does not hold the order —, `steps`), or a `WorkOrder`, or `None`.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import CancelledError, Future
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from agent_desktop.core.work_order import NotAcceptedReason, OrderState, WorkOrder
from agent_desktop.desk.order_history import (
    NOTE_ZH,
    HistoryStep,
    OrderHistoryView,
    ShownChange,
    ShownPart,
    history_view,
    history_view_of,
)
from ui.domain_text import domain, labelled, reason_label
from ui.qt import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QtCore, QtWidgets, Signal, Slot
from ui.widgets.column_fit import ColumnFit
from ui.widgets.table_model import RowsModel

log = logging.getLogger(__name__)


class HistorySource(Protocol):
    def order_history(self, order_id: str) -> Future[Any]: ...


def _tr(text: str) -> str:
    return QCoreApplication.translate("HistoryModel", text)


HEADERS = (QT_TRANSLATE_NOOP("HistoryModel", "时间"), QT_TRANSLATE_NOOP("HistoryModel", "环节"),
           QT_TRANSLATE_NOOP("HistoryModel", "处理人"), QT_TRANSLATE_NOOP("HistoryModel", "说明"),
           QT_TRANSLATE_NOOP("HistoryModel", "处理后状态"))


def _part(part: ShownPart, field: str) -> str:
    label, value, is_domain = part
    if field == "不予受理理由" and value.isdigit():
        with contextlib.suppress(ValueError):
            value = reason_label(NotAcceptedReason(int(value)))
    elif is_domain:
        value = domain(value)
    return f"{domain(label)} {value}" if label else value


def _parts(parts: tuple[ShownPart, ...], field: str) -> str:
    return domain(",").join(_part(p, field) for p in parts)


def change_text(change: ShownChange) -> str:
    """One change in the window's language: "field: old → new"; a record's changed parts side by side."""
    old, new = change.old, change.new
    if old and new and all(label for label, _, _ in (*old, *new)):
        # a record's parts by name: "审核 待审核 → 已同意,新期限 …"
        before = {label: part for label, *part in old}
        shown = []
        for label, text, is_domain in new:
            now = _part(("", text, is_domain), change.field)
            if label in before:
                was = _part(("", *before[label]), change.field)  # type: ignore[arg-type]
                now = f"{was} → {now}"
            shown.append(f"{domain(label)} {now}")
        value = domain(",").join(shown)
    elif old:
        value = f"{_parts(old, change.field)} → {_parts(new, change.field)}"
    else:
        value = _parts(new, change.field)
    return labelled(domain(change.field), value)


def note_text(note: str) -> str:
    """The step's note: the lifecycle's own notes (NOTE_ZH) translated, a person's words as written."""
    return ";".join(domain(part) if part in _LIFECYCLE_NOTES else part for part in note.split(";")) if note else ""


_LIFECYCLE_NOTES = frozenset(NOTE_ZH.values())


def changes_text(step: HistoryStep, separator: str = ";") -> str:
    """What the step changed, in words and in the window's language (the values typed or named are data)."""
    return separator.join(change_text(c) for c in step.shown)


class HistoryModel(RowsModel):
    COLUMNS = ("at", "action", "actor", "note", "state")

    def __init__(self, parent: Any = None, *, timezone: str = "Asia/Shanghai") -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)

    @property
    def steps(self) -> tuple[HistoryStep, ...]:
        return self._rows

    def set_steps(self, steps: tuple[HistoryStep, ...]) -> None:
        self._replace_rows(steps)

    def headers(self) -> tuple[str, ...]:
        return tuple(_tr(text) for text in HEADERS)

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        step = self._row_of(index)
        if step is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "at":
                return step.at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
            if column == "action":
                return domain(step.action_zh)
            if column == "actor":
                return f"{step.actor} · {domain(step.role.zh)}"
            if column == "note":
                return "\n".join(p for p in (note_text(step.note), changes_text(step)) if p)
            if column == "state":
                return domain(step.state_after.zh)
        if role == Qt.ItemDataRole.ToolTipRole:  # the full text of a cell the panel's width cut short
            if column == "note":
                return "\n".join(p for p in (note_text(step.note), changes_text(step, "\n")) if p) or None
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        return None


class HistoryPanel(QtWidgets.QWidget):
    # (request number, order id, future) from the thread that resolved the future, delivered queued
    _history_ready = Signal(int, str, object)

    def __init__(self, source: HistorySource | None = None, parent: QtWidgets.QWidget | None = None, *,
                 timezone: str = "Asia/Shanghai") -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self._source = source
        self._requests = 0
        self._view: OrderHistoryView | None = None
        self.title = QtWidgets.QLabel(self)
        self.title.setObjectName("historyTitle")
        self.title.setWordWrap(True)
        self.status = QtWidgets.QLabel(self)
        self.status.setObjectName("historyStatus")
        self.model = HistoryModel(self, timezone=timezone)
        self.table = QtWidgets.QTableView(self)
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        # the note (wrapped) and who did it share what time, step and state leave: no sideways scrolling
        column = HistoryModel.COLUMNS.index
        self.fit = ColumnFit(self.table, elastic={column("note"): 3, column("actor"): 1})
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._history_ready.connect(self._on_history, Qt.ConnectionType.QueuedConnection)
        self.title.setText(self.tr("工作流转单"))

    @property
    def shown(self) -> OrderHistoryView | None:
        return self._view

    @Slot(object)
    def show_order(self, order: WorkOrder) -> None:
        self._requests += 1  # a value given directly wins over any answer still on its way
        self._render(history_view(order))

    @Slot(str)
    def show_order_id(self, order_id: str) -> None:
        """Ask this panel's seat desk for the order's history (e.g. from my tasks)."""
        if self._source is None:
            self.status.setText(self.tr("流转记录不可用"))
            return
        self.load(self._source, order_id)

    def load(self, source: HistorySource, order_id: str) -> None:
        """Ask `source` for the order's history; returns at once."""
        self._requests += 1
        number = self._requests
        self.status.setText(self.tr("正在读取 %1 的流转记录…").replace("%1", order_id))
        try:
            future = source.order_history(order_id)
        except Exception as exc:
            log.warning("order history refused: %s", exc)
            self.status.setText(self.tr("读取流转记录失败"))
            return
        future.add_done_callback(lambda done, n=number, o=order_id: self._deliver(n, o, done))

    def _deliver(self, number: int, order_id: str, future: Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the panel was deleted meanwhile
            self._history_ready.emit(number, order_id, future)

    @Slot(int, str, object)
    def _on_history(self, number: int, order_id: str, future: Future[Any]) -> None:
        if number != self._requests:
            return  # the agent asked for another order since
        try:
            value = future.result(timeout=0)
        except CancelledError:
            return
        except Exception as exc:
            log.warning("order history failed: %s", exc)
            self.status.setText(self.tr("读取流转记录失败"))
            return
        if isinstance(value, WorkOrder):
            self._render(history_view(value))
            return
        state, steps = getattr(value, "state", None), getattr(value, "steps", None)
        if isinstance(state, OrderState) and steps is not None:
            self._render(history_view_of(getattr(value, "order_id", order_id), state, steps))
            return
        order = getattr(value, "order", None)
        if not isinstance(order, WorkOrder):
            self._view = None
            self.model.set_steps(())
            self.title.setText(self.tr("工作流转单"))
            self.status.setText(self.tr("本席未找到工单 %1").replace("%1", order_id))
            return
        self._render(history_view(order))

    def _render(self, view: OrderHistoryView) -> None:
        self._view = view
        caller = " ".join(p for p in (view.caller_name_shown, view.caller_shown) if p)
        title = self.tr("工作流转单 %1 · %2").replace("%1", view.order_id).replace("%2", domain(view.state.zh))
        if caller:
            title += " · " + self.tr("诉求人") + " " + caller
        if view.anonymous:
            title += " · " + self.tr("匿名")
        self.title.setText(title)
        self.model.set_steps(view.steps)
        self.table.resizeRowsToContents()
        self.status.setText(self.tr("共 %n 个环节", "", len(view.steps)))
