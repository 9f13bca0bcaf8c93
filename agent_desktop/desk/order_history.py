"""An order's 工作流转单 as a seat reads it (第14条, 第39条): one step per history entry, with who, when, what, the
note and the state the order was in after the step.

The history keeps (field, old, new) in display form (`work_order.describe`), where a caller's personal fields are
already masked; the state after each step is read from its ("state", old, new) change (an order opens in 受理中).
For an anonymous caller (第15条) a note or a change written by hand could still hold a number, so in that case every
run of 7 to 12 digits in the shown text that stands alone (not a date, a call's uniqueid or part of an id) is masked
as a phone number.

Pure: the core only; no clock, no I/O.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agent_desktop.core.lifecycle import action_zh
from agent_desktop.core.masks import mask_phone
from agent_desktop.core.privacy import display_caller
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import Category, HistoryEntry, OrderState, Rating, WorkOrder

# a mobile or landline number (with or without its area code); not a date (2026-10-08), nor a call's uniqueid
# (1741510800.42), nor the digits of an id like WO-1741510800 or an order number like 20261207-8001-0007
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z.\-])(?:0[0-9]{2,3}-)?[0-9]{7,12}(?![0-9]|[.\-][0-9])")
_FIELD_ZH = {
    "state": "状态", "caller": "诉求人", "category": "诉求类型", "district": "区县", "street": "街道",
    "address": "地址", "description": "诉求内容", "urgency": "紧急程度", "lead_unit": "牵头单位",
    "co_units": "会同单位", "answer_text": "答复内容", "kb_answer_ref": "知识库条目", "calls": "通话",
    "not_accepted_reason": "不予受理理由", "not_accepted_basis": "不予受理依据", "reply_means": "答复方式",
    "reply_due": "答复期限", "sign_due": "签收期限", "due": "办理期限", "revisit_due": "回访期限",
    "rating": "满意度",
}
# bookkeeping fields that repeat what the action already says; shown only in the step's tooltip
_QUIET_FIELDS = frozenset({"state", "history", "dispatched_at", "signed_at", "completed_at", "rated_at",
                           "replied_at", "responded_at", "return_due", "response_due", "rating_deadline"})


@dataclass(frozen=True, slots=True)
class HistoryStep:
    at: datetime
    action: str  # the lifecycle's action name
    action_zh: str
    actor: str  # user id, with the seat or unit it acted from
    role: Role
    note: str
    state_after: OrderState
    changes: tuple[tuple[str, str, str], ...] = ()  # (field in Chinese where known, old, new), masked as needed
    shown: tuple[ShownChange, ...] = ()  # the same changes in words (`shown_change`), for a screen

    @property
    def changes_text(self) -> str:
        return ";".join(f"{name}:{old} → {new}" if old else f"{name}:{new}" for name, old, new in self.changes)


@dataclass(frozen=True, slots=True)
class OrderHistoryView:
    order_id: str
    state: OrderState
    caller_shown: str  # the number, masked for an anonymous caller
    caller_name_shown: str
    anonymous: bool
    steps: tuple[HistoryStep, ...]


def history_view_of(order_id: str, state: OrderState, entries: Iterable[HistoryEntry]) -> OrderHistoryView:
    """The view of a history handed out without its order (the seat desk's `OrderHistory`): the caller is not known,
    so every number in the text is masked as for an anonymous caller — the history never needs a number in plain."""
    return OrderHistoryView(order_id=order_id, state=state, caller_shown="", caller_name_shown="", anonymous=False,
                            steps=history_steps(entries, anonymous=True))


def history_view(order: WorkOrder) -> OrderHistoryView:
    anonymous = order.caller.is_anonymous
    shown = display_caller(order.caller)
    return OrderHistoryView(
        order_id=order.order_id,
        state=order.state,
        caller_shown=shown["phone"],
        caller_name_shown=shown["name"],
        anonymous=anonymous,
        steps=history_steps(order.history, anonymous=anonymous),
    )


def history_steps(entries: Iterable[HistoryEntry], *, anonymous: bool) -> tuple[HistoryStep, ...]:
    state = OrderState.INTAKE
    steps: list[HistoryStep] = []
    for entry in entries:
        changes = []
        shown = []
        for name, old, new in entry.changes:
            if name == "state":
                # a state this build does not know: keep the last one known
                with contextlib.suppress(ValueError):
                    state = OrderState(new)
            if name in _QUIET_FIELDS:
                continue
            changes.append((_FIELD_ZH.get(name, name), _shown(old, anonymous), _shown(new, anonymous)))
            shown.append(shown_change(name, _shown(old, anonymous), _shown(new, anonymous)))
        where = entry.unit or entry.seat
        actor = f"{entry.actor_id}({where})" if where else entry.actor_id
        steps.append(HistoryStep(
            at=entry.at, action=entry.action, action_zh=action_zh(entry.action), actor=actor, role=entry.role,
            note=shown_note(_shown(entry.note, anonymous)), state_after=state, changes=tuple(changes),
            shown=tuple(shown),
        ))
    return tuple(steps)


def _shown(text: str, anonymous: bool) -> str:
    if not anonymous or not text:
        return text
    return _DIGIT_RUN.sub(lambda m: mask_phone(m.group(0)), text)


# --- what a change shows: every value in words, never an enum's value, an ISO time or a record's repr ---------------

# (label, value, is_domain): `label` a field name in Chinese ("" for none); `value` the text; `is_domain` when the
# value is one of the domain's words below (a screen may translate it), not data (a unit's name, a reason typed)
ShownPart = tuple[str, str, bool]


@dataclass(frozen=True, slots=True)
class ShownChange:
    """One field a step changed, as a screen shows it: its name, the parts of the old and the new value."""

    field: str  # Chinese
    old: tuple[ShownPart, ...]
    new: tuple[ShownPart, ...]
    added: bool = False  # records appended to a list (a return request, a revisit ...): `new` holds only those


VALUE_ZH: dict[str, dict[str, str]] = {
    "urgency": {"normal": "一般", "emergency": "紧急"},
    "reply_means": {"callback": "电话回复", "three_way": "三方通话", "sms": "短信"},
    "kind": {"inbound": "来电", "callback": "回拨", "three_way": "三方通话", "survey": "回访外呼"},
    "channel": {"phone": "电话", "web": "网站", "app": "移动端", "other": "其他", "automated_call": "自动语音回访",
                "sms": "短信回访", "manual": "人工回访"},
    "outcome": {"solved": "已解决", "explained": "已解释说明", "in_progress": "正在办理"},
    "state": {"pending": "待审核", "approved": "已同意", "rejected": "已驳回", "withdrawn": "已撤回"},
    "means": {"phone_chase": "电话催办", "unannounced_visit": "暗访督办", "letter": "督办函", "meeting": "会议督办",
              "other": "其他"},
    "trigger": {"1": "超期未办结", "2": "热点难点问题", "3": "重办后仍不满意", "4": "政府交办", "5": "媒体曝光",
                "6": "社会影响严重", "7": "法规规定的其他情形"},
    "appeal_reason": {"1": "与录音不符", "2": "回访人员诱导", "3": "正常办理时限内", "4": "回访时提出新诉求",
                      "5": "虚假、政策性或恶意诉求"},
    "bool": {"True": "是", "False": "否"},
}
VALUE_ZH["rating"] = {r.value: r.zh for r in Rating}
VALUE_ZH["category"] = {c.value: c.zh for c in Category}
# the order's own fields whose values are words of one of the lists above
_FIELD_VALUES = {"urgency": "urgency", "reply_means": "reply_means", "rating": "rating", "category": "category",
                 "channel": "channel", "rating_excluded": "bool"}
# a record's fields worth reading, in order, with their Chinese names (the others are bookkeeping)
RECORD_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "ReturnRequest": (("reason", "理由"), ("state", "审核"), ("decision_note", "审核意见")),
    "ExtensionRequest": (("working_days", "延期工作日"), ("reason", "理由"), ("state", "审核"),
                         ("decision_note", "审核意见"), ("new_due", "新期限")),
    "CompletionReport": (("handled_by", "办理单位"), ("process", "办理过程"), ("result", "办理结果"),
                         ("outcome", "办理结果类型")),
    "Coordination": (("reason", "理由"), ("decision", "协调结果")),
    "CoordinationDecision": (("lead_unit", "牵头单位"), ("keywords", "关键词"), ("basis", "依据")),
    "RevisitRecord": (("channel", "方式"), ("rating", "评价"), ("deemed", "视为评价"), ("note", "说明")),
    "Appeal": (("reason", "申诉理由"), ("evidence", "证据"), ("state", "审核")),
    "SupervisionRecord": (("trigger", "督办情形"), ("means", "督办方式"), ("deadline", "期限"), ("note", "说明"),
                          ("outcome", "结果")),
    "CallLink": (("kind", "类型"), ("at", "时间")),
}
_RECORD_VALUES = {("Appeal", "reason"): "appeal_reason", ("RevisitRecord", "deemed"): "bool"}
# notes the lifecycle writes itself (in English, or half): what a seat reads instead
NOTE_ZH = {
    "referred to coordination": "转协调处理",
    "completed before review": "审核前已办结",
    "no rating within 72 hours: deemed 基本满意": "72小时内未评价,视为基本满意",
}
_LATE = re.compile(r"late: deadline was (\S+)")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?$")
_RECORD = re.compile(r"^([A-Z][A-Za-z]*)\((.*)\)$", re.S)


def shown_note(note: str) -> str:
    """A note as a seat reads it: the lifecycle's own English notes in Chinese; a person's words as written."""
    parts = []
    for part in (p.strip() for p in note.split("; ")) if note else ():
        late = _LATE.fullmatch(part)
        if late:
            parts.append(f"逾期办理(期限 {_time(late.group(1))})")
        elif part.startswith("自动回访失败: "):
            parts.append("自动回访失败:" + part.removeprefix("自动回访失败: "))
        else:
            parts.append(NOTE_ZH.get(part, part))
    return ";".join(parts)


def shown_change(name: str, old: str, new: str) -> ShownChange:
    field = _FIELD_ZH.get(name, _EXTRA_FIELD_ZH.get(name, name))
    if new.startswith("+ "):
        return ShownChange(field, (), _values(name, new[2:]), added=True)
    if not old:
        # records of a list changed in place come as one text, "old → new" for each (core.lifecycle._diff)
        pairs = [_split_top(item, " → ") for item in _split_top(new, "; ")]
        if pairs and all(len(pair) == 2 for pair in pairs):
            old, new = "; ".join(p[0] for p in pairs), "; ".join(p[1] for p in pairs)
    old_parts, new_parts = _values(name, old), _values(name, new)
    if _is_record(old) and _is_record(new):
        old_parts, new_parts = _record_difference(old, new)
    return ShownChange(field, old_parts, new_parts)


_EXTRA_FIELD_ZH = {
    "channel": "受理渠道", "created_at": "受理时间", "legal_limit_wd": "法定办理时限(工作日)",
    "taken_by_unit": "签收单位", "returns": "退回申请", "extensions": "延期申请", "completion": "办结反馈",
    "revisits": "回访记录", "appeals": "申诉", "rating_excluded": "不计入满意度", "redo_count": "重办次数",
    "supervisions": "督办", "coordination": "协调", "appeal_due": "申诉期限", "order_id": "工单号",
}


def _values(name: str, text: str) -> tuple[ShownPart, ...]:
    if not text:
        return ()
    if name == "caller":
        return _caller(text)
    parts: list[ShownPart] = []
    for item in _split_top(text, "; "):
        record = _RECORD.match(item)
        if record:
            parts += _record_parts(record.group(1), _record_fields(record.group(2)))
        else:
            parts.append(_value(_FIELD_VALUES.get(name), item))
    return tuple(parts)


def _value(kind: str | None, text: str) -> ShownPart:
    if _ISO.match(text):
        return ("", _time(text), False)
    words = VALUE_ZH.get(kind or "", {})
    if text in words:
        return ("", words[text], True)
    return ("", text, False)


def _record_parts(kind: str, fields: dict[str, str]) -> list[ShownPart]:
    out: list[ShownPart] = []
    for key, label in RECORD_FIELDS.get(kind, ()):
        value = fields.get(key, "")
        if not value or value == "False":  # a flag not set says nothing
            continue
        nested = _RECORD.match(value)
        if nested:
            out += _record_parts(nested.group(1), _record_fields(nested.group(2)))
            continue
        words = _RECORD_VALUES.get((kind, key), key)
        _, text, domain = _value(words, shown_note(value) if key == "decision_note" else value)
        out.append((label, text, domain))
    return out


def _record_difference(old: str, new: str) -> tuple[tuple[ShownPart, ...], tuple[ShownPart, ...]]:
    """Two versions of the same records (a request decided, a revisit rated): only what changed, on both sides."""
    olds, news = _split_top(old, "; "), _split_top(new, "; ")
    before: list[ShownPart] = []
    after: list[ShownPart] = []
    for o, n in zip(olds, news, strict=False):
        mo, mn = _RECORD.match(o), _RECORD.match(n)
        if not (mo and mn):
            continue
        fo, fn = _record_fields(mo.group(2)), _record_fields(mn.group(2))
        changed = {k for k in fn.keys() | fo.keys() if fo.get(k) != fn.get(k)}
        kind = mn.group(1)
        keys = [k for k, _ in RECORD_FIELDS.get(kind, ()) if k in changed]
        before += _record_parts(kind, {k: fo.get(k, "") for k in keys})
        after += _record_parts(kind, {k: fn.get(k, "") for k in keys})
    return tuple(before), tuple(after)


def _caller(text: str) -> tuple[ShownPart, ...]:
    labels = {"phone": "电话", "name": "姓名", "form_of_address": "称呼", "address": "地址", "id_number": "证件号",
              "email": "邮箱"}
    out: list[ShownPart] = []
    for item in _split_top(text, ", "):
        if item == "anonymous":
            out.append(("", "匿名", True))
            continue
        key, _, value = item.partition("=")
        out.append((labels.get(key, key), value, False))
    return tuple(out)


def _is_record(text: str) -> bool:
    return bool(text) and all(_RECORD.match(item) for item in _split_top(text, "; "))


def _record_fields(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in _split_top(body, ", "):
        key, sep, value = item.partition("=")
        if sep:
            fields[key.strip()] = value
    return fields


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside parentheses."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(separator, i):
            out.append(text[start:i])
            i += len(separator)
            start = i
            continue
        i += 1
    out.append(text[start:])
    return [item for item in out if item]


def _time(text: str) -> str:
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text
