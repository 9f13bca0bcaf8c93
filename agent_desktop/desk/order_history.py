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
from agent_desktop.core.work_order import HistoryEntry, OrderState, WorkOrder

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
        for name, old, new in entry.changes:
            if name == "state":
                # a state this build does not know: keep the last one known
                with contextlib.suppress(ValueError):
                    state = OrderState(new)
            if name in _QUIET_FIELDS:
                continue
            changes.append((_FIELD_ZH.get(name, name), _shown(old, anonymous), _shown(new, anonymous)))
        where = entry.unit or entry.seat
        actor = f"{entry.actor_id}({where})" if where else entry.actor_id
        steps.append(HistoryStep(
            at=entry.at, action=entry.action, action_zh=action_zh(entry.action), actor=actor, role=entry.role,
            note=_shown(entry.note, anonymous), state_after=state, changes=tuple(changes),
        ))
    return tuple(steps)


def _shown(text: str, anonymous: bool) -> str:
    if not anonymous or not text:
        return text
    return _DIGIT_RUN.sub(lambda m: mask_phone(m.group(0)), text)
