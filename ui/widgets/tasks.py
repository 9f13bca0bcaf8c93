"""My tasks (我的待办): a table model of the seat's tasks (`agent_desktop.desk.tasks.Task`) and the panel around it.

`TasksModel` is a read-only `QAbstractTableModel` over an immutable tuple of tasks, kept sorted by deadline
(soonest first, tasks without one last). Rows near their deadline are amber, overdue ones red — quiet tints, the
text stays dark.

Given the seat desk (`TasksPanel(desk, parent)`, as the window builds its side panels), the panel reads
`desk.seat_orders()` (a future, resolved on the store's reader thread) and computes `my_tasks` there too — with the
centre's rejections of `desk.state.orders` — then hands the tuple to the Qt thread by a queued signal: nothing of
it runs on the Qt thread. It reads again when the desk's orders change (`desk.subscribe`) or the store takes the
centre's changes to any order (`desk.on_orders_changed`: an order of another day coming back as a manual revisit),
at most every `MIN_REFRESH_S`, and every `refresh_s` (the warning levels move with the clock). Without a desk,
`show_tasks` renders what it is given.

The centre's early warnings (第33条) not read yet are rows too (`show_warnings`, from the bridge's list of the
desk's store; `warning_tasks`): the warning's kind, its order(s), the deadline it is about in working days with the
same tints, the centre's line. Opening one shows its order's history and marks it read (`warning_opened`): it
leaves the list at once; the status bar's list of warnings keeps it, no longer in bold.

A manual revisit (人工回访) has its result box under the list: after calling the caller back, the agent picks the
rating the caller gives now (满意 / 基本满意 / 不满意, the automated one preselected) and writes what the caller
said; 记录回访结果 (Ctrl+H: the first press goes to the box, a press inside it records) sends it to the desk, which
takes the lifecycle's manual-revisit step (第26条) — saved on the seat's store and synced to the centre — and the
task leaves the list when the store has it. 播放回访录音 (Ctrl+L) rings the seat's own phone and plays it the
automated call's recording; it is enabled only while the seat may place a call of its own (AMI up, not on a call:
`set_playback_allowed`).

Signals: `callback_requested(order_id)` (回拨: ring the order's caller from the task), `history_requested(order_id)`
(open the order's 工作流转单), `warning_opened(warning_id)` (a warning read), `revisit_recorded(order_id, rating,
note)`, `recording_requested(order_id)`. Keys: Enter opens the history, Ctrl+Enter calls back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from agent_desktop.core.lifecycle import RuleContext
from agent_desktop.core.work_order import OrderState, Rating
from agent_desktop.desk.tasks import (
    CentreRejection,
    Task,
    TaskKind,
    TaskSettings,
    WarningLevel,
    my_tasks,
    warning_tasks,
)
from ui.domain_text import article_text, bracketed, domain, listed, marked
from ui.qt import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QtCore, QtGui, QTimer, QtWidgets, Signal, Slot
from ui.refusals import refusal_sentence
from ui.widgets.column_fit import ColumnFit
from ui.widgets.table_model import RowsModel

log = logging.getLogger(__name__)

MIN_REFRESH_S = 2.0
DEFAULT_REFRESH_S = 60.0


class TasksSource(Protocol):
    """What the panel reads of the seat desk."""

    @property
    def state(self) -> Any: ...
    def seat_orders(self) -> Future[list[Any]]: ...
    def subscribe(self, listener: Callable[[Any], None]) -> Any: ...


# calm tints (the text stays the palette's): amber for near, a soft red for overdue
NEAR_BACKGROUND = QtGui.QColor("#FFF1CC")
OVERDUE_BACKGROUND = QtGui.QColor("#F9DEDC")
OVERDUE_TEXT = QtGui.QColor("#8A1C14")
TASK_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Task value


def _tr(text: str) -> str:
    return QCoreApplication.translate("TasksModel", text)


# the source texts, as pyside6-lupdate must see them (literals); translated where they are shown
KIND_TEXTS = {
    TaskKind.REPLY_PROMISED: QT_TRANSLATE_NOOP("TasksModel", "承诺答复"),
    TaskKind.CALLBACK_DUE: QT_TRANSLATE_NOOP("TasksModel", "回拨"),
    TaskKind.MANUAL_REVISIT: QT_TRANSLATE_NOOP("TasksModel", "人工回访"),
    TaskKind.REJECTED: QT_TRANSLATE_NOOP("TasksModel", "中心驳回"),
    TaskKind.CENTRE_WARNING: QT_TRANSLATE_NOOP("TasksModel", "中心预警"),
}
HEADERS = (QT_TRANSLATE_NOOP("TasksModel", "类型"), QT_TRANSLATE_NOOP("TasksModel", "工单号"),
           QT_TRANSLATE_NOOP("TasksModel", "诉求人"), QT_TRANSLATE_NOOP("TasksModel", "事项"),
           QT_TRANSLATE_NOOP("TasksModel", "期限"), QT_TRANSLATE_NOOP("TasksModel", "剩余"),
           QT_TRANSLATE_NOOP("TasksModel", "说明"))
NO_DEADLINE = QT_TRANSLATE_NOOP("TasksModel", "无期限")
OVERDUE = QT_TRANSLATE_NOOP("TasksModel", "已超期")
DUE_TODAY = QT_TRANSLATE_NOOP("TasksModel", "今天到期")
URGENT = QT_TRANSLATE_NOOP("TasksModel", "紧急")
CALLER = QT_TRANSLATE_NOOP("TasksModel", "诉求人")
DEADLINE = QT_TRANSLATE_NOOP("TasksModel", "期限")
RATED = QT_TRANSLATE_NOOP("TasksModel", "回访评价:%1")
WARNING = QT_TRANSLATE_NOOP("TasksModel", "预警")
RECORDING = QT_TRANSLATE_NOOP("TasksModel", "回访录音")
ORDERS = QT_TRANSLATE_NOOP("TasksModel", "工单")


def kind_text(kind: TaskKind) -> str:
    return _tr(KIND_TEXTS[kind])


def task_kind_text(task: Task) -> str:
    """The kind column: a centre warning says which (预警·超时未签收), the others their kind."""
    if task.kind is TaskKind.CENTRE_WARNING and task.warning_kind is not None:
        return f"{_tr(WARNING)}·{domain(task.warning_kind.zh)}"
    return kind_text(task.kind)


def summary_text(task: Task) -> str:
    """The category (in the window's language) and the matter (the caller's words: data)."""
    if task.category is None:
        return task.matter or task.summary
    category = domain(task.category.zh)
    return f"{category}·{task.matter}" if task.matter else category


def detail_text(task: Task) -> str:
    """Why the task is there: the centre's rejection (its text is the centre's) with its article, or the revisit's
    cause, worded in the window's language."""
    if task.kind is TaskKind.CENTRE_WARNING:  # the line itself is the matter; here how grave the centre thinks it
        return domain(task.severity.zh) if task.severity is not None else ""
    if task.visit_failed:
        text = domain("自动回访未接通")
    elif task.rating is not None:
        text = _tr(RATED).replace("%1", domain(task.rating.zh))
    elif task.code:
        text = refusal_sentence(task.code, None, task.detail)
    else:
        text = task.detail
    return text + (bracketed(article_text(task.article)) if task.article else "")


class TasksModel(RowsModel):
    COLUMNS = ("kind", "order", "caller", "summary", "deadline", "left", "detail")

    def __init__(self, parent: Any = None, *, timezone: str = "Asia/Shanghai") -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)

    @property
    def tasks(self) -> tuple[Task, ...]:
        return self._rows

    def set_tasks(self, tasks: Sequence[Task]) -> None:
        self._replace_rows(tuple(sorted(tasks, key=_by_deadline)))

    def task(self, row: int) -> Task | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def headers(self) -> tuple[str, ...]:
        return tuple(_tr(text) for text in HEADERS)

    def data(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        task = self._rows[index.row()]
        column = self.COLUMNS[index.column()] if 0 <= index.column() < len(self.COLUMNS) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(task, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(task)
        if role == Qt.ItemDataRole.BackgroundRole:
            if task.level is WarningLevel.OVERDUE:
                return QtGui.QBrush(OVERDUE_BACKGROUND)
            if task.level is WarningLevel.NEAR:
                return QtGui.QBrush(NEAR_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and task.level is WarningLevel.OVERDUE and column == "left":
            return QtGui.QBrush(OVERDUE_TEXT)
        if role == TASK_ROLE:
            return task
        return None

    # counts go through `self.tr(text, "", n)`: the one form pyside6-lupdate keeps as plural (numerus) entries; a
    # QCoreApplication.translate(context, text, None, n) call loses its plural forms on the next lupdate
    def orders_text(self, task: Task) -> str:
        """The order number; a warning about several orders names the first and how many more."""
        count = len(task.order_ids)
        if count <= 1:
            return task.order_id
        return task.order_id + self.tr(" 等 %n 单", "", count)

    def left_text(self, task: Task) -> str:
        """The time left as the agent reads it, in working days."""
        if task.deadline is None or task.working_days_left is None:
            return _tr(NO_DEADLINE)
        left = task.working_days_left
        if task.level is WarningLevel.OVERDUE:
            if left >= 0:
                return _tr(OVERDUE)
            return self.tr("超期 %n 个工作日", "", -left)
        if left == 0:
            return _tr(DUE_TODAY)
        return self.tr("剩 %n 个工作日", "", left)

    def _display(self, task: Task, column: str | None) -> str | None:
        if column == "kind":
            return (marked(_tr(URGENT)) if task.is_emergency else "") + task_kind_text(task)
        if column == "order":
            return self.orders_text(task)
        if column == "caller":
            return task.caller_shown
        if column == "summary":
            return summary_text(task)
        if column == "deadline":
            return self._time(task.deadline)
        if column == "left":
            return self.left_text(task)
        if column == "detail":
            return detail_text(task)
        return None

    def _time(self, moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(self._zone).strftime("%m-%d %H:%M")

    def _tooltip(self, task: Task) -> str:
        parts = [f"{task_kind_text(task)} {task.order_id}"]
        if len(task.order_ids) > 1:
            parts[0] = task_kind_text(task)
            parts.append(_tr(ORDERS) + " " + listed(task.order_ids))
        if task.caller_shown:
            parts.append(_tr(CALLER) + " " + task.caller_shown)
        if task.summary:
            parts.append(summary_text(task))
        if task.deadline is not None:
            parts.append(_tr(DEADLINE) + " " + task.deadline.astimezone(self._zone).strftime("%Y-%m-%d %H:%M"))
        parts.append(self.left_text(task))
        detail = detail_text(task)
        if detail:
            parts.append(detail)
        if task.recording:
            parts.append(_tr(RECORDING) + " " + task.recording)
        return "\n".join(parts)


def _by_deadline(task: Task) -> tuple[Any, ...]:
    return (task.deadline is None, task.deadline.timestamp() if task.deadline else 0.0, -task.level.rank,
            task.order_id, task.kind.value)


def is_open_revisit(task: Task | None) -> bool:
    """A manual revisit whose order waits for it (待人工回访): the result can be recorded now."""
    return (task is not None and task.kind is TaskKind.MANUAL_REVISIT
            and task.order_state is OrderState.MANUAL_REVISIT)


def is_callback_key(event: QtCore.QEvent) -> bool:
    """Ctrl+Return or Ctrl+Enter (the keypad's), nothing else held: the task list's callback."""
    if event.type() not in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress):
        return False
    key_event: QtGui.QKeyEvent = event  # type: ignore[assignment]
    held = key_event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and held == Qt.KeyboardModifier.ControlModifier


class TasksPanel(QtWidgets.QWidget):
    callback_requested = Signal(str)
    history_requested = Signal(str)
    revisit_recorded = Signal(str, str, str)  # order id, the Rating's value, the agent's note
    recording_requested = Signal(str)  # order id: play its automated visit's recording to the seat's phone
    warning_opened = Signal(str)  # a centre warning's id: the agent read it
    _computed = Signal(object)  # a tuple of tasks, from the reader thread, delivered queued
    _orders_changed = Signal()  # from the desk's loop thread, delivered queued

    def __init__(self, desk: TasksSource | None = None, parent: QtWidgets.QWidget | None = None, *,
                 timezone: str = "Asia/Shanghai", ctx: RuleContext | None = None,
                 settings: TaskSettings | None = None, refresh_s: float = DEFAULT_REFRESH_S,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tasksPanel")
        self._desk = desk
        self._ctx = ctx or RuleContext.default()
        self._settings = settings or TaskSettings()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._reading = False
        self._again = False
        self._seen_orders: object = None
        self._warnings: tuple[Any, ...] = ()  # the centre's warnings not read yet (the bridge's values)
        self.refreshes = 0  # readings delivered (for tests and the bench)
        self.model = TasksModel(self, timezone=timezone)
        self.view = QtWidgets.QTableView(self)
        self.view.setObjectName("tasksView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)  # the warning tints must read at a glance
        self.view.verticalHeader().setVisible(False)
        self.setFocusProxy(self.view)  # Ctrl+J (to my tasks) lands on the list: the arrows move at once
        self.fit = self._fit_columns()
        self.summary = QtWidgets.QLabel(self)
        self.summary.setObjectName("tasksSummary")
        self.callback_button = QtWidgets.QPushButton(self.tr("回拨"), self)
        self.callback_button.setObjectName("tasksCallback")
        self.callback_button.setToolTip(self.tr("回拨所选待办的诉求人(Ctrl+Enter)"))
        self.history_button = QtWidgets.QPushButton(self.tr("流转记录"), self)
        self.history_button.setObjectName("tasksHistory")
        self.history_button.setToolTip(self.tr("查看所选工单的工作流转单(Enter)"))

        self._playback_allowed = False
        self.revisit_box = self._revisit_box()

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.callback_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.revisit_box)

        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        # Enter and a double click both activate (a double click also emits doubleClicked: not connected, or a
        # warning opened would leave the list and the second signal open the next row too)
        self.view.activated.connect(lambda _index: self._request_history())
        self.callback_button.clicked.connect(self._request_callback)
        self.history_button.clicked.connect(self._request_history)
        # Ctrl+Enter calls back; the window binds Ctrl+Return to "accept the suggestion" for the whole window, and
        # a widget shortcut on the same key would make it ambiguous (Qt fires neither): the list claims the key
        # (ShortcutOverride) and handles the press itself
        self.view.installEventFilter(self)
        self._update_buttons()
        self._start_reading(desk, refresh_s)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.view and is_callback_key(event):
            if event.type() == QtCore.QEvent.Type.ShortcutOverride:
                event.accept()  # the key press comes to the list, no window shortcut fires
                return True
            if event.type() == QtCore.QEvent.Type.KeyPress:
                self._request_callback()
                return True
        return super().eventFilter(watched, event)

    def _revisit_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(self.tr("人工回访结果"), self)
        box.setObjectName("revisitBox")
        self.rating = QtWidgets.QComboBox(box)
        self.rating.setObjectName("revisitRating")
        for rating in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED):
            self.rating.addItem(domain(rating.zh), rating.value)
        self.note = QtWidgets.QLineEdit(box)
        self.note.setObjectName("revisitNote")
        self.note.setPlaceholderText(self.tr("诉求人所述(评价有变时写明原因)"))
        self.record_button = QtWidgets.QPushButton(self.tr("记录回访结果"), box)
        self.record_button.setObjectName("revisitRecord")
        self.record_button.setToolTip(self.tr("记录所选人工回访的评价与情况(Ctrl+H)"))
        self.play_button = QtWidgets.QPushButton(self.tr("播放回访录音"), box)
        self.play_button.setObjectName("revisitPlay")
        self.play_button.setToolTip(self.tr("本机振铃后播放自动回访的录音(Ctrl+L)"))
        # two rows: at 1366×768 the side panel is ~490 px, and one row left the note ~170 px, its hint cut off
        grid = QtWidgets.QGridLayout(box)
        grid.setContentsMargins(8, 4, 8, 6)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        grid.addWidget(self.rating, 0, 0)
        grid.addWidget(self.note, 0, 1, 1, 3)
        grid.addWidget(self.record_button, 1, 2)
        grid.addWidget(self.play_button, 1, 3)
        grid.setColumnStretch(1, 1)
        self.record_button.clicked.connect(self._record_revisit)
        self.note.returnPressed.connect(self._record_revisit)
        self.play_button.clicked.connect(self.request_recording)
        return box

    def _fit_columns(self) -> ColumnFit:
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        # the deadline and what is left are what the agent scans for: beside the kind, never cut off on a narrow panel
        for visual, name in enumerate(("kind", "deadline", "left")):
            header.moveSection(header.visualIndex(TasksModel.COLUMNS.index(name)), visual)
        # no sideways scrolling at 1366×768: the summary and the centre's note share what the short columns leave,
        # elided; on a narrow panel the caller, then the note, give way (the row's tooltip has them all)
        column = TasksModel.COLUMNS.index
        return ColumnFit(self.view, elastic={column("summary"): 3, column("detail"): 2},
                         droppable=(column("caller"), column("detail")),
                         essential=(column("deadline"), column("left"), column("order")))

    def _start_reading(self, desk: TasksSource | None, refresh_s: float) -> None:
        self._change_queued = False  # one queued call at a time carries any number of the desk's changes
        self._computed.connect(self._on_computed, Qt.ConnectionType.QueuedConnection)
        self._orders_changed.connect(self._on_orders_changed, Qt.ConnectionType.QueuedConnection)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(int(MIN_REFRESH_S * 1000))
        self._throttle.timeout.connect(self.refresh)
        self._ticker = QTimer(self)
        self._ticker.setInterval(int(refresh_s * 1000))
        self._ticker.timeout.connect(self.refresh)
        if desk is not None:
            subscriptions = [desk.subscribe(self._desk_changed)]
            # an order of another day coming back from the centre (a manual revisit, a rejection) is read at once,
            # not at the next tick: the desk's own notes hold only the orders saved today
            watch = getattr(desk, "on_orders_changed", None)
            if callable(watch):
                subscriptions.append(watch(self._store_changed))
            for subscription in subscriptions:
                cancel = getattr(subscription, "cancel", None)
                if callable(cancel):
                    self.destroyed.connect(lambda *_, cancel=cancel: cancel())
            self._ticker.start()
            self.refresh()

    # --- reading the desk (never on the Qt thread) ----------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Read the seat's orders and compute the tasks off the Qt thread; one reading at a time."""
        if self._desk is None:
            return
        if self._reading:
            self._again = True
            return
        self._reading = True
        notes = tuple(getattr(self._desk.state, "orders", ()))
        warnings = self._warnings
        try:
            future = self._desk.seat_orders()
        except Exception as exc:
            log.warning("my tasks: the seat's orders cannot be read: %s", exc)
            self._reading = False
            self.summary.setText(self.tr("待办读取失败"))
            return
        future.add_done_callback(lambda done: self._compute(done, notes, warnings))

    def _compute(self, future: Future[list[Any]], notes: tuple[Any, ...], warnings: tuple[Any, ...]) -> None:
        # on the thread that resolved the future: the store's reader
        try:
            rejections = [r for r in (CentreRejection.from_note(n) for n in notes) if r is not None]
            now = self._clock()
            tasks: object = my_tasks(future.result(), now=now, ctx=self._ctx, settings=self._settings,
                                     rejections=rejections) + warning_tasks(warnings, now=now, ctx=self._ctx,
                                                                            settings=self._settings)
        except Exception as exc:
            log.warning("my tasks: %s", exc)
            tasks = exc
        with contextlib.suppress(RuntimeError):  # the panel was deleted meanwhile
            self._computed.emit(tasks)

    @Slot(object)
    def _on_computed(self, tasks: object) -> None:
        self._reading = False
        if isinstance(tasks, Exception):
            self.summary.setText(self.tr("待办读取失败"))
        else:
            self.refreshes += 1
            self.show_tasks(tasks)  # type: ignore[arg-type]
        if self._again:
            self._again = False
            self._throttle.start()

    def _desk_changed(self, state: Any) -> None:
        # the desk's loop thread: only the orders' notes matter here (saved, acked, rejected, changed elsewhere)
        orders = getattr(state, "orders", None)
        if orders is self._seen_orders:
            return
        self._seen_orders = orders
        if self._change_queued:
            return  # the queued call has not run yet: the reading it starts will see this change too
        self._change_queued = True
        with contextlib.suppress(RuntimeError):
            self._orders_changed.emit()

    def _store_changed(self, order_ids: list[str]) -> None:
        # the desk's loop thread
        with contextlib.suppress(RuntimeError):
            self._orders_changed.emit()

    @Slot()
    def _on_orders_changed(self) -> None:
        self._change_queued = False  # before the reading starts, so a change from now on queues a call again
        if not self._throttle.isActive():
            self._throttle.start()

    @Slot(object)
    def show_warnings(self, warnings: Sequence[Any]) -> None:
        """The centre's warnings the desk keeps (the bridge's list): those not read yet become rows. With the desk,
        read again off the Qt thread; without one, rendered at once beside the tasks given."""
        self._warnings = tuple(w for w in warnings if not w.seen)
        if self._desk is not None:
            self.refresh()
            return
        rows = warning_tasks(self._warnings, now=self._clock(), ctx=self._ctx, settings=self._settings)
        self.show_tasks((*(t for t in self.model.tasks if t.kind is not TaskKind.CENTRE_WARNING), *rows))

    @Slot(object)
    def show_tasks(self, tasks: Sequence[Task]) -> None:
        """Render the tasks; the selected order stays selected when it still has a task."""
        selected = self.selected_task()
        self.model.set_tasks(tasks)
        row = 0
        if selected is not None:
            row = next((i for i, t in enumerate(self.model.tasks)
                        if (t.order_id, t.kind, t.warning_id)
                        == (selected.order_id, selected.kind, selected.warning_id)), 0)
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
        revisit = is_open_revisit(task)
        for widget in (self.rating, self.note, self.record_button):
            widget.setEnabled(revisit)
        self.play_button.setEnabled(self._playback_allowed and task is not None and bool(task.recording))
        if task is not None and task.order_id != getattr(self, "_revisit_order", None):
            self._revisit_order = task.order_id
            self.note.clear()
            if task.rating is not None:  # the automated rating, to confirm or change
                self.rating.setCurrentIndex(max(0, self.rating.findData(task.rating.value)))

    def set_playback_allowed(self, allowed: bool) -> None:
        """Whether the seat may place a call of its own now (AMI up, not on a call): the playback's button follows."""
        if allowed != self._playback_allowed:
            self._playback_allowed = allowed
            self._update_buttons()

    @Slot()
    def request_record_revisit(self) -> None:
        """Ctrl+H: from elsewhere, go to the result box; inside it, record the result."""
        if not is_open_revisit(self.selected_task()):
            return
        if not self.revisit_box.isAncestorOf(QtWidgets.QApplication.focusWidget()):
            self.rating.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self._record_revisit()

    @Slot()
    def _record_revisit(self) -> None:
        task = self.selected_task()
        if not is_open_revisit(task):
            return
        assert task is not None
        self.revisit_recorded.emit(task.order_id, str(self.rating.currentData()), self.note.text())

    @Slot()
    def request_recording(self) -> None:
        task = self.selected_task()
        if task is not None and task.recording and self._playback_allowed:
            self.recording_requested.emit(task.order_id)

    @Slot()
    def _request_callback(self) -> None:
        task = self.selected_task()
        if task is not None and task.can_call_back:
            self.callback_requested.emit(task.order_id)

    @Slot()
    def _request_history(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        if task.order_id:
            self.history_requested.emit(task.order_id)
        if task.warning_id:
            # read: it leaves the list now (the store keeps it seen; the next reading agrees)
            self._warnings = tuple(w for w in self._warnings if w.warning_id != task.warning_id)
            self.show_tasks(tuple(t for t in self.model.tasks if t.warning_id != task.warning_id))
            self.warning_opened.emit(task.warning_id)
