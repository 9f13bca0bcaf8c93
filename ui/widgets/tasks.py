"""My tasks (我的待办): a table model of the seat's tasks (`agent_desktop.desk.tasks.Task`) and the panel around it.

`TasksModel` is a read-only `QAbstractTableModel` over an immutable tuple of tasks, kept sorted by deadline
(soonest first, tasks without one last). Rows near their deadline are amber, overdue ones red — quiet tints, the
text stays dark. The panel never computes a task: the window feeds it `my_tasks(...)`'s result with `show_tasks`.

Signals: `callback_requested(order_id)` (回拨: ring the order's caller from the task), `history_requested(order_id)`
(open the order's 工作流转单). Keys: Enter opens the history, Ctrl+Enter calls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent_desktop.desk.tasks import Task, TaskKind, WarningLevel
from ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QBrush,
    QColor,
    QCoreApplication,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)

# calm tints (the text stays the palette's): amber for near, a soft red for overdue
NEAR_BACKGROUND = QColor("#FFF1CC")
OVERDUE_BACKGROUND = QColor("#F9DEDC")
OVERDUE_TEXT = QColor("#8A1C14")
TASK_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Task value


def _tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("TasksModel", text, None, n)


def kind_text(kind: TaskKind) -> str:
    return {
        TaskKind.REPLY_PROMISED: _tr("承诺答复"),
        TaskKind.CALLBACK_DUE: _tr("回拨"),
        TaskKind.MANUAL_REVISIT: _tr("人工回访"),
        TaskKind.REJECTED: _tr("中心驳回"),
    }[kind]


def left_text(task: Task) -> str:
    """The time left as the agent reads it, in working days."""
    if task.deadline is None or task.working_days_left is None:
        return _tr("无期限")
    left = task.working_days_left
    if task.level is WarningLevel.OVERDUE:
        return _tr("已超期") if left >= 0 else _tr("超期 %n 个工作日", -left)
    if left == 0:
        return _tr("今天到期")
    return _tr("剩 %n 个工作日", left)


class TasksModel(QAbstractTableModel):
    COLUMNS = ("kind", "order", "caller", "summary", "deadline", "left", "detail")

    def __init__(self, parent: Any = None, *, timezone: str = "Asia/Shanghai") -> None:
        super().__init__(parent)
        self._tasks: tuple[Task, ...] = ()
        self._zone = ZoneInfo(timezone)

    @property
    def tasks(self) -> tuple[Task, ...]:
        return self._tasks

    def set_tasks(self, tasks: Sequence[Task]) -> None:
        ordered = tuple(sorted(tasks, key=_by_deadline))
        self.beginResetModel()
        self._tasks = ordered
        self.endResetModel()

    def task(self, row: int) -> Task | None:
        return self._tasks[row] if 0 <= row < len(self._tasks) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._tasks)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return (_tr("类型"), _tr("工单号"), _tr("诉求人"), _tr("事项"), _tr("期限"), _tr("剩余"), _tr("说明"))[section]

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._tasks):
            return None
        task = self._tasks[index.row()]
        column = self.COLUMNS[index.column()] if 0 <= index.column() < len(self.COLUMNS) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(task, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(task)
        if role == Qt.ItemDataRole.BackgroundRole:
            if task.level is WarningLevel.OVERDUE:
                return QBrush(OVERDUE_BACKGROUND)
            if task.level is WarningLevel.NEAR:
                return QBrush(NEAR_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and task.level is WarningLevel.OVERDUE and column == "left":
            return QBrush(OVERDUE_TEXT)
        if role == TASK_ROLE:
            return task
        return None

    def _display(self, task: Task, column: str | None) -> str | None:
        if column == "kind":
            return ("【" + _tr("紧急") + "】" if task.is_emergency else "") + kind_text(task.kind)
        if column == "order":
            return task.order_id
        if column == "caller":
            return task.caller_shown
        if column == "summary":
            return task.summary
        if column == "deadline":
            return self._time(task.deadline)
        if column == "left":
            return left_text(task)
        if column == "detail":
            return task.detail + (f"({task.article})" if task.article else "")
        return None

    def _time(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self._zone).strftime("%m-%d %H:%M")

    def _tooltip(self, task: Task) -> str:
        parts = [f"{kind_text(task.kind)} {task.order_id}"]
        if task.deadline is not None:
            parts.append(_tr("期限") + " " + task.deadline.astimezone(self._zone).strftime("%Y-%m-%d %H:%M"))
        parts.append(left_text(task))
        if task.detail:
            parts.append(task.detail + (f"({task.article})" if task.article else ""))
        return "\n".join(parts)


def _by_deadline(task: Task) -> tuple[Any, ...]:
    return (task.deadline is None, task.deadline.timestamp() if task.deadline else 0.0, -task.level.rank,
            task.order_id, task.kind.value)


class TasksPanel(QWidget):
    callback_requested = Signal(str)
    history_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, timezone: str = "Asia/Shanghai") -> None:
        super().__init__(parent)
        self.setObjectName("tasksPanel")
        self.model = TasksModel(self, timezone=timezone)
        self.view = QTableView(self)
        self.view.setObjectName("tasksView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)  # the warning tints must read at a glance
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TasksModel.COLUMNS.index("summary"), QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel(self)
        self.summary.setObjectName("tasksSummary")
        self.callback_button = QPushButton(self.tr("回拨"), self)
        self.callback_button.setObjectName("tasksCallback")
        self.callback_button.setToolTip(self.tr("回拨所选待办的诉求人(Ctrl+Enter)"))
        self.history_button = QPushButton(self.tr("流转记录"), self)
        self.history_button.setObjectName("tasksHistory")
        self.history_button.setToolTip(self.tr("查看所选工单的工作流转单(Enter)"))

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.callback_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self.view.doubleClicked.connect(lambda _index: self._request_history())
        self.view.activated.connect(lambda _index: self._request_history())
        self.callback_button.clicked.connect(self._request_callback)
        self.history_button.clicked.connect(self._request_history)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self._request_callback)
        self._update_buttons()

    @Slot(object)
    def show_tasks(self, tasks: Sequence[Task]) -> None:
        """Render the tasks; the selected order stays selected when it still has a task."""
        selected = self.selected_task()
        self.model.set_tasks(tasks)
        row = 0
        if selected is not None:
            row = next((i for i, t in enumerate(self.model.tasks)
                        if (t.order_id, t.kind) == (selected.order_id, selected.kind)), 0)
        if self.model.tasks:
            self.view.setCurrentIndex(self.model.index(row, 0))
        self._update_summary()

    def selected_task(self) -> Task | None:
        index = self.view.currentIndex()
        return self.model.task(index.row()) if index.isValid() else None

    def _update_summary(self) -> None:
        tasks = self.model.tasks
        overdue = sum(t.level is WarningLevel.OVERDUE for t in tasks)
        near = sum(t.level is WarningLevel.NEAR for t in tasks)
        text = self.tr("共 %n 项待办", "", len(tasks))
        if near:
            text += "," + self.tr("%n 项即将到期", "", near)
        if overdue:
            text += "," + self.tr("%n 项已超期", "", overdue)
        self.summary.setText(text)

    @Slot()
    def _update_buttons(self) -> None:
        task = self.selected_task()
        self.callback_button.setEnabled(task is not None and task.can_call_back)
        self.history_button.setEnabled(task is not None and bool(task.order_id))

    @Slot()
    def _request_callback(self) -> None:
        task = self.selected_task()
        if task is not None and task.can_call_back:
            self.callback_requested.emit(task.order_id)

    @Slot()
    def _request_history(self) -> None:
        task = self.selected_task()
        if task is not None and task.order_id:
            self.history_requested.emit(task.order_id)
