"""The call bar: the active call's state and timer, and its actions — hold/resume, blind transfer, three-way call
with a responsible unit, leave the conference, hang up — and the callback of the order's caller.

Only the active call (`DeskState.active_call`) drives it. A button is enabled only when the desk's tables allow the
action now (`DeskState.call_actions`: nothing while AMI is down). Emits `call_action_requested(call_id, CallAction,
number)`, `callback_requested(order_id)`, and `number_wanted(call_id, CallAction)` when a transfer or a three-way
call needs its number picked first.
"""

from __future__ import annotations

from datetime import datetime

from agent_desktop.desk import Call, CallAction, CallState, DeskState, QueueState, SeatAction
from ui.qt import QCoreApplication, QtWidgets, Signal
from ui.widgets.shortcuts import Command, key_of


def _t(text: str) -> str:
    return QCoreApplication.translate("Domain", text)


def clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class CallBar(QtWidgets.QFrame):
    call_action_requested = Signal(str, object, str)  # call id, CallAction, number
    number_wanted = Signal(str, object)  # call id, CallAction (transfer / three-way): pick the number first
    callback_requested = Signal(str)  # order id

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callBar")
        self.state_label = QtWidgets.QLabel(self.tr("空闲"), self)
        self.state_label.setObjectName("callState")
        self.timer_label = QtWidgets.QLabel("", self)
        self.timer_label.setObjectName("callTimer")
        self.caller_label = QtWidgets.QLabel("", self)
        self.caller_label.setObjectName("callCaller")
        self.hold_button = self._button(self.tr("保持"), Command.HOLD_OR_RESUME)
        self.transfer_button = self._button(self.tr("转接"), Command.TRANSFER)
        self.three_way_button = self._button(self.tr("三方通话"), Command.THREE_WAY)
        self.leave_button = self._button(self.tr("退出三方"), Command.LEAVE_CONFERENCE)
        self.hang_up_button = self._button(self.tr("挂断"), Command.HANG_UP)
        self.hang_up_button.setObjectName("hangUp")
        self.callback_button = self._button(self.tr("回拨"), Command.CALLBACK)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.state_label)
        layout.addWidget(self.timer_label)
        layout.addWidget(self.caller_label, 1)
        for button in (self.hold_button, self.transfer_button, self.three_way_button, self.leave_button,
                       self.hang_up_button, self.callback_button):
            layout.addWidget(button)
        self.hold_button.clicked.connect(self.request_hold_or_resume)
        self.transfer_button.clicked.connect(lambda: self._want_number(CallAction.BLIND_TRANSFER))
        self.three_way_button.clicked.connect(lambda: self._want_number(CallAction.THREE_WAY))
        self.leave_button.clicked.connect(lambda: self._request(CallAction.LEAVE_CONFERENCE))
        self.hang_up_button.clicked.connect(lambda: self._request(CallAction.HANG_UP))
        self.callback_button.clicked.connect(self.request_callback)
        self._state: DeskState | None = None
        self._call: Call | None = None
        self.show_desk(None, None)

    def _button(self, text: str, command: Command) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(f"{text}  {key_of(command)}", self)
        button.setFocusPolicy(button.focusPolicy())  # keep in the tab chain; the keys work anywhere
        return button

    # --- intents ---------------------------------------------------------------------------------------------

    def _allowed(self) -> frozenset[CallAction]:
        if self._state is None or self._call is None or not self._call.state.is_live:
            return frozenset()
        return self._state.call_actions(self._call.call_id)

    def _request(self, action: CallAction, number: str = "") -> None:
        if self._call is not None and action in self._allowed():
            self.call_action_requested.emit(self._call.call_id, action, number)

    def _want_number(self, action: CallAction) -> None:
        if self._call is not None and action in self._allowed():
            self.number_wanted.emit(self._call.call_id, action)

    def request_hold_or_resume(self) -> None:
        allowed = self._allowed()
        self._request(CallAction.RESUME if CallAction.RESUME in allowed else CallAction.HOLD)

    def request_transfer(self) -> None:
        self._want_number(CallAction.BLIND_TRANSFER)

    def request_three_way(self) -> None:
        self._want_number(CallAction.THREE_WAY)

    def request_leave(self) -> None:
        self._request(CallAction.LEAVE_CONFERENCE)

    def request_hang_up(self) -> None:
        self._request(CallAction.HANG_UP)

    def request_callback(self) -> None:
        order_id = self.callback_order_id()
        if order_id is not None:
            self.callback_requested.emit(order_id)

    def callback_order_id(self) -> str | None:
        """The order whose caller a callback rings: the call in after-call work, when the seat may call now."""
        state, call = self._state, self._call
        if state is None or call is None or call.state.is_live or SeatAction.CALLBACK not in state.seat_actions():
            return None
        return call.order_id

    # --- rendering -------------------------------------------------------------------------------------------

    def show_desk(self, state: DeskState | None, now: datetime | None) -> None:
        self._state = state
        self._call = call = state.active_call if state is not None else None
        allowed = self._allowed()
        held = call is not None and call.state is CallState.HELD
        self.hold_button.setText(f"{self.tr('恢复') if held else self.tr('保持')}  {key_of(Command.HOLD_OR_RESUME)}")
        self.hold_button.setEnabled(bool(allowed & {CallAction.HOLD, CallAction.RESUME}))
        self.transfer_button.setEnabled(CallAction.BLIND_TRANSFER in allowed)
        self.three_way_button.setEnabled(CallAction.THREE_WAY in allowed)
        self.leave_button.setEnabled(CallAction.LEAVE_CONFERENCE in allowed)
        self.hang_up_button.setEnabled(CallAction.HANG_UP in allowed)
        self.callback_button.setEnabled(self.callback_order_id() is not None)
        if call is None:
            # no call: the seat's own state, as the status bar has it — "idle" only when the queue may offer a call
            queue = state.queue if state is not None else QueueState.READY
            self.state_label.setText(self.tr("空闲") if queue is QueueState.READY else _t(queue.zh))
            self.caller_label.setText("")
            self._set_level("idle")
        else:
            text = _t(call.state.zh)
            if call.units_in_conference and call.state in (CallState.CONFERENCE, CallState.CONFERENCE_WITH_UNIT):
                text += " · " + "、".join(call.units_in_conference)
            self.state_label.setText(text)
            who = call.pop.shown_number or self.tr("未知号码")
            if call.pop.shown_name:
                who += f"  {call.pop.shown_name}"
            self.caller_label.setText(who)
            self._set_level(call.state.value)
        if state is not None and not state.ami_connected and call is not None and call.state.is_live:
            self.state_label.setText(self.state_label.text() + self.tr("(AMI 断开)"))
        self.tick(now)

    def _set_level(self, level: str) -> None:
        if self.state_label.property("callState") != level:
            self.state_label.setProperty("callState", level)
            self.state_label.style().unpolish(self.state_label)
            self.state_label.style().polish(self.state_label)

    def tick(self, now: datetime | None) -> None:
        call = self._call
        if call is None or now is None:
            self.timer_label.setText("")
            return
        start = call.answered_at or call.offered_at
        end = call.ended_at or now
        self.timer_label.setText(clock_text((end - start).total_seconds()))
