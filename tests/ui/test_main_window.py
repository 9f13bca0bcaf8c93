"""The main window on real widgets (offscreen), driven by desk states built by feeding real events to the pure
seat session; the window's intents are fed back into it (tests/ui/desk_loop.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent_desktop.core.work_order import NOT_ACCEPTED_BASIS, NotAcceptedReason
from agent_desktop.desk import CallAction, CallState, DraftField, SeatAction, ValueOrigin
from agent_desktop.desk import events as ev
from agent_desktop.desk.intents import DoCallAction
from tests.ui import desk_loop as dl
from ui.main_window import MainWindow
from ui.qt import Qt, QtGui, QtWidgets
from ui.values import DirectoryEntry, ServicesView
from ui.widgets.shortcuts import SHORTCUTS

DIRECTORY = (DirectoryEntry("岳麓区住建局", dl.UNIT_NUMBER), DirectoryEntry("芙蓉区城管局", "073184442222"))


@pytest.fixture
def desk(qtbot):
    loop = dl.DeskLoop()
    window = MainWindow(loop.send, seat="1001", phone="PJSIP/1001", directory=DIRECTORY, clock=loop.clock)
    loop.listeners.append(window.render)
    loop.notice_listeners.append(window.show_notice)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    loop.window = window
    return loop


def sent(loop, kind):
    return [e for e in loop.sent if isinstance(e, kind)]


def test_the_pop_shows_the_caller_and_history_when_offered_before_the_answer(desk):
    dl.offered(desk)
    w = desk.window
    assert desk.state.call(dl.CALL).state is CallState.OFFERED
    assert w.pop.number_label.text() == dl.NUMBER
    assert w.pop.name_label.text() == "王女士"
    assert w.pop.orders.rowCount() == 2
    assert w.pop.orders.item(0, 0).text() == "WO-2026-0001"
    assert w.pop.orders.item(0, 2).text() == "办理中"
    assert any("重复来电" in f for f in w.pop.flag_texts())
    assert w.call_bar.state_label.text() == "来电"
    assert w.call_bar.hang_up_button.isEnabled() and not w.call_bar.hold_button.isEnabled()


def test_partial_text_is_grey_and_replaced_by_the_final(desk):
    dl.talking(desk)
    w = desk.window
    desk.feed(ev.TranscriptPartial(dl.CALL, "我 想 反映"))
    assert w.transcript.partial_line() == "我 想 反映"
    assert "#8a8f98" in w.transcript.toHtml().lower()
    desk.feed(ev.TranscriptFinal(dl.CALL, "我 想 反映 噪音"))
    assert w.transcript.final_lines() == ("我 想 反映 噪音",)
    assert w.transcript.partial_line() == ""
    assert "#8a8f98" not in w.transcript.toHtml().lower()


def test_the_transcript_follows_unless_the_agent_scrolled_back(desk, qtbot):
    dl.talking(desk)
    w = desk.window
    w.resize(1366, 768)
    for i in range(60):
        desk.feed(ev.TranscriptFinal(dl.CALL, f"第 {i} 句 话"))
    bar = w.transcript.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bar.setValue(0)
    desk.feed(ev.TranscriptFinal(dl.CALL, "新 的 一 句"))
    assert bar.value() == 0  # the agent reads back: not pulled down
    bar.setValue(bar.maximum())
    desk.feed(ev.TranscriptFinal(dl.CALL, "再 一 句"))
    assert bar.value() == bar.maximum()


def test_suggestions_are_marked_and_their_evidence_highlighted_on_focus(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    row = w.form.rows[DraftField.DISTRICT]
    assert row.editor.text() == "" and row.editor.placeholderText() == "岳麓区"
    assert row.editor.property("suggested") is True and row.suggestion.isVisible()
    row.editor.setFocus()
    qtbot.waitUntil(lambda: w.transcript.highlighted_texts() == ["岳麓区"])
    w.form.rows[DraftField.STREET].editor.setFocus()
    qtbot.waitUntil(lambda: w.transcript.highlighted_texts() == ["望月湖 街道"])


def test_accept_one_with_its_key_then_all(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    row = w.form.rows[DraftField.DISTRICT]
    row.editor.setFocus()
    qtbot.keyClick(row.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.AcceptSuggestion) == [ev.AcceptSuggestion(dl.CALL, DraftField.DISTRICT)]
    assert row.editor.text() == "岳麓区" and row.editor.property("suggested") is False
    qtbot.keyClick(row.editor, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert sent(desk, ev.AcceptAllSuggestions)
    assert w.form.rows[DraftField.LEAD_UNIT].editor.text() == "岳麓区住建局"
    assert desk.state.call(dl.CALL).field(DraftField.STREET).origin is ValueOrigin.ACCEPTED


def test_the_agents_typing_is_never_overwritten_by_a_later_suggestion(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    row = w.form.rows[DraftField.ADDRESS]
    row.editor.setFocus()
    dl.type_text(row.editor, "望月湖小区3栋")
    assert row.editor.text() == "望月湖小区3栋"
    desk.feed(ev.SuggestionsArrived(dl.CALL, (ev.FieldSuggestion(DraftField.ADDRESS, "望月湖小区", "望月湖"),)))
    assert row.editor.text() == "望月湖小区3栋"
    assert row.suggestion.isVisible() and "新建议" in row.suggestion.text()
    row.editor.clearFocus()
    desk.feed(ev.SuggestionsArrived(dl.CALL, (ev.FieldSuggestion(DraftField.ADDRESS, "别处", "别处"),)))
    assert row.editor.text() == "望月湖小区3栋"
    assert desk.state.call(dl.CALL).field(DraftField.ADDRESS).shown == "望月湖小区3栋"


def test_typing_survives_a_state_painted_before_the_desk_took_it(desk, qtbot):
    """A state made before the desk took the first keys (a transcript line, a pre-fill pass) arrives after them:
    the typed text stays on screen, and the next key sends all of it, not only itself."""
    dl.with_transcript(desk)
    w = desk.window
    stale = desk.state
    desk.listeners.remove(w.render)  # the desk takes the keys; their states reach the window only later
    for field, text in ((DraftField.ADDRESS, "望月湖小区3栋"), (DraftField.DESCRIPTION, "夜间施工噪音")):
        row = w.form.rows[field]
        row.editor.setFocus()
        dl.type_text(row.editor, text)
        w.render(stale)
        assert row.text() == text
        row.editor.clearFocus()
        w.render(stale)
        assert row.text() == text
    desk.listeners.append(w.render)
    w.render(desk.state)
    assert w.form.rows[DraftField.ADDRESS].text() == "望月湖小区3栋"
    assert desk.state.call(dl.CALL).field(DraftField.DESCRIPTION).shown == "夜间施工噪音"
    # typed, then the suggestion taken instead: the suggestion is shown, not the typing
    district = w.form.rows[DraftField.DISTRICT]
    district.editor.setFocus()
    dl.type_text(district.editor, "岳")
    qtbot.keyClick(district.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert district.editor.text() == "岳麓区"
    assert desk.state.call(dl.CALL).field(DraftField.DISTRICT).origin is ValueOrigin.ACCEPTED


def test_anonymity_masks_the_caller_at_once(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.MarkAnonymous) == [ev.MarkAnonymous(dl.CALL)]
    assert dl.NUMBER not in w.pop.number_label.text() and "*" in w.pop.number_label.text()
    assert "王女士" not in w.pop.name_label.text()
    assert dl.NUMBER not in w.call_bar.caller_label.text()
    assert "姓 王" not in w.transcript.toPlainText()
    assert any("匿名" in f for f in w.pop.flag_texts())
    assert not w.pop.anonymous_button.isEnabled()


def test_not_accepting_without_a_reason_is_impossible(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    assert not w.form.not_accept_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not sent(desk, ev.NotAcceptOrder)
    assert "第13条" in w.form.refusal.text()
    w.form.reason.setCurrentIndex(int(NotAcceptedReason.EMERGENCY_SERVICE))
    assert NOT_ACCEPTED_BASIS[NotAcceptedReason.EMERGENCY_SERVICE] in w.form.basis.text()
    assert w.form.not_accept_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.NotAcceptOrder) == [ev.NotAcceptOrder(dl.CALL, NotAcceptedReason.EMERGENCY_SERVICE)]
    assert desk.state.call(dl.CALL).order_state is not None
    assert "不予受理" in w.form.order_label.text()


def test_dispatch_then_the_centers_ack_and_a_rejection_with_its_article(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    w.form.co_units.setText("芙蓉区城管局")
    qtbot.keyClick(w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.DispatchOrder) == [ev.DispatchOrder(dl.CALL, "岳麓区住建局", ("芙蓉区城管局",))]
    assert "等待中心确认" in w.form.order_label.text()
    order_id = desk.state.call(dl.CALL).order_id
    desk.feed(ev.OrderAcked(order_id, 1))
    assert "中心已确认" in w.form.order_label.text()
    desk.feed(ev.OrderRejected(order_id, "not_in_scope", "该事项不属本单位职责", "第17条"))
    assert "中心退回" in w.form.order_label.text() and "第17条" in w.form.order_label.text()
    assert not w.form.dispatch_button.isEnabled()  # the form of a dispatched order is closed


def test_a_refused_step_is_shown_inline(desk, qtbot):
    dl.talking(desk)
    w = desk.window
    w.form.rows[DraftField.LEAD_UNIT].editor.clear()
    qtbot.keyClick(w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert desk.notices and desk.notices[-1].code == "missing_lead_unit"
    assert w.form.refusal.isVisible() and "第16条" in w.form.refusal.text()
    w.show_notice(dl.Notice("refused", "transition_refused", "受理后2小时内应派单", "第17条"))
    assert "第17条" in w.form.refusal.text()


def test_hold_resume_transfer_and_three_way_by_keys(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    qtbot.keyClick(w, Qt.Key.Key_F2)
    assert [i for i in desk.intents if isinstance(i, DoCallAction)][-1].action is CallAction.HOLD
    desk.feed(ev.CallHeld(dl.CALL))
    assert w.call_bar.hold_button.text().startswith("恢复")
    assert not w.call_bar.transfer_button.isEnabled()  # held legs sit in no bridge
    qtbot.keyClick(w, Qt.Key.Key_F2)
    assert sent(desk, ev.RequestCallAction)[-1].action is CallAction.RESUME
    desk.feed(ev.CallResumed(dl.CALL))
    qtbot.keyClick(w, Qt.Key.Key_F4)
    assert w.picker.isVisible()
    dl.type_text(w.picker.filter, "岳麓")
    qtbot.keyClick(w.picker.filter, Qt.Key.Key_Return)
    assert not w.picker.isVisible()
    assert sent(desk, ev.RequestCallAction)[-1] == ev.RequestCallAction(dl.CALL, CallAction.THREE_WAY, dl.UNIT_NUMBER,
                                                                         "岳麓区住建局")
    # the unit's leg carries the hotline's caller ID, as on Asterisk: the bar names the unit the agent picked
    desk.feed(ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.CALLER),
              ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.AGENT),
              ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.UNIT, "12345"))
    assert w.call_bar.state_label.text().startswith("三方通话")
    assert f"岳麓区住建局 {dl.UNIT_NUMBER}" in w.call_bar.state_label.text()
    assert "12345" not in w.call_bar.state_label.text()
    assert w.call_bar.leave_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_F6)
    assert sent(desk, ev.RequestCallAction)[-1].action is CallAction.LEAVE_CONFERENCE


def test_the_keys_work_again_once_the_number_picker_closed(desk, qtbot):
    # The window's shortcuts live in the active window: a closed picker must give the keyboard back (the journeys
    # after a transfer saw F2, F8 and F10 do nothing: no window was active any more).
    dl.talking(desk)
    w = desk.window
    for close in (lambda: qtbot.keyClick(w.picker.filter, Qt.Key.Key_Escape),
                  lambda: qtbot.keyClick(w.picker.filter, Qt.Key.Key_Return)):
        qtbot.keyClick(w, Qt.Key.Key_F3)
        assert w.picker.isVisible()
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w.picker, timeout=2000)
        qtbot.keyClicks(w.picker.filter, "1101")
        close()
        assert not w.picker.isVisible()
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w, timeout=2000)
        before = len(sent(desk, ev.RequestCallAction))
        qtbot.keyClick(w, Qt.Key.Key_F2)
        assert [e.action for e in sent(desk, ev.RequestCallAction)[before:]] == [CallAction.HOLD]


def test_blind_transfer_to_a_typed_number(desk, qtbot):
    dl.talking(desk)
    w = desk.window
    qtbot.keyClick(w, Qt.Key.Key_F3)
    assert w.picker.isVisible()
    qtbot.keyClicks(w.picker.filter, "1101")
    qtbot.keyClick(w.picker.filter, Qt.Key.Key_Return)
    assert sent(desk, ev.RequestCallAction)[-1] == ev.RequestCallAction(dl.CALL, CallAction.BLIND_TRANSFER, "1101")


def test_ami_loss_disables_call_controls_and_says_so(desk):
    dl.talking(desk)
    w = desk.window
    assert w.call_bar.hang_up_button.isEnabled()
    desk.feed(ev.AmiConnectionLost("connection reset"))
    bar = w.call_bar
    assert not any(b.isEnabled() for b in (bar.hold_button, bar.transfer_button, bar.three_way_button,
                                           bar.leave_button, bar.hang_up_button, bar.callback_button))
    assert "AMI 断开" in w.status.ami.text() and w.status.ami.property("level") == "bad"
    assert not w.status.pause_button.isEnabled()
    desk.feed(ev.AmiConnectionRestored())
    assert w.call_bar.hang_up_button.isEnabled()
    assert "AMI 断开" not in w.status.ami.text()


def test_pause_with_a_reason_ready_and_after_call_work_countdown(desk, qtbot):
    w = desk.window
    desk.feed(ev.AmiConnectionRestored(), ev.QueueLoggedIn())
    w.status.pause_reason.setCurrentText("会议")
    qtbot.keyClick(w, Qt.Key.Key_F7)
    assert sent(desk, ev.RequestSeatAction)[-1] == ev.RequestSeatAction(SeatAction.PAUSE, "会议")
    desk.feed(ev.SeatPaused("会议"))
    assert w.status.queue_label.text() == "小休:会议"
    qtbot.keyClick(w, Qt.Key.Key_F10)
    assert sent(desk, ev.RequestSeatAction)[-1].action is SeatAction.READY
    desk.feed(ev.SeatReady())
    dl.with_transcript(desk)
    desk.feed(ev.CallEnded(dl.CALL), ev.AfterCallWorkStarted(), after_s=0)
    desk.now += timedelta(seconds=10)
    w._tick()
    assert w.status.acw_label.text() == "话后处理 剩余 20 秒"
    assert w.call_bar.state_label.text() == "话后处理"
    assert w.call_bar.callback_button.isEnabled()
    qtbot.keyClick(w, Qt.Key.Key_F9)
    assert sent(desk, ev.RequestSeatAction)[-1] == ev.RequestSeatAction(
        SeatAction.CALLBACK, "", desk.state.call(dl.CALL).order_id)


def test_after_call_work_goes_on_after_the_order_is_saved_and_the_bar_says_so(desk, qtbot):
    """The PBX keeps the seat in after-call work until its timer ends or the agent is ready, also once the call's
    order is saved and the call has left the desk: the call bar must not say "idle" meanwhile, and the countdown
    goes on."""
    w = desk.window
    dl.after_call(desk)
    desk.now += timedelta(seconds=8)
    w._tick()
    assert w.status.acw_label.text() == "话后处理 剩余 21 秒"
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # a reply promised: the order saved
    assert desk.state.find(dl.CALL) is None and desk.state.active_call is None
    desk.now += timedelta(seconds=5)
    w._tick()
    assert w.status.queue_label.text() == "话后处理"
    assert w.call_bar.state_label.text() == "话后处理"  # not "空闲": no call is offered to the seat now
    assert w.status.acw_label.isVisible() and w.status.acw_label.text() == "话后处理 剩余 14 秒"  # 2 events: 2 s
    assert not w.status.queue_label.isVisible()  # the countdown names the state once
    desk.feed(ev.AfterCallWorkEnded())
    assert w.call_bar.state_label.text() == "空闲"
    assert w.status.queue_label.text() == "就绪" and not w.status.acw_label.isVisible()
    assert w.status.queue_label.isVisible()
    desk.feed(ev.SeatPaused("用餐"))
    assert w.call_bar.state_label.text() == "小休"


def test_center_down_shows_the_operations_waiting(desk):
    from datetime import UTC, datetime

    from agent_desktop.core.health import Health, HealthState

    w = desk.window
    down = Health("sync", HealthState.DEGRADED, "offline, saved on this seat; 3 waiting", datetime.now(UTC))
    w.show_services(ServicesView(sync=down, operations_waiting=3))
    assert "待上传 3" in w.status.center.text() and w.status.center.property("level") == "warn"
    w.show_services(ServicesView(sync=Health("sync", HealthState.UP, "online", datetime.now(UTC))))
    assert "待上传" not in w.status.center.text()


def test_f1_lists_every_shortcut(desk, qtbot):
    w = desk.window
    qtbot.keyClick(w, Qt.Key.Key_F1)
    assert w.help_sheet is not None and w.help_sheet.isVisible()
    listed = w.help_sheet.texts()
    assert [k for k, _ in listed[:len(SHORTCUTS)]] == [s.key for s in SHORTCUTS]
    # and the keys the task list keeps for itself, where they work: Ctrl+Return there calls back
    assert ("Ctrl+Return(我的任务列表)", "回拨所选待办的诉求人(在列表中代替“采纳建议”)") in listed
    assert ("Return(我的任务列表)", "查看所选工单的工作流转单") in listed


def test_the_tab_order_follows_the_form(desk, qtbot):
    dl.with_transcript(desk)
    w = desk.window
    chain = w.form.tab_chain()
    chain[0].setFocus()
    qtbot.waitUntil(chain[0].hasFocus)
    for widget in chain[1:]:
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QtWidgets.QApplication.focusWidget() is widget


def test_a_whole_call_without_the_mouse(desk, qtbot):
    w = desk.window
    desk.feed(ev.AmiConnectionRestored())
    qtbot.keyClick(w, Qt.Key.Key_F12, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.RequestSeatAction)[-1].action is SeatAction.LOG_IN
    desk.feed(ev.QueueLoggedIn())
    desk.feed(ev.CallOffered(dl.CALL, dl.NUMBER, "王女士"), ev.CallRinging(dl.CALL), ev.CallAnswered(dl.CALL))
    desk.feed(ev.SuggestionsArrived(dl.CALL, (ev.FieldSuggestion(DraftField.DISTRICT, "岳麓区", "岳麓区"),
                                              ev.FieldSuggestion(DraftField.CATEGORY, "投诉", "投诉"))))
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    focused = QtWidgets.QApplication.focusWidget()
    assert focused is w.form.first_field()
    dl.type_text(focused, "王")
    qtbot.keyClick(focused, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    for _ in range(8):
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_Tab)
    lead = QtWidgets.QApplication.focusWidget()
    assert lead is w.form.rows[DraftField.LEAD_UNIT].editor
    dl.type_text(lead, "岳麓区住建局")
    qtbot.keyClick(lead, Qt.Key.Key_Tab)
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert desk.state.call(dl.CALL).field(DraftField.URGENCY).shown == "emergency"
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert sent(desk, ev.DispatchOrder)[-1].lead_unit == "岳麓区住建局"
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_F8)
    assert sent(desk, ev.RequestCallAction)[-1].action is CallAction.HANG_UP
    desk.feed(ev.CallEnded(dl.CALL), ev.AfterCallWorkStarted())
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Qt.Key.Key_F10)
    assert sent(desk, ev.RequestSeatAction)[-1].action is SeatAction.READY
    assert desk.state.call(dl.CALL).field(DraftField.CALLER_NAME).shown == "王"
    assert desk.state.call(dl.CALL).field(DraftField.DISTRICT).shown == "岳麓区"


@pytest.fixture
def desk_with_tasks(qtbot, tmp_path):
    """The window with its real side panels over a real seat store (my tasks lists callbacks due)."""
    from tests.ui.widgets.seat_store import seat_source

    source = seat_source(tmp_path)
    loop = dl.DeskLoop()
    window = MainWindow(loop.send, seat="1001", phone="PJSIP/1001", directory=DIRECTORY, clock=loop.clock,
                        desk=source)
    loop.listeners.append(window.render)
    loop.notice_listeners.append(window.show_notice)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    loop.window = window
    tasks = window.panels["tasks"]
    qtbot.waitUntil(lambda: tasks.refreshes >= 1, timeout=30_000)
    yield loop
    source.close()


def _tasks_focused(loop, qtbot):
    """My tasks by its key (Ctrl+J), the list focused, a task that can be called back selected by the arrows."""
    w = loop.window
    tasks = w.panels["tasks"]
    qtbot.keyClick(w, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert w.side.currentWidget() is tasks
    qtbot.waitUntil(tasks.view.hasFocus)  # the list itself, so the arrows move in it
    qtbot.keyClick(tasks.view, Qt.Key.Key_Home)
    for _ in range(tasks.model.rowCount()):
        if tasks.selected_task().can_call_back:
            break
        qtbot.keyClick(tasks.view, Qt.Key.Key_Down)
    assert tasks.selected_task().can_call_back
    return tasks


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_ctrl_enter_in_my_tasks_calls_back_inside_the_window(desk_with_tasks, qtbot, key):
    """Ctrl+Return is also the window's "accept the suggestion": on the task list it is the list's callback, once,
    with no ambiguity (Qt would fire neither and warn)."""
    tasks = _tasks_focused(desk_with_tasks, qtbot)
    order_id = tasks.selected_task().order_id
    before = len(sent(desk_with_tasks, ev.RequestSeatAction))
    qtbot.keyClick(tasks.view, key, Qt.KeyboardModifier.ControlModifier)
    asked = sent(desk_with_tasks, ev.RequestSeatAction)[before:]
    assert [(a.action, a.order_id) for a in asked] == [(SeatAction.CALLBACK, order_id)]


def test_ctrl_return_still_accepts_the_suggestion_in_the_form(desk_with_tasks, qtbot):
    desk = desk_with_tasks
    dl.with_transcript(desk)
    w = desk.window
    row = next(r for r in w.form.rows.values() if r.suggestion.isVisible())
    row.editor.setFocus()
    qtbot.waitUntil(row.editor.hasFocus)
    qtbot.keyClick(row.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert row.text() != "" and not sent(desk, ev.RequestSeatAction)


def _focus_spots(w):
    """Every kind of widget the focus can be in while a window key is pressed: the form's line edits (with a
    completer), its text boxes and combo box, the knowledge base's search box and hit list, the task list and the
    revisit box, the status bar's pause reason."""
    from agent_desktop.desk import DraftField as F

    form, knowledge, tasks = w.form, w.panels["knowledge"], w.panels["tasks"]
    return {
        "caller name": (None, form.rows[F.CALLER_NAME].editor),
        "lead unit": (None, form.rows[F.LEAD_UNIT].editor),
        "description": (None, form.rows[F.DESCRIPTION].editor),
        "co-units": (None, form.co_units),
        "not-accept reason": (None, form.reason),
        "answer": (None, form.answer),
        "knowledge search": (knowledge, knowledge.search_box),
        "knowledge hits": (knowledge, knowledge.results),
        "task list": (tasks, tasks.view),
        "revisit rating": (tasks, tasks.rating),
        "revisit note": (tasks, tasks.note),
        "pause reason": (None, w.status.pause_reason),
    }


def test_every_window_key_reaches_its_action_wherever_the_focus_is(desk_with_tasks, qtbot):
    """No widget takes a window key for itself (a line edit's editing keys, a combo box's F4) and no widget-level
    key makes one ambiguous — except Ctrl+Return on the task list, which is the list's callback (F1 says so)."""
    from ui.widgets.shortcuts import Command

    desk = desk_with_tasks
    dl.with_transcript(desk)
    w = desk.window
    tasks = w.panels["tasks"]
    for widget in (tasks.rating, tasks.note):  # as for an open manual revisit (the seat store here has none)
        widget.setEnabled(True)
    w.actions_by_command[Command.PLAY_RECORDING].setEnabled(True)  # as while the seat may place a call
    w._send = lambda event: None  # the keys' intents are not fed to the desk: the form stays as it is for the next
    fired: dict[Command, int] = {}
    for command, action in w.actions_by_command.items():
        action.triggered.connect(lambda *_, c=command: fired.__setitem__(c, fired.get(c, 0) + 1))
    called: list[str] = []
    tasks.callback_requested.connect(called.append)
    missed = []
    checked = []
    for name, (panel, widget) in _focus_spots(w).items():
        for shortcut in SHORTCUTS:
            action = w.actions_by_command[shortcut.command]
            if not action.isEnabled():
                continue
            for dialog in (w.help_sheet, w.picker):  # F1's sheet, F3/F4's number picker: closed for the next key
                if dialog is not None and dialog.isVisible():
                    dialog.reject()
            w.activateWindow()
            qtbot.waitUntil(w.isActiveWindow)
            if panel is not None:
                w.side.setCurrentWidget(panel)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            qtbot.waitUntil(widget.hasFocus)
            before = fired.get(shortcut.command, 0)
            sequence = QtGui.QKeySequence(shortcut.key)[0]
            calls = len(called)
            checked.append(shortcut.key)
            qtbot.keyClick(widget, sequence.key(), sequence.keyboardModifiers())
            if widget is tasks.view and shortcut.command is Command.ACCEPT_SUGGESTION:  # the list's own key
                if fired.get(shortcut.command, 0) != before or len(called) != calls + 1:
                    missed.append((name, shortcut.key))
            elif fired.get(shortcut.command, 0) - before != 1:
                missed.append((name, shortcut.key))
    assert not missed
    assert len(checked) == len(_focus_spots(w)) * len(SHORTCUTS)  # every key, from every spot
