"""Desk states for the widget tests, built by feeding real desk events through the pure seat session, and a loop
that feeds the window's intents back into it (what SeatDesk does on the runtime, minus the services): a refused
intent becomes a notice with its rule and article, as SeatDesk reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agent_desktop.core.errors import AgentDesktopError
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState, WorkOrder
from agent_desktop.desk import DeskSettings, DeskState, DraftField, feed, start
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import ConferenceParty
from agent_desktop.seat import refusal_notice

CIPHER = FieldCipher.generate()
AGENT = Actor("agent-7", Role.AGENT, seat="1001")
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday morning
CALL = "1741510800.42"
NUMBER = "13812348000"
UNIT_NUMBER = "073188886666"


@dataclass(frozen=True)
class Notice:
    kind: str
    code: str
    text: str
    article: str | None = None
    details: dict | None = None


class DeskLoop:
    """The seat session fed in order, one second per event; `send` is the window's way in."""

    def __init__(self) -> None:
        self.state: DeskState = start(DeskSettings(actor=AGENT, cipher=CIPHER))
        self.now = T0
        self.sent: list[object] = []
        self.intents: list[object] = []
        self.notices: list = []  # the seat's Notice values
        self.listeners: list = []
        self.notice_listeners: list = []

    def clock(self) -> datetime:
        return self.now

    def feed(self, *events: ev.DeskEvent, after_s: float = 1.0) -> DeskState:
        for event in events:
            self.now += timedelta(seconds=after_s)
            self.state, intents = feed(self.state, event, self.now)
            self.intents += intents
            for listener in self.listeners:
                listener(self.state)
        return self.state

    def send(self, event: object) -> None:
        self.sent.append(event)
        try:
            self.feed(event)  # type: ignore[arg-type]
        except AgentDesktopError as exc:
            notice = refusal_notice(exc, event)  # as SeatDesk reports it: code, details and the rule's article
            self.notices.append(notice)
            for listener in self.notice_listeners:
                listener(notice)


def earlier_order(order_id: str, state: OrderState, days_ago: int, phone_key: str) -> WorkOrder:
    return WorkOrder(order_id, Channel.PHONE, T0 - timedelta(days=days_ago), state=state,
                     caller=Caller(name="王", phone=NUMBER, phone_key=phone_key), category=Category.COMPLAINT,
                     description="小区门口夜间施工噪音扰民")


def offered(loop: DeskLoop, *, history: bool = True) -> DeskState:
    loop.feed(ev.AmiConnectionRestored(), ev.QueueLoggedIn(), ev.CallOffered(CALL, NUMBER, "王女士"))
    if history:
        key = loop.state.call(CALL).pop.phone_key or ""
        orders = (earlier_order("WO-2026-0001", OrderState.SIGNED, 3, key),
                  earlier_order("WO-2026-0002", OrderState.CLOSED, 40, key))
        times = tuple(loop.now - timedelta(minutes=m) for m in range(10, 70, 10))
        loop.feed(ev.CallerHistoryFound(CALL, orders, times, None))
    return loop.state


def talking(loop: DeskLoop) -> DeskState:
    offered(loop)
    return loop.feed(ev.CallRinging(CALL), ev.CallAnswered(CALL))


def with_transcript(loop: DeskLoop) -> DeskState:
    talking(loop)
    loop.feed(ev.TranscriptFinal(CALL, "你好 我 姓 王 住在 岳麓区 望月湖 街道"),
              ev.TranscriptFinal(CALL, "我们 小区 门口 的 工地 每天 晚上 施工 到 十二点 噪音 很大"),
              ev.TranscriptPartial(CALL, "希望 有关 部门"))
    return loop.feed(ev.SuggestionsArrived(CALL, (
        ev.FieldSuggestion(DraftField.CALLER_NAME, "王", "我 姓 王"),
        ev.FieldSuggestion(DraftField.DISTRICT, "岳麓区", "岳麓区"),
        ev.FieldSuggestion(DraftField.STREET, "望月湖街道", "望月湖 街道"),
        ev.FieldSuggestion(DraftField.CATEGORY, "投诉", "噪音 很大"),
        ev.FieldSuggestion(DraftField.DESCRIPTION, "小区门口工地夜间施工至十二点,噪音扰民", "施工 到 十二点"),
        ev.FieldSuggestion(DraftField.LEAD_UNIT, "岳麓区住建局", "工地"),
    )))


def in_conference(loop: DeskLoop) -> DeskState:
    with_transcript(loop)
    return loop.feed(ev.ConferencePartyJoined(CALL, ConferenceParty.CALLER),
                     ev.ConferencePartyJoined(CALL, ConferenceParty.AGENT),
                     ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, UNIT_NUMBER))


def after_call(loop: DeskLoop) -> DeskState:
    with_transcript(loop)
    return loop.feed(ev.CallEnded(CALL), ev.AfterCallWorkStarted())


def type_text(widget, text: str) -> None:
    """Type `text` into a widget as key presses carrying the characters (QTest only types ASCII)."""
    from ui.qt import QEvent, Qt, QtGui, QtWidgets

    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QtGui.QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QtWidgets.QApplication.sendEvent(widget, event)
