"""A refusal in the window's language: the error's stable `code` and its `details` (action, state, field, unit,
value, deadline) worded as one sentence through Qt's translation (context "Refusal"; English in the .ts/.qm).

The core and the desk keep their English messages for the log and the CLI; the window never shows them unless the
code is one this table does not know (a new adapter's error, say), and then the message is shown as it came. The
rule's article is not part of the sentence: the form adds it, "(依据 第12条)", through `OrderForm.basis_of`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent_desktop.core.lifecycle import action_zh
from agent_desktop.core.work_order import OrderState
from agent_desktop.desk.calls import CallAction, CallState, QueueState, SeatAction
from agent_desktop.desk.form import DraftField
from agent_desktop.desk.session import OrderAction
from ui.domain_text import domain
from ui.qt import QT_TRANSLATE_NOOP, QCoreApplication

_ZONE = ZoneInfo("Asia/Shanghai")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Refusal", text)


def _enum_word(value: str, *enums: type) -> str | None:
    for enum in enums:
        try:
            return enum(value).zh
        except ValueError:
            continue
    return None


def _action(details: Mapping[str, Any]) -> str:
    """The step the agent asked for, in the window's words ("" when the error does not name it)."""
    value = str(details.get("action") or "")
    if not value:
        return ""
    word = _enum_word(value, OrderAction, CallAction, SeatAction)
    if word is None:
        word = action_zh(value)
    return domain(word)


def _state(details: Mapping[str, Any], key: str = "state") -> str:
    value = str(details.get(key) or "")
    if not value:
        return ""
    if value == "draft":
        return domain("草稿")
    return domain(_enum_word(value, OrderState, CallState, QueueState) or value)


_FIELD_WORDS = {"co_units": "协办单位", "answer_text": "答复内容", "number": "号码", "reason": "原因"}


def _field(details: Mapping[str, Any]) -> str:
    value = str(details.get("field") or "")
    word = _enum_word(value, DraftField) or _FIELD_WORDS.get(value, value)
    return domain(word) if word else ""


def _fill(text: str, *values: str) -> str:
    for i, value in enumerate(values, start=1):
        text = text.replace(f"%{i}", value)
    return text


def _wrong_state(d: Mapping[str, Any]) -> str:
    state, action = _state(d), _action(d)
    if state and action:
        return _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "工单当前为“%1”,不能%2")), state, action)
    return _tr(QT_TRANSLATE_NOOP("Refusal", "工单的状态已经改变,不能执行这一步"))


def _call_action(d: Mapping[str, Any]) -> str:
    state, action = _state(d), _action(d)
    if state and action:
        return _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "通话处于“%1”,不能%2")), state, action)
    if action:
        return _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "当前通话不能%1")), action)
    return _tr(QT_TRANSLATE_NOOP("Refusal", "当前通话不能执行这一操作"))


def _seat_action(d: Mapping[str, Any]) -> str:
    queue, action = _state(d, "queue"), _action(d)
    if queue and action:
        return _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "坐席处于“%1”,不能%2")), queue, action)
    return _tr(QT_TRANSLATE_NOOP("Refusal", "坐席当前状态不能执行这一操作"))


def _order_action(d: Mapping[str, Any]) -> str:
    state, action = _state(d), _action(d)
    if state and action:
        return _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "工单为“%1”,不能%2")), state, action)
    return _tr(QT_TRANSLATE_NOOP("Refusal", "工单当前不能执行这一步"))


def _one(pick: Callable[[Mapping[str, Any]], str], template: str, fallback: str) -> Callable[[Mapping[str, Any]], str]:
    """A sentence naming the one detail `pick` reads from the error (the step, the state, the field, what the agent
    typed), or `fallback` when the error does not give it."""

    def words(d: Mapping[str, Any]) -> str:
        value = pick(d)
        return _fill(_tr(template), value) if value else _tr(fallback)

    return words


def _typed(d: Mapping[str, Any]) -> str:
    """What the agent typed or picked (data: shown as typed)."""
    return str(d.get("value") or d.get("unit") or "").strip()


def _value(template: str, fallback: str) -> Callable[[Mapping[str, Any]], str]:
    return _one(_typed, template, fallback)


def _fixed(text: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda d: _tr(text)


_ami_down = _one(_action, QT_TRANSLATE_NOOP("Refusal", "与交换机(AMI)的连接已断开,暂不能%1"),
                 QT_TRANSLATE_NOOP("Refusal", "与交换机(AMI)的连接已断开,通话操作暂不可用"))
_category_required = _one(_action, QT_TRANSLATE_NOOP("Refusal", "请先填写诉求类型,再%1"),
                          QT_TRANSLATE_NOOP("Refusal", "请先填写诉求类型"))
_role = _one(_action, QT_TRANSLATE_NOOP("Refusal", "本坐席的角色无权%1"),
             QT_TRANSLATE_NOOP("Refusal", "本坐席的角色无权执行这一步"))
_not_lead = _one(_action, QT_TRANSLATE_NOOP("Refusal", "只有主办单位可以%1"),
                 QT_TRANSLATE_NOOP("Refusal", "只有主办单位可以执行这一步"))
_form_closed = _one(_state, QT_TRANSLATE_NOOP("Refusal", "工单已是“%1”,表单不能再修改"),
                    QT_TRANSLATE_NOOP("Refusal", "工单已保存并流转,表单不能再修改"))
_no_suggestion = _one(_field, QT_TRANSLATE_NOOP("Refusal", "“%1”没有可采纳的建议"),
                      QT_TRANSLATE_NOOP("Refusal", "这一栏没有可采纳的建议"))

# every sentence is a QT_TRANSLATE_NOOP literal, so that `pyside6-lupdate` finds it
_SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # the order's steps at the seat (core.lifecycle, desk.session)
    "category_required": _category_required,
    "unknown_category": _value(QT_TRANSLATE_NOOP("Refusal", "诉求类型“%1”不在规定的类型中,请从列表中选择"),
                               QT_TRANSLATE_NOOP("Refusal", "诉求类型不在规定的类型中,请从列表中选择")),
    "description_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "派单前须填写诉求内容")),
    "missing_lead_unit": _fixed(QT_TRANSLATE_NOOP("Refusal", "派单须选定主办单位")),
    "lead_unit_also_co_unit": _value(QT_TRANSLATE_NOOP("Refusal", "“%1”不能同时是主办单位和协办单位"),
                                     QT_TRANSLATE_NOOP("Refusal", "主办单位不能同时是协办单位")),
    "not_accept_reason_required": _fixed(QT_TRANSLATE_NOOP("Refusal",
                                                           "不予受理须选择第十三条规定的一项理由,并向诉求人告知依据")),
    "unknown_not_accept_reason": _value(QT_TRANSLATE_NOOP("Refusal",
                                                          "不予受理理由“%1”无效,请从第十三条的八项理由中选择"),
                                        QT_TRANSLATE_NOOP("Refusal", "不予受理理由无效,请从第十三条的八项理由中选择")),
    "answer_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "直接答复须填写答复诉求人的内容")),
    "consent_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "承诺稍后答复须经诉求人同意,否则请派单")),
    "emergency_dispatch_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "紧急诉求须立即派单,不能承诺稍后答复")),
    "unknown_urgency": _value(QT_TRANSLATE_NOOP("Refusal", "紧急程度“%1”无效,应为一般或紧急"),
                              QT_TRANSLATE_NOOP("Refusal", "紧急程度无效,应为一般或紧急")),
    "wrong_state": _wrong_state,
    "role_not_allowed": _role,
    "not_lead_unit": _not_lead,
    "unsealed_personal_data": _fixed(QT_TRANSLATE_NOOP("Refusal", "保密诉求人的个人信息须加密后才能保存")),
    "form_closed": _form_closed,
    "order_action_not_allowed": _order_action,
    "call_still_live": _fixed(QT_TRANSLATE_NOOP("Refusal", "通话尚未结束,结束后才能放弃草稿")),
    "no_suggestion": _no_suggestion,
    # calls and the seat (desk.session, telephony)
    "ami_down": _ami_down,
    "ami_connection_lost": _ami_down,
    "call_action_not_allowed": _call_action,
    "seat_action_not_allowed": _seat_action,
    "callback_on_a_call": _fixed(QT_TRANSLATE_NOOP("Refusal", "通话中不能回拨,请先结束当前通话")),
    "missing_number": _fixed(QT_TRANSLATE_NOOP("Refusal", "请先选择或输入要拨打的号码")),
    "missing_pause_reason": _fixed(QT_TRANSLATE_NOOP("Refusal", "小休须选择原因")),
    "missing_order": _fixed(QT_TRANSLATE_NOOP("Refusal", "请先选定一张工单")),
    "no_number": _fixed(QT_TRANSLATE_NOOP("Refusal", "该工单没有可回拨的号码")),
    "playback_on_a_call": _fixed(QT_TRANSLATE_NOOP("Refusal", "通话中不能播放录音,请先结束当前通话")),
    # Asterisk refused or did not answer a call action (telephony.control; Asterisk's own words stay in the log)
    "queue_login_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "交换机未能签入队列,请稍后重试或联系班长")),
    "queue_logout_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "交换机未能签出队列,请稍后重试")),
    "pause_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "交换机未能切换小休或就绪状态,请稍后重试")),
    "hangup_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "挂断失败:通话可能已经结束")),
    "hold_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "保持或恢复通话失败,请在话机上操作或稍后重试")),
    "transfer_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "转接失败,通话仍在本坐席")),
    "conference_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "三方通话未能建立,通话仍在本坐席")),
    "conference_unit_unreachable": _fixed(QT_TRANSLATE_NOOP(
        "Refusal", "承办单位未接通,诉求人仍与本坐席通话,可稍后再邀请")),
    "callback_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "回拨未能发起,请稍后重试")),
    "recording_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "通话录音未能开始,请报告班长")),
    "playback_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "回访录音未能播放到本机")),
    "playback_not_answered": _fixed(QT_TRANSLATE_NOOP("Refusal", "本机话机未接听,回访录音没有播放")),
    "invalid_recording": _fixed(QT_TRANSLATE_NOOP("Refusal", "回访录音的文件名无效,不能播放")),
    "no_recording": _fixed(QT_TRANSLATE_NOOP("Refusal", "该工单没有自动回访的录音")),
    "invalid_number": _fixed(QT_TRANSLATE_NOOP("Refusal", "号码格式不正确,请检查后重拨")),
    "invalid_channel": _fixed(QT_TRANSLATE_NOOP("Refusal", "找不到通话的线路,通话可能已经结束")),
    "unknown_call": _fixed(QT_TRANSLATE_NOOP("Refusal", "这通电话已经结束")),
    "unknown_order": _fixed(QT_TRANSLATE_NOOP("Refusal", "本坐席没有这张工单")),
    "no_seat": _fixed(QT_TRANSLATE_NOOP("Refusal", "本机未配置坐席话机,不能进行通话操作")),
    "no_store": _fixed(QT_TRANSLATE_NOOP("Refusal", "本机未配置工单存储,不能保存")),
    "ami_not_connected": _ami_down,
    "ami_action_timeout": _fixed(QT_TRANSLATE_NOOP("Refusal", "交换机没有及时响应,操作结果未知,请查看话机后再试")),
    "ami_action_failed": _fixed(QT_TRANSLATE_NOOP("Refusal", "交换机拒绝了这一操作")),
    # the manual return visit (第26条)
    "reason_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "更改回访评价须写明人工回访核实的原因")),
    "revisit_note_required": _fixed(QT_TRANSLATE_NOOP("Refusal", "请记录人工回访时诉求人所述的情况")),
    "unknown_rating": _fixed(QT_TRANSLATE_NOOP("Refusal", "评价应为满意、基本满意或不满意")),
    # the centre's answers to this seat's steps (sync)
    "order_not_found": _fixed(QT_TRANSLATE_NOOP("Refusal", "中心没有这张工单")),
    "order_exists": _fixed(QT_TRANSLATE_NOOP("Refusal", "中心已有同一编号的工单")),
    "not_your_order": _fixed(QT_TRANSLATE_NOOP("Refusal", "这张工单不属于本坐席")),
    "bad_command": _fixed(QT_TRANSLATE_NOOP("Refusal", "中心无法执行这一步:内容不完整或格式有误")),
    "not_sealed": _fixed(QT_TRANSLATE_NOOP("Refusal", "保密诉求人的个人信息未加密,中心拒收")),
    "bad_seal": _fixed(QT_TRANSLATE_NOOP("Refusal", "保密诉求人的个人信息无法解密,中心拒收")),
}


def is_known(code: str) -> bool:
    return code in _SENTENCES


def refusal_sentence(code: str, details: Mapping[str, Any] | None, fallback: str) -> str:
    """The refusal `code` with its `details` as one sentence in the window's language; `fallback` (the core's
    message, or the centre's text) for a code this table does not know. A deadline the step missed follows."""
    words = _SENTENCES.get(code)
    if words is None:
        return fallback or code
    details = details or {}
    sentence = words(details)
    deadline = details.get("deadline")
    if isinstance(deadline, str) and deadline:
        try:
            moment = datetime.fromisoformat(deadline).astimezone(_ZONE)
        except ValueError:
            return sentence
        sentence += _fill(_tr(QT_TRANSLATE_NOOP("Refusal", "(期限 %1)")), moment.strftime("%Y-%m-%d %H:%M"))
    return sentence
