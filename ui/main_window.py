"""The seat agent's main window: call bar on top; the caller pop and the live transcript on the left, the work-order
form in the middle, the side panels (knowledge base, my tasks, an order's history) on the right; the status bar
below. Every call and form action has a key (`ui/widgets/shortcuts.py`, F1 lists them).

All wiring sits in `_connect`: a `DeskState` from the bridge is rendered by every widget (`render`), the widgets'
intents become desk events handed to `send` (never blocking), the desk's notices (refusals with their rule and
article) are shown inline on the form. Only the active call drives the call bar, the pop, the transcript and the
form. The window holds no business state and does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from agent_desktop.core.work_order import Rating
from agent_desktop.desk import CallAction, DeskState, SeatAction
from agent_desktop.desk import events as ev
from ui.panels import PANELS, build_panel
from ui.qt import QCoreApplication, Qt, QtGui, QTimer, QtWidgets
from ui.refusals import refusal_sentence
from ui.values import DirectoryEntry, ServicesView
from ui.widgets.call_bar import CallBar
from ui.widgets.caller_pop import CallerPopView
from ui.widgets.number_picker import NumberPicker
from ui.widgets.order_form import OrderForm
from ui.widgets.shortcuts import SHORTCUTS, Command, ShortcutSheet
from ui.widgets.status_bar import SeatStatusBar
from ui.widgets.transcript import TranscriptView
from ui.widgets.warnings import WarningsIndicator


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, send: Callable[[object], None], *, seat: str = "", phone: str = "",
                 directory: Sequence[DirectoryEntry] = (), after_call_work_s: float = 30.0,
                 desk: object | None = None, title_note: str = "",
                 clock: Callable[[], datetime] = _utc_now) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self._send = send
        self._clock = clock
        self._state: DeskState | None = None
        self._services = ServicesView()
        title = self.tr("热线坐席桌面 — 坐席 %1").replace("%1", seat or "—")
        if title_note:
            title += f" · {title_note}"
        self.setWindowTitle(title)
        self.call_bar = CallBar(self)
        self.pop = CallerPopView(self)
        self.transcript = TranscriptView(self)
        self.form = OrderForm(self, units=[e.name for e in directory])
        self.status = SeatStatusBar(seat or "—", phone or "—", self)
        self.status.set_after_call_work_seconds(after_call_work_s)
        self.setStatusBar(self.status)
        self.warnings = WarningsIndicator(self.status)  # the centre's 第33条 warnings: count, list on click
        self.status.addWidget(self.warnings)
        self.picker = NumberPicker(directory, self)
        self._names = {e.number: e.name for e in directory if e.number}
        self.help_sheet: ShortcutSheet | None = None
        self.side = QtWidgets.QTabWidget(self)
        self.side.setObjectName("sidePanels")
        self.panels: dict[str, QtWidgets.QWidget] = {}
        self.real_panels: set[str] = set()
        self._layout()
        self.actions_by_command = self._build_actions()
        self._connect()
        self._build_panels(desk)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        self.render(None)

    # --- building --------------------------------------------------------------------------------------------

    def _layout(self) -> None:
        transcript_box = QtWidgets.QFrame(self)
        transcript_box.setObjectName("transcriptBox")
        title = QtWidgets.QLabel(self.tr("实时转写"), transcript_box)
        title.setObjectName("panelTitle")
        box = QtWidgets.QVBoxLayout(transcript_box)
        box.setContentsMargins(10, 8, 10, 8)
        box.addWidget(title)
        box.addWidget(self.transcript, 1)
        left = QtWidgets.QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.pop)
        left.addWidget(transcript_box)
        left.setStretchFactor(0, 2)
        left.setStretchFactor(1, 3)
        form_scroll = QtWidgets.QScrollArea(self)
        form_scroll.setObjectName("formScroll")
        form_scroll.setWidgetResizable(True)
        form_scroll.setWidget(self.form)
        form_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        main = QtWidgets.QSplitter(Qt.Orientation.Horizontal, self)
        main.addWidget(left)
        main.addWidget(form_scroll)
        main.addWidget(self.side)
        main.setStretchFactor(0, 2)
        main.setStretchFactor(1, 4)
        main.setStretchFactor(2, 3)
        main.setChildrenCollapsible(False)
        self.splitter = main
        central = QtWidgets.QWidget(self)
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(8)
        layout.addWidget(self.call_bar)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)
        self.resize(1366, 768)

    def _build_actions(self) -> dict[Command, QtGui.QAction]:
        handlers: dict[Command, Callable[[], None]] = {
            Command.HELP: self.show_shortcuts,
            Command.HOLD_OR_RESUME: self.call_bar.request_hold_or_resume,
            Command.TRANSFER: self.call_bar.request_transfer,
            Command.THREE_WAY: self.call_bar.request_three_way,
            Command.LEAVE_CONFERENCE: self.call_bar.request_leave,
            Command.HANG_UP: self.call_bar.request_hang_up,
            Command.CALLBACK: self.call_bar.request_callback,
            Command.LOG_IN_OUT: self.status.request_log_in_out,
            Command.PAUSE: self.status.request_pause,
            Command.READY: lambda: self._seat_action(SeatAction.READY, ""),
            Command.ACCEPT_SUGGESTION: self.form.accept_focused,
            Command.ACCEPT_ALL: self.form.request_accept_all,
            Command.SAVE: self.form.request_save,
            Command.DISPATCH: self.form.request_dispatch,
            Command.NOT_ACCEPT: self.form.request_not_accept,
            Command.REPLY_DIRECTLY: self.form.request_reply,
            Command.PROMISE_REPLY: self.form.request_promise,
            Command.URGENT: self.form.toggle_urgent,
            Command.ANONYMOUS: self.pop.request_anonymity,
            Command.DISCARD: self.form.request_discard,
            Command.FOCUS_FORM: lambda: self.form.first_field().setFocus(Qt.FocusReason.ShortcutFocusReason),
            Command.FOCUS_KNOWLEDGE: lambda: self._focus_panel("knowledge"),
            Command.FOCUS_TASKS: lambda: self._focus_panel("tasks"),
            Command.RECORD_REVISIT: lambda: self._on_tasks("request_record_revisit"),
            Command.PLAY_RECORDING: lambda: self._on_tasks("request_recording"),
        }
        actions = {}
        for shortcut in SHORTCUTS:
            action = QtGui.QAction(QCoreApplication.translate("Shortcuts", shortcut.text), self)
            action.setShortcut(QtGui.QKeySequence(shortcut.key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(handlers[shortcut.command])
            self.addAction(action)
            actions[shortcut.command] = action
        return actions

    def _connect(self) -> None:
        """All the wiring of the window, in one place."""
        self.call_bar.call_action_requested.connect(self._call_action)
        self.call_bar.number_wanted.connect(self.picker.ask)
        self.picker.chosen.connect(self._call_action)
        self.call_bar.callback_requested.connect(
            lambda order_id: self._seat_action(SeatAction.CALLBACK, "", order_id))
        self.status.seat_action_requested.connect(self._seat_action)
        self.pop.anonymity_requested.connect(lambda call_id: self.send(ev.MarkAnonymous(call_id)))
        self.form.intent.connect(self.send)
        self.form.evidence_wanted.connect(self.transcript.highlight)

    def _build_panels(self, desk: object | None) -> None:
        """The side panels on the desk (placeholders without one); built again when the desk arrives."""
        current = self.side.currentIndex()
        self.side.clear()
        for widget in self.panels.values():
            widget.deleteLater()
        self.panels.clear()
        self.real_panels.clear()
        for spec in PANELS:
            widget, real = build_panel(spec, desk, self.side)
            self.panels[spec.key] = widget
            if real:
                self.real_panels.add(spec.key)
            self.side.addTab(widget, QCoreApplication.translate("Panels", spec.title))
        self.side.setCurrentIndex(max(0, current))
        # the panels' signals (ui/widgets/knowledge.py, tasks.py, history.py), when they are installed
        knowledge = self.panels.get("knowledge")
        insert = getattr(knowledge, "insert_requested", None)
        if insert is not None:  # (entry id, the answer's text)
            insert.connect(lambda entry_id, text: self.form.insert_knowledge(text, entry_id or None))
        tasks = self.panels.get("tasks")
        callback = getattr(tasks, "callback_requested", None)
        if callback is not None:
            callback.connect(lambda order_id: self._seat_action(SeatAction.CALLBACK, "", order_id))
        revisit = getattr(tasks, "revisit_recorded", None)
        if revisit is not None:
            revisit.connect(lambda order_id, rating, note: self.send(ev.RecordRevisit(order_id, Rating(rating), note)))
        playback = getattr(tasks, "recording_requested", None)
        if playback is not None:
            playback.connect(lambda order_id: self._seat_action(SeatAction.PLAY_RECORDING, "", order_id))
        history = self.panels.get("history")
        wanted = getattr(tasks, "history_requested", None)
        if wanted is not None and hasattr(history, "show_order_id"):
            wanted.connect(lambda order_id: (history.show_order_id(order_id), self.side.setCurrentWidget(history)))

    def attach(self, bridge) -> None:  # type: ignore[no-untyped-def]
        """Bind to a `DeskBridge` (once the services are up): its states, notices and health in, intents out; the
        side panels are built on its desk."""
        self._send = bridge.send
        bridge.state_changed.connect(self.render)
        bridge.notice_arrived.connect(self.show_notice)
        bridge.services_changed.connect(self.show_services)
        self._build_panels(bridge.desk)
        if hasattr(bridge, "warnings_changed"):
            bridge.warnings_changed.connect(self.warnings.show_warnings)
            self.warnings.seen_requested.connect(bridge.mark_warning_seen)
            self.warnings.show_warnings(bridge.warnings)
            # the warnings not read yet are rows of my tasks too; opening one there marks it read
            tasks = self.panels.get("tasks")
            if hasattr(tasks, "show_warnings") and hasattr(tasks, "warning_opened"):
                bridge.warnings_changed.connect(tasks.show_warnings)
                tasks.warning_opened.connect(bridge.mark_warning_seen)
                tasks.show_warnings(bridge.warnings)
        self.show_services(bridge.services)
        self.render(bridge.state)

    # --- intents ---------------------------------------------------------------------------------------------

    def send(self, event: object) -> None:
        self._send(event)

    def _call_action(self, call_id: str, action: CallAction, number: str = "") -> None:
        # the unit's name goes with its number: the desk shows it when the unit joins (its leg shows the hotline's ID)
        self.send(ev.RequestCallAction(call_id, action, number, self._names.get(number, "")))

    def _seat_action(self, action: SeatAction, reason: str = "", order_id: str | None = None) -> None:
        self.send(ev.RequestSeatAction(action, reason, order_id))

    def show_shortcuts(self) -> None:
        if self.help_sheet is None:
            self.help_sheet = ShortcutSheet(self)
        self.help_sheet.show()
        self.help_sheet.raise_()

    def _on_tasks(self, method: str) -> None:
        """A my-tasks key: the panel is shown, then asked (it acts on its selected task)."""
        widget = self.panels.get("tasks")
        act = getattr(widget, method, None)
        if widget is None or not callable(act):
            return
        self.side.setCurrentWidget(widget)
        act()

    def _focus_panel(self, key: str) -> None:
        widget = self.panels.get(key)
        if widget is None:
            return
        self.side.setCurrentWidget(widget)
        focus = getattr(widget, "focus_search", None)
        if callable(focus):
            focus()
        else:
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- rendering -------------------------------------------------------------------------------------------

    @property
    def state(self) -> DeskState | None:
        return self._state

    def render(self, state: DeskState | None) -> None:
        self._state = state
        now = self._clock()
        call = state.active_call if state is not None else None
        self.call_bar.show_desk(state, now)
        self.pop.show_call(call)
        self.transcript.show_transcript(call.transcript if call is not None else None)
        self.form.show_desk(state)
        if state is not None:
            self.status.show_desk(state, now)
        playback = getattr(self.panels.get("tasks"), "set_playback_allowed", None)
        if callable(playback):
            allowed = state is not None and SeatAction.PLAY_RECORDING in state.seat_actions()
            playback(allowed)
            self.actions_by_command[Command.PLAY_RECORDING].setEnabled(allowed)
        self.status.show_services(self._services)

    def show_services(self, view: ServicesView) -> None:
        self._services = view
        self.status.show_services(view)

    def show_notice(self, notice: object) -> None:
        """A refusal or a result the agent must see (the desk's `Notice`): on the form, with its rule and article."""
        text = getattr(notice, "text", "") or str(notice)
        article = getattr(notice, "article", None)
        # worded from its code and details in the window's language; the core's English text only for an unknown code
        shown = refusal_sentence(getattr(notice, "code", ""), getattr(notice, "details", None), text)
        self.form.show_refusal(shown, article)
        self.status.showMessage(shown + (self.form.basis_of(article) if article else ""), 8000)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The first time: pop and transcript a quarter, the form under half, the side panels the rest. On a
        narrow screen (1366 px) the form gives the side panels room for my tasks' deadline, time left and order
        number beside the matter."""
        super().showEvent(event)
        if not getattr(self, "_sized", False):
            self._sized = True
            width = max(self.splitter.width(), 900)
            shares = (23, 40, 37) if width < 1600 else (24, 45, 31)
            self.splitter.setSizes([width * share // 100 for share in shares])

    def _tick(self) -> None:
        now = self._clock()
        self.call_bar.tick(now)
        self.status.show_countdown(now)


def window_for(bridge, **options: object) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window bound to a `DeskBridge`: states, notices and health in, intents out."""
    window = MainWindow(bridge.send, **options)  # type: ignore[arg-type]
    window.attach(bridge)
    return window
