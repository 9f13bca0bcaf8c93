"""The work-order form of the active call: every field of the draft, the pre-fill's suggestions, and the lifecycle
actions allowed now.

- A field the agent has not touched shows the pre-fill's suggestion marked as such (placeholder text and a
  "建议" button); Ctrl+Return accepts the focused field's suggestion, Ctrl+Shift+Return all of them (never over the
  agent's own value), typing replaces it. A suggestion that disagrees with the agent's value is offered beside it.
- Hovering or focusing a field asks the transcript to highlight the words its suggestion came from
  (`evidence_wanted`).
- The agent's typing is never overwritten: a box that has the focus keeps its text while the desk echoes it.
- Actions: 保存, 派单 (lead unit + co-units), 不予受理 (only with one of the eight reasons of 第13条, whose text is
  shown to read to the caller), 直接答复 (the answer, from the knowledge base: `insert_knowledge`), 承诺回复 (within
  1 working day), 紧急, 放弃. Each is enabled when the order's lifecycle allows it (`DeskState.order_actions`).
- A step the desk or the center refused is shown inline with its rule and article (`show_refusal`).

Emits the agent's desk events (`intent`); holds no business state.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from agent_desktop.core.work_order import NOT_ACCEPTED_BASIS, Category, NotAcceptedReason, Urgency
from agent_desktop.desk import Call, DeskState, DraftField, FieldEntry, OrderAction
from agent_desktop.desk import events as ev
from ui.domain_text import article_text, labelled, reason_label
from ui.qt import QCoreApplication, QEvent, QObject, Qt, QtWidgets, Signal
from ui.refusals import refusal_sentence
from ui.widgets.shortcuts import Command, key_of

FORM_FIELDS = (
    DraftField.CALLER_NAME, DraftField.FORM_OF_ADDRESS, DraftField.CALLER_PHONE, DraftField.CATEGORY,
    DraftField.DISTRICT, DraftField.STREET, DraftField.ADDRESS, DraftField.DESCRIPTION, DraftField.LEAD_UNIT,
)


def _t(text: str) -> str:
    return QCoreApplication.translate("Domain", text)


def _repolish(widget: QtWidgets.QWidget, name: str, value: object) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class FieldRow(QObject):
    """One field: its editor and its suggestion button."""

    edited = Signal(object, str)  # DraftField, text
    accept_requested = Signal(object)
    evidence_wanted = Signal(str)

    def __init__(self, field: DraftField, parent: QtWidgets.QWidget, completions: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.field = field
        self.label = QtWidgets.QLabel(_t(field.zh), parent)
        if field is DraftField.DESCRIPTION:
            self.editor: QtWidgets.QWidget = QtWidgets.QPlainTextEdit(parent)
            self.editor.setTabChangesFocus(True)
            # at least four lines; on a tall screen the matter and the answer take the room the form leaves
            self.editor.setMinimumHeight(92)
            self.editor.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Ignored)
            self.editor.textChanged.connect(self._plain_changed)
        else:
            self.editor = QtWidgets.QLineEdit(parent)
            self.editor.textEdited.connect(self._line_edited)
            if completions:
                completer = QtWidgets.QCompleter(list(completions), self.editor)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                self.editor.setCompleter(completer)
        self.editor.setObjectName(f"field_{field.value}")
        self.label.setBuddy(self.editor)
        self.suggestion = QtWidgets.QPushButton(parent)
        self.suggestion.setObjectName("suggestion")
        self.suggestion.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Ctrl+Return from the box accepts; tab skips it
        self.suggestion.clicked.connect(lambda: self.accept_requested.emit(self.field))
        self.suggestion.hide()
        self._rendering = False
        self._entry: FieldEntry | None = None
        # typed text the desk has not echoed yet: a state painted before the desk took the edit must not wipe it
        self._unechoed = False
        for widget in (self.editor, self.suggestion):
            widget.installEventFilter(self)

    def _plain_changed(self) -> None:
        if not self._rendering:
            self._unechoed = True
            self.edited.emit(self.field, self.text())

    def _line_edited(self, text: str) -> None:
        self._unechoed = True
        self.edited.emit(self.field, text)

    def forget_typing(self) -> None:
        """The next state decides the text (another call is shown, or the agent took the suggestion instead)."""
        self._unechoed = False

    def text(self) -> str:
        if isinstance(self.editor, QtWidgets.QPlainTextEdit):
            return self.editor.toPlainText()
        return self.editor.text()

    def _set_text(self, text: str) -> None:
        self._rendering = True
        try:
            if isinstance(self.editor, QtWidgets.QPlainTextEdit):
                self.editor.setPlainText(text)
            else:
                self.editor.setText(text)
        finally:
            self._rendering = False

    def _set_placeholder(self, text: str) -> None:
        if self.editor.placeholderText() == text:
            return
        self.editor.setPlaceholderText(text)
        if isinstance(self.editor, QtWidgets.QPlainTextEdit):
            # QPlainTextEdit repaints when its placeholder appears or goes, not when the one shown changes: a later
            # pre-fill's summary (mid-call, or in after-call work) would stay unpainted until something else repaints
            self.editor.viewport().update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.Enter):
            entry = self._entry
            if entry is not None:
                s = entry.suggestion or entry.offered
                self.evidence_wanted.emit(s.evidence if s is not None else "")
        elif event.type() in (QEvent.Type.FocusOut, QEvent.Type.Leave):
            self.evidence_wanted.emit("")
        return False

    def show_entry(self, entry: FieldEntry, *, editable: bool) -> None:
        self._entry = entry
        self.editor.setEnabled(editable)
        typed = entry.origin is not None and entry.origin.value == "typed"
        if typed or entry.shown == self.text():
            self._unechoed = False
        typing = self._unechoed or (self.editor.hasFocus() and typed)
        if not typing and self.text() != entry.shown:
            self._set_text(entry.shown)
        s = entry.suggestion
        pending = s is not None and not entry.is_agents
        self._set_placeholder(s.shown if pending else "")
        _repolish(self.editor, "suggested", pending)
        if s is None:
            self.suggestion.hide()
            return
        word = self.tr("新建议") if entry.is_new_suggestion else self.tr("建议")
        shown = s.shown if len(s.shown) <= 18 else s.shown[:17] + "…"
        self.suggestion.setText(labelled(word, shown) if entry.is_new_suggestion else f"{word} ✓")
        self.suggestion.setToolTip(self.tr("采纳 %1:%2").replace("%1", key_of(Command.ACCEPT_SUGGESTION))
                                   .replace("%2", s.shown))
        self.suggestion.setEnabled(editable)
        self.suggestion.show()


class OrderForm(QtWidgets.QFrame):
    intent = Signal(object)  # a desk event
    evidence_wanted = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, units: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("orderForm")
        self.title = QtWidgets.QLabel(self.tr("工单"), self)
        self.title.setObjectName("panelTitle")
        self.order_label = QtWidgets.QLabel("", self)
        self.order_label.setObjectName("orderStatus")
        self.order_label.setWordWrap(True)
        self.refusal = QtWidgets.QLabel("", self)
        self.refusal.setObjectName("refusal")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        grid = self._build_fields(units)
        actions, not_accept, reply = self._build_actions()
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.accept_all_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(head)
        layout.addWidget(self.order_label)
        # the room below the fields goes to the matter (诉求内容) first, then the answer, not to an empty band
        layout.addLayout(grid, 3)
        layout.addWidget(self.refusal)
        layout.addLayout(actions)
        layout.addLayout(not_accept)
        layout.addWidget(self.basis)
        layout.addLayout(reply, 1)
        self._state: DeskState | None = None
        self._call: Call | None = None
        self._allowed: frozenset[OrderAction] = frozenset()
        self._set_tab_order()
        self.show_desk(None)

    def _build_fields(self, units: Sequence[str]) -> QtWidgets.QGridLayout:
        grid = QtWidgets.QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        completions = {
            DraftField.CATEGORY: [_t(c.zh) for c in Category],
            DraftField.LEAD_UNIT: list(units),
            DraftField.FORM_OF_ADDRESS: ["先生", "女士"],
        }
        self.rows: dict[DraftField, FieldRow] = {}
        for line, field in enumerate(FORM_FIELDS):
            row = FieldRow(field, self, completions.get(field, ()))
            row.edited.connect(self._edited)
            row.accept_requested.connect(self._accept)
            row.evidence_wanted.connect(self.evidence_wanted)
            vertical = Qt.AlignmentFlag.AlignTop if field is DraftField.DESCRIPTION else Qt.AlignmentFlag.AlignVCenter
            grid.addWidget(row.label, line, 0, Qt.AlignmentFlag.AlignRight | vertical)
            grid.addWidget(row.editor, line, 1)
            grid.addWidget(row.suggestion, line, 2, Qt.AlignmentFlag.AlignTop)
            if field is DraftField.DESCRIPTION:
                grid.setRowStretch(line, 1)
            self.rows[field] = row
        line = len(FORM_FIELDS)
        self.co_units = QtWidgets.QLineEdit(self)
        self.co_units.setObjectName("coUnits")
        self.co_units.setPlaceholderText(self.tr("多个单位用顿号或逗号分隔"))
        co_label = QtWidgets.QLabel(self.tr("协办单位"), self)
        co_label.setBuddy(self.co_units)
        grid.addWidget(co_label, line, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.co_units, line, 1)
        self.urgent = QtWidgets.QCheckBox(self.tr("紧急  %1").replace("%1", key_of(Command.URGENT)), self)
        self.urgent.clicked.connect(self._urgent_clicked)
        grid.addWidget(self.urgent, line + 1, 1)
        grid.setColumnStretch(1, 1)

        return grid

    def _build_actions(self) -> tuple[QtWidgets.QHBoxLayout, QtWidgets.QHBoxLayout, QtWidgets.QHBoxLayout]:
        self.accept_all_button = QtWidgets.QPushButton(
            self.tr("采纳全部建议  %1").replace("%1", key_of(Command.ACCEPT_ALL)), self)
        self.accept_all_button.clicked.connect(self.request_accept_all)
        self.save_button = self._action_button(self.tr("保存"), Command.SAVE, self.request_save)
        self.dispatch_button = self._action_button(self.tr("派单"), Command.DISPATCH, self.request_dispatch)
        self.dispatch_button.setObjectName("primary")
        self.promise_button = self._action_button(self.tr("承诺回复"), Command.PROMISE_REPLY, self.request_promise)
        self.promise_button.setToolTip(self.tr("征得诉求人同意,1个工作日内答复(第十六条第一项)"))
        self.discard_button = self._action_button(self.tr("放弃"), Command.DISCARD, self.request_discard)

        self.reason = QtWidgets.QComboBox(self)
        self.reason.setObjectName("notAcceptedReason")
        self.reason.addItem(self.tr("不予受理理由(第十三条)…"), None)
        for reason in NotAcceptedReason:  # the list's words are translated; the text read out stays Chinese
            self.reason.addItem(reason_label(reason), int(reason))
            self.reason.setItemData(self.reason.count() - 1, NOT_ACCEPTED_BASIS[reason], Qt.ItemDataRole.ToolTipRole)
        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.basis = QtWidgets.QLabel("", self)
        self.basis.setObjectName("basis")
        self.basis.setWordWrap(True)
        self.basis.hide()
        self.not_accept_button = self._action_button(self.tr("不予受理"), Command.NOT_ACCEPT, self.request_not_accept)

        self.answer = QtWidgets.QPlainTextEdit(self)
        self.answer.setObjectName("answer")
        self.answer.setTabChangesFocus(True)
        self.answer.setPlaceholderText(self.tr("直接答复的内容(可从知识库插入)"))
        self.answer.setMinimumHeight(64)
        self.answer.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Ignored)
        self.answer.textChanged.connect(self._refresh_enabled)
        self.reply_button = self._action_button(self.tr("直接答复"), Command.REPLY_DIRECTLY, self.request_reply)
        self._kb_entry_id: str | None = None

        actions = QtWidgets.QHBoxLayout()
        for button in (self.save_button, self.dispatch_button, self.promise_button, self.discard_button):
            actions.addWidget(button)
        actions.addStretch(1)
        not_accept = QtWidgets.QHBoxLayout()
        not_accept.addWidget(self.reason, 1)
        not_accept.addWidget(self.not_accept_button)
        reply = QtWidgets.QHBoxLayout()
        reply.addWidget(self.answer, 1)
        reply.addWidget(self.reply_button, 0, Qt.AlignmentFlag.AlignTop)

        return actions, not_accept, reply

    def _action_button(self, text: str, command: Command, slot) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(f"{text}  {key_of(command)}", self)
        button.clicked.connect(slot)
        return button

    def _set_tab_order(self) -> None:
        chain = [self.rows[f].editor for f in FORM_FIELDS] + [
            self.co_units, self.urgent, self.save_button, self.dispatch_button, self.promise_button,
            self.discard_button, self.reason, self.not_accept_button, self.answer, self.reply_button]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

    def tab_chain(self) -> list[QtWidgets.QWidget]:
        return [self.rows[f].editor for f in FORM_FIELDS] + [self.co_units, self.urgent]

    def first_field(self) -> QtWidgets.QWidget:
        return self.rows[FORM_FIELDS[0]].editor

    # --- intents ---------------------------------------------------------------------------------------------

    def _emit(self, event: object) -> None:
        self.intent.emit(event)

    def _edited(self, field: DraftField, text: str) -> None:
        if self._call is not None:
            self._emit(ev.EditField(self._call.call_id, field, text))

    def _accept(self, field: DraftField) -> None:
        if self._call is not None and self._call.field(field).suggestion is not None and self._editable():
            self.rows[field].forget_typing()
            self._emit(ev.AcceptSuggestion(self._call.call_id, field))

    def accept_focused(self) -> None:
        for field, row in self.rows.items():
            if row.editor.hasFocus():
                self._accept(field)
                return

    def request_accept_all(self) -> None:
        if self._call is not None and self._call.pending_suggestions and self._editable():
            self._emit(ev.AcceptAllSuggestions(self._call.call_id))

    def _urgent_clicked(self, checked: bool) -> None:
        if self._call is not None and self._editable():
            self._emit(ev.FlagUrgent(self._call.call_id, checked))

    def toggle_urgent(self) -> None:
        if self.urgent.isEnabled():
            self.urgent.setChecked(not self.urgent.isChecked())
            self._urgent_clicked(self.urgent.isChecked())

    def _allows(self, action: OrderAction) -> bool:
        return self._call is not None and action in self._allowed

    def request_save(self) -> None:
        if self._allows(OrderAction.SAVE):
            self.clear_refusal()
            self._emit(ev.SaveDraft(self._call.call_id))

    def co_unit_names(self) -> tuple[str, ...]:
        text = self.co_units.text()
        for sep in ("、", ",", ";", ";"):
            text = text.replace(sep, ",")
        return tuple(name.strip() for name in text.split(",") if name.strip())

    def request_dispatch(self) -> None:
        if self._allows(OrderAction.DISPATCH):
            self.clear_refusal()
            lead = self.rows[DraftField.LEAD_UNIT].text().strip() or None
            self._emit(ev.DispatchOrder(self._call.call_id, lead, self.co_unit_names()))

    def chosen_reason(self) -> NotAcceptedReason | None:
        value = self.reason.currentData()
        return None if value is None else NotAcceptedReason(value)

    def request_not_accept(self) -> None:
        reason = self.chosen_reason()
        if reason is None:
            self.reason.setFocus()
            self.show_refusal(self.tr("不予受理须先选择第十三条规定的理由"), "第13条")
            return
        if self._allows(OrderAction.NOT_ACCEPT):
            self.clear_refusal()
            self._emit(ev.NotAcceptOrder(self._call.call_id, reason))

    def request_reply(self) -> None:
        answer = self.answer.toPlainText().strip()
        if not answer:
            self.answer.setFocus()
            return
        if self._allows(OrderAction.REPLY_DIRECTLY):
            self.clear_refusal()
            self._emit(ev.ReplyDirectly(self._call.call_id, answer, self._kb_entry_id))

    def request_promise(self) -> None:
        if self._allows(OrderAction.PROMISE_REPLY):
            self.clear_refusal()
            self._emit(ev.PromiseReply(self._call.call_id))

    def request_discard(self) -> None:
        if self._allows(OrderAction.DISCARD) and self._call is not None and not self._call.state.is_live:
            self._emit(ev.DiscardDraft(self._call.call_id))

    def insert_knowledge(self, text: str, entry_id: str | None = None) -> None:
        """The knowledge-base panel's "insert": the hit's text into the direct answer, its id kept for the order."""
        cursor = self.answer.textCursor()
        if self.answer.toPlainText() and not cursor.atStart():
            text = "\n" + text
        cursor.insertText(text)
        self._kb_entry_id = entry_id
        self.answer.setFocus()

    # --- rendering -------------------------------------------------------------------------------------------

    def _editable(self) -> bool:
        call = self._call
        return call is not None and (call.order_state is None or call.order_state.value == "intake")

    def _reason_changed(self) -> None:
        reason = self.chosen_reason()
        if reason is None:
            self.basis.hide()
        else:
            self.basis.setText(self.tr("向诉求人宣读:") + NOT_ACCEPTED_BASIS[reason])
            self.basis.show()
        self._refresh_enabled()

    def _refresh_enabled(self) -> None:
        allowed = self._allowed
        self.save_button.setEnabled(OrderAction.SAVE in allowed)
        self.dispatch_button.setEnabled(OrderAction.DISPATCH in allowed)
        self.promise_button.setEnabled(OrderAction.PROMISE_REPLY in allowed)
        live = self._call is not None and self._call.state.is_live
        self.discard_button.setEnabled(OrderAction.DISCARD in allowed and not live)
        self.reason.setEnabled(OrderAction.NOT_ACCEPT in allowed)
        # 不予受理 without one of the eight reasons of 第13条 cannot be asked for
        self.not_accept_button.setEnabled(OrderAction.NOT_ACCEPT in allowed and self.chosen_reason() is not None)
        self.answer.setEnabled(OrderAction.REPLY_DIRECTLY in allowed)
        self.reply_button.setEnabled(OrderAction.REPLY_DIRECTLY in allowed
                                     and bool(self.answer.toPlainText().strip()))
        editable = self._editable()
        self.accept_all_button.setEnabled(editable and self._call is not None
                                          and any(not e.is_agents for e in self._call.pending_suggestions))

    def basis_of(self, article: str) -> str:
        """"(依据 第16条(一))": the rule a refusal or a rejection rests on, in the window's language."""
        return self.tr("(依据 %1)").replace("%1", article_text(article))

    def show_refusal(self, text: str, article: str | None = None) -> None:
        shown = text if not article else text + self.basis_of(article)
        self.refusal.setText("⚠ " + shown)
        self.refusal.show()

    def clear_refusal(self) -> None:
        self.refusal.hide()
        self.refusal.setText("")

    def refusal_text(self) -> str:
        return self.refusal.text() if self.refusal.isVisible() or self.refusal.text() else ""

    def show_desk(self, state: DeskState | None) -> None:
        self._state = state
        previous = self._call
        call = state.active_call if state is not None else None
        self._call = call
        if previous is None or call is None or previous.call_id != call.call_id:
            for row in self.rows.values():
                row.forget_typing()
            self.clear_refusal()
            self.co_units.clear()
            self.answer.clear()
            self._kb_entry_id = None
            self.reason.setCurrentIndex(0)
        self._allowed = state.order_actions(call.call_id) if state is not None and call is not None else frozenset()
        editable = call is not None and self._editable()
        for field, row in self.rows.items():
            row.show_entry(call.field(field) if call is not None else FieldEntry(field), editable=editable)
        self.co_units.setEnabled(editable)
        urgency = call.field(DraftField.URGENCY).shown if call is not None else ""
        self.urgent.setEnabled(editable)
        self.urgent.setChecked(urgency in (Urgency.EMERGENCY.value, "紧急"))
        self._show_order(state, call)
        self._refresh_enabled()

    def _show_order(self, state: DeskState | None, call: Call | None) -> None:
        if call is None:
            self.title.setText(self.tr("工单"))
            self.order_label.setText(self.tr("无进行中的通话"))
            return
        self.title.setText(self.tr("工单 %1").replace("%1", call.order_id))
        level = "none"
        if call.order_state is None:
            text = self.tr("草稿 · 自动保存")
        else:
            text = _t(call.order_state.zh)
            note = next((n for n in (state.orders if state else ()) if n.order_id == call.order_id), None)
            if note is not None:
                if note.rejection is not None:
                    r = note.rejection
                    level = "rejected"
                    text += self.tr(" · 中心退回:%1").replace("%1", refusal_sentence(r.code, r.details, r.text))
                    if r.article:
                        text += self.basis_of(r.article)
                elif note.acked:
                    level = "acked"
                    text += self.tr(" · 中心已确认")
                else:
                    text += self.tr(" · 等待中心确认")
        self.order_label.setText(text)
        _repolish(self.order_label, "level", level)
