"""A refused step in the seat's language: each refusal a seat agent can meet from the window — the order's steps
(保存, 派单 with lead and co-units, 不予受理, 直接答复, 承诺回复, 紧急), the call and seat actions (AMI down, callback
during a call, a pause without its reason) and the centre's rejection that comes back through sync — is worded from
its code and details as a Chinese sentence naming its article, and as an English one with the English translation;
the core's English message never reaches the Chinese window.

The window is the real MainWindow, driven by its keys where the agent has a key, fed by the pure seat session
(tests/ui/desk_loop.py), whose refusals become notices exactly as SeatDesk makes them (`refusal_notice`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from agent_desktop.core.work_order import Rating
from agent_desktop.desk import CallAction, DraftField, SeatAction
from agent_desktop.desk import events as ev
from agent_desktop.seat import Notice, NoticeKind
from tests.ui import desk_loop as dl
from ui.main_window import MainWindow
from ui.qt import QCoreApplication, Qt
from ui.refusals import is_known
from ui.theme import install_translation
from ui.values import DirectoryEntry

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CTRL = Qt.KeyboardModifier.ControlModifier
DIRECTORY = (DirectoryEntry("岳麓区住建局", dl.UNIT_NUMBER),)
LEAD = "岳麓区住建局"
DESCRIPTION = "小区门口工地夜间施工至十二点,噪音扰民"


@dataclass(frozen=True)
class Case:
    code: str
    article: str | None  # the rule as the core names it
    zh: str  # a part of the Chinese sentence
    en: str  # a part of the English one
    act: Callable[[dl.DeskLoop, MainWindow, object], None]


def _fill(loop: dl.DeskLoop, **values: str) -> None:
    for name, value in values.items():
        loop.feed(ev.EditField(dl.CALL, DraftField(name), value))


def _key(key: Qt.Key) -> Callable[[dl.DeskLoop, MainWindow, object], None]:
    def press(loop: dl.DeskLoop, window: MainWindow, qtbot) -> None:
        qtbot.keyClick(window, key, CTRL)

    return press


Act = Callable[[dl.DeskLoop, MainWindow, object], None]


def _then(setup: Callable[[dl.DeskLoop, MainWindow], None], action: Act) -> Act:
    def run(loop: dl.DeskLoop, window: MainWindow, qtbot) -> None:
        setup(loop, window)
        action(loop, window, qtbot)

    return run


def _send(event_of: Callable[[], object]) -> Callable[[dl.DeskLoop, MainWindow, object], None]:
    return lambda loop, window, qtbot: loop.send(event_of())


def _no_category(loop, window) -> None:
    _fill(loop, description=DESCRIPTION, lead_unit=LEAD)


def _complete(loop, window) -> None:
    _fill(loop, category="投诉", description=DESCRIPTION, lead_unit=LEAD)


def _answer_without_category(loop, window) -> None:
    _no_category(loop, window)
    window.form.answer.setPlainText("施工许可可在住建局网站查询")


def _co_unit_is_lead(loop, window) -> None:
    _complete(loop, window)
    window.form.co_units.setText(LEAD)


def _emergency(loop, window) -> None:
    _complete(loop, window)
    loop.feed(ev.FlagUrgent(dl.CALL, True))


def _ami_lost(loop, window, qtbot) -> None:
    loop.feed(ev.AmiConnectionLost("socket closed"))
    loop.send(ev.RequestCallAction(dl.CALL, CallAction.HOLD))  # a stale button


def _centre_rejects(loop, window, qtbot) -> None:
    """Dispatched at the seat; the centre refuses the step (the order moved on there): its code and article come
    back through sync as the seat's Notice and the order's rejection."""
    _complete(loop, window)
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL)
    order_id = loop.state.call(dl.CALL).order_id
    message = "cannot dispatch a work order in state dispatched"
    loop.feed(ev.OrderRejected(order_id, "wrong_state", message, "第16条(二)"))
    window.show_notice(Notice(NoticeKind.ORDER_REJECTED, "wrong_state", message, "第16条(二)", order_id=order_id))


def _telephony(code: str, text: str, /, **details: str) -> Act:
    """Asterisk refused a call action: SeatDesk's Notice of the TelephonyError, English message and all."""

    def run(loop, window, qtbot) -> None:
        notice = Notice(NoticeKind.TELEPHONY, code, text, call_id=dl.CALL, details=details)
        loop.notices.append(notice)
        window.show_notice(notice)

    return run


CASES = {
    "dispatch without category": Case("category_required", "第12条", "请先填写诉求类型,再派单",
                                      "Set the category before “Dispatch”",
                                      _then(_no_category, _key(Qt.Key.Key_D))),
    "promise without category": Case("category_required", "第12条", "请先填写诉求类型,再承诺答复",
                                     "Set the category before", _then(_no_category, _key(Qt.Key.Key_P))),
    "reply directly without category": Case("category_required", "第12条", "请先填写诉求类型,再在线答复",
                                            "Set the category before",
                                            _then(_answer_without_category, _key(Qt.Key.Key_R))),
    "save with an unknown category": Case("unknown_category", "第12条", "诉求类型“噪音”不在规定的类型中",
                                          "“噪音” is not one of the categories",
                                          _then(lambda loop, w: _fill(loop, category="噪音"), _key(Qt.Key.Key_S))),
    "dispatch without description": Case("description_required", "第14条", "派单前须填写诉求内容",
                                         "Describe the matter before dispatching it",
                                         _then(lambda loop, w: _fill(loop, category="投诉", lead_unit=LEAD),
                                               _key(Qt.Key.Key_D))),
    "dispatch without lead unit": Case("missing_lead_unit", "第16条", "派单须选定主办单位",
                                       "Dispatching needs a lead unit",
                                       _then(lambda loop, w: _fill(loop, category="投诉", description=DESCRIPTION),
                                             _key(Qt.Key.Key_D))),
    "lead unit also co-unit": Case("lead_unit_also_co_unit", "第16条", "不能同时是主办单位和协办单位",
                                   "cannot be both lead unit and co-unit", _then(_co_unit_is_lead, _key(Qt.Key.Key_D))),
    "promise on an emergency": Case("emergency_dispatch_required", "第16条", "紧急诉求须立即派单",
                                    "An emergency is dispatched at once", _then(_emergency, _key(Qt.Key.Key_P))),
    "not accept without reason": Case("not_accept_reason_required", "第13–14条", "不予受理须选择第十三条规定的一项理由",
                                      "Not accepting needs one of the reasons of Art. 13",
                                      _send(lambda: ev.NotAcceptOrder(dl.CALL))),
    "centre rejects the dispatch": Case("wrong_state", "第16条(二)", "工单的状态已经改变",
                                        "The order's state has changed", _centre_rejects),
    "call action with AMI down": Case("ami_down", None, "与交换机(AMI)的连接已断开,暂不能保持",
                                      "The connection to the PBX (AMI) is down", _ami_lost),
    "callback during a call": Case("callback_on_a_call", None, "通话中不能回拨", "No callback during a call",
                                   _send(lambda: ev.RequestSeatAction(SeatAction.CALLBACK, order_id="WO-1"))),
    "transfer refused by Asterisk": Case("transfer_failed", None, "转接失败,通话仍在本坐席", "Transfer failed",
                                         _telephony("transfer_failed", "BlindTransfer refused by Asterisk: No such "
                                                    "channel", action="BlindTransfer", message="No such channel")),
    "pause refused by Asterisk": Case("pause_failed", None, "未能切换小休或就绪状态", "could not switch",
                                      _telephony("pause_failed", "QueuePause refused by Asterisk: Interface not found",
                                                 action="QueuePause", message="Interface not found")),
    "hold refused by Asterisk": Case("hold_failed", None, "保持或恢复通话失败", "Hold or resume failed",
                                     _telephony("hold_failed", "Redirect refused by Asterisk", action="Redirect")),
    "callback originate refused": Case("callback_failed", None, "回拨未能发起", "The callback could not be placed",
                                       _telephony("callback_failed", "Originate refused by Asterisk: Permission "
                                                  "denied", action="Originate")),
    "unit unreachable in a three-way": Case("conference_unit_unreachable", None, "承办单位未接通",
                                            "The unit did not answer",
                                            _telephony("conference_unit_unreachable", "the unit 0731 was not reached "
                                                       "(busy); caller and agent stay in conference 91234567")),
    "playback not answered": Case("playback_not_answered", None, "本机话机未接听,回访录音没有播放",
                                  "did not answer", _telephony("playback_not_answered", "the seat's phone did not "
                                                               "answer the playback (no_answer)")),
    "revisit rating changed without its reason": Case(
        "reason_required", "第26条", "更改回访评价须写明人工回访核实的原因", "Changing the rating needs the reason",
        _send(lambda: ev.RecordRevisit("WO-1", Rating.SATISFIED, " "))),
    "pause without a reason": Case("missing_pause_reason", None, "小休须选择原因", "A pause needs its reason",
                                   _send(lambda: ev.RequestSeatAction(SeatAction.PAUSE))),
}


@pytest.fixture(params=["zh_CN", "en"])
def language(request, qapp) -> Iterator[str]:
    translator = install_translation(qapp, request.param) if request.param == "en" else None
    assert request.param == "zh_CN" or translator is not None
    yield request.param
    if translator is not None:
        QCoreApplication.removeTranslator(translator)


@pytest.fixture
def desk(qtbot, language):
    loop = dl.DeskLoop()
    window = MainWindow(loop.send, seat="1001", phone="PJSIP/1001", directory=DIRECTORY, clock=loop.clock)
    loop.listeners.append(window.render)
    loop.notice_listeners.append(window.show_notice)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    loop.window = window
    dl.talking(loop)
    return loop


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_refused_step_is_worded_in_the_seats_language_with_its_article(desk, language, qtbot, case) -> None:
    c = CASES[case]
    window: MainWindow = desk.window
    c.act(desk, window, qtbot)
    if c.code != "wrong_state":
        assert desk.notices, "the step was not refused"
        notice = desk.notices[-1]
        assert (notice.code, notice.article) == (c.code, c.article), notice
        assert is_known(notice.code)
    shown = window.form.refusal_text()
    assert window.form.refusal.isVisible()
    core_message = desk.notices[-1].text if desk.notices else "cannot dispatch a work order"
    assert core_message not in shown  # the core's English message is for the log, not the window
    if language == "zh_CN":
        assert c.zh in shown, shown
        if c.article:
            assert f"(依据 {c.article})" in shown, shown
    else:
        assert c.en in shown, shown
        assert not CJK.search(shown.replace("噪音", "").replace(LEAD, "")), shown  # only the agent's typing is Chinese
        if c.article:
            article = c.article.replace("第", "Art. ").replace("条", "").replace("(二)", "(2)")
            assert f"(basis: {article})" in shown, shown
    if c.code == "wrong_state":  # the order's line says it too, as the centre's rejection
        line = window.form.order_label.text()
        assert (c.zh if language == "zh_CN" else c.en) in line, line


def test_a_code_the_window_does_not_know_shows_the_cores_message(desk) -> None:
    window = desk.window
    window.show_notice(Notice(NoticeKind.TELEPHONY, "some_new_adapter_error", "the adapter said no", None))
    assert "the adapter said no" in window.form.refusal_text()
