"""The status bar: the seat and its phone, the health of AMI / the central store / speech, the queue state with
log in, pause (with a reason) and ready, and the after-call work countdown.

Renders `DeskState` (queue, AMI) and `ServicesView` (health); emits `seat_action_requested(SeatAction, reason)`.
"""

from __future__ import annotations

from datetime import datetime

from agent_desktop.core.health import HealthState
from agent_desktop.desk import DeskState, QueueState, SeatAction
from ui.domain_text import labelled
from ui.qt import QCoreApplication, QtWidgets, Signal
from ui.values import ServicesView

PAUSE_REASONS = ("休息", "用餐", "会议", "培训", "质检辅导", "系统故障")

_LEVEL = {HealthState.UP: "ok", HealthState.STARTING: "warn", HealthState.DEGRADED: "warn",
          HealthState.FAILED: "bad", HealthState.STOPPED: "bad"}


def _t(text: str) -> str:
    return QCoreApplication.translate("Domain", text)


class Indicator(QtWidgets.QLabel):
    """One service's light and words; the colour comes from the style sheet by its `level` property."""

    def show_level(self, text: str, level: str, tooltip: str = "") -> None:
        self.setText(text)
        self.setToolTip(tooltip)
        if self.property("level") != level:
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)


class SeatStatusBar(QtWidgets.QStatusBar):
    seat_action_requested = Signal(object, str)  # SeatAction, reason

    def __init__(self, seat: str, phone: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seatStatusBar")
        self.setSizeGripEnabled(False)
        self.seat_label = QtWidgets.QLabel(self.tr("坐席 %1 · 话机 %2").replace("%1", seat).replace("%2", phone))
        self.seat_label.setObjectName("seatLabel")
        self.ami = Indicator(self)
        self.center = Indicator(self)
        self.speech = Indicator(self)
        for widget in (self.ami, self.center, self.speech):
            widget.setObjectName("indicator")
        self.queue_label = Indicator(self)
        self.queue_label.setObjectName("queueState")
        self.acw_label = QtWidgets.QLabel(self)
        self.acw_label.setObjectName("acwCountdown")
        self.login_button = QtWidgets.QPushButton(self.tr("签入"), self)
        self.pause_reason = QtWidgets.QComboBox(self)
        self.pause_reason.setObjectName("pauseReason")
        for reason in PAUSE_REASONS:  # shown translated; the reason sent to the queue is the Chinese one
            self.pause_reason.addItem(_t(reason), reason)
        self.pause_reason.setToolTip(self.tr("小休原因"))
        self.pause_button = QtWidgets.QPushButton(self.tr("小休"), self)
        self.ready_button = QtWidgets.QPushButton(self.tr("就绪"), self)
        for w in (self.seat_label, self.ami, self.center, self.speech):
            self.addWidget(w)
        for w in (self.acw_label, self.queue_label, self.login_button, self.pause_reason, self.pause_button,
                  self.ready_button):
            self.addPermanentWidget(w)
        self.login_button.clicked.connect(self.request_log_in_out)
        self.pause_button.clicked.connect(self.request_pause)
        self.ready_button.clicked.connect(lambda: self.seat_action_requested.emit(SeatAction.READY, ""))
        self._state: DeskState | None = None
        self._acw_seconds = 30.0
        # when the after-call work being counted down began (the latest end of a call seen during it): the PBX's
        # timer goes on after the call's order is saved and the call leaves the desk's state, and so does the count
        self._acw_from: datetime | None = None
        self.show_services(ServicesView())

    # --- intents ---------------------------------------------------------------------------------------------

    def request_log_in_out(self) -> None:
        if self._state is None:
            return
        action = SeatAction.LOG_IN if self._state.queue is QueueState.LOGGED_OUT else SeatAction.LOG_OUT
        if action in self._state.seat_actions():
            self.seat_action_requested.emit(action, "")

    def request_pause(self) -> None:
        reason = str(self.pause_reason.currentData() or self.pause_reason.currentText()).strip()
        if reason and self._state is not None and SeatAction.PAUSE in self._state.seat_actions():
            self.seat_action_requested.emit(SeatAction.PAUSE, reason)

    # --- rendering -------------------------------------------------------------------------------------------

    def set_after_call_work_seconds(self, seconds: float) -> None:
        self._acw_seconds = seconds

    def show_desk(self, state: DeskState, now: datetime) -> None:
        self._state = state
        allowed = state.seat_actions()
        logged_out = state.queue is QueueState.LOGGED_OUT
        self.login_button.setText(self.tr("签入") if logged_out else self.tr("签出"))
        self.login_button.setEnabled((SeatAction.LOG_IN if logged_out else SeatAction.LOG_OUT) in allowed)
        self.pause_button.setEnabled(SeatAction.PAUSE in allowed)
        self.pause_reason.setEnabled(SeatAction.PAUSE in allowed)
        self.ready_button.setEnabled(SeatAction.READY in allowed)
        text = _t(state.queue.zh)
        if state.queue is QueueState.PAUSED and state.pause_reason:
            text = labelled(text, _t(state.pause_reason))
        level = {QueueState.READY: "ok", QueueState.PAUSED: "warn", QueueState.AFTER_CALL_WORK: "warn"}.get(
            state.queue, "off")
        self.queue_label.show_level(text, level)
        self.show_countdown(now)

    def show_countdown(self, now: datetime) -> None:
        state = self._state
        if state is None or state.queue is not QueueState.AFTER_CALL_WORK:
            self._acw_from = None
            self.acw_label.setText("")
            self.acw_label.hide()
            self.queue_label.show()
            return
        ended = [c.ended_at for c in state.calls if c.ended_at is not None]
        if ended:
            self._acw_from = max([*ended, self._acw_from] if self._acw_from is not None else ended)
        if self._acw_from is None:  # after-call work the desk never saw a call end for (a restart): no count
            self.acw_label.setText("")
            self.acw_label.hide()
            self.queue_label.show()
            return
        left = max(0.0, self._acw_seconds - (now - self._acw_from).total_seconds())
        self.acw_label.setText(self.tr("话后处理 剩余 %1 秒").replace("%1", str(round(left))))
        self.acw_label.show()
        self.queue_label.hide()  # the countdown names the state: once is enough

    def show_services(self, view: ServicesView) -> None:
        def line(health, name: str) -> tuple[str, str, str]:
            if health is None:
                return f"{name} —", "off", ""
            return f"{name} {_t(health.state.zh)}", _LEVEL[health.state], health.detail

        text, level, tip = line(view.telephony, "AMI")
        if self._state is not None:
            if not self._state.ami_connected:
                text, level = self.tr("AMI 断开 · 通话控制不可用"), "bad"
            elif view.telephony is None:
                text, level = self.tr("AMI 已连接"), "ok"
        self.ami.show_level(text, level, tip)
        text, level, tip = line(view.sync, self.tr("中心"))
        if view.operations_waiting:
            text += self.tr(" · 待上传 %1").replace("%1", str(view.operations_waiting))
        self.center.show_level(text, level, tip)
        text, level, tip = line(view.speech, self.tr("语音"))
        if view.model.name:
            text += f" · {view.model.name}"
        if view.model.is_test_model:
            text += self.tr("(韩语测试模型,非中文识别)")
            level = "warn" if level == "ok" else level
        streams = self._streams()
        if streams:
            text += self.tr(" · %1 路").replace("%1", str(streams))
        self.speech.show_level(text, level, tip)
        self._services = view

    def _streams(self) -> int:
        state = self._state
        if state is None:
            return 0
        return sum(1 for c in state.calls if c.state.is_live and c.answered_at is not None)
