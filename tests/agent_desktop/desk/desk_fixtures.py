"""A seat, a clock and a few call paths for the seat session's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor, Role
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import CallState, ConferenceParty
from agent_desktop.desk.intents import DeskIntent
from agent_desktop.desk.session import DeskSettings, DeskState, feed, start

CIPHER = FieldCipher.generate()
AGENT = Actor("agent-7", Role.AGENT, seat="1001")
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday morning
CALL = "1741510800.42"
NUMBER = "13812348000"


def settings(**changes: object) -> DeskSettings:
    return DeskSettings(actor=AGENT, cipher=CIPHER, **changes)  # type: ignore[arg-type]


class Seat:
    """Feeds a session step by step with a clock that moves one second per event; keeps every intent."""

    def __init__(self, state: DeskState | None = None, *, at: datetime = T0, **settings_changes: object) -> None:
        self.state = state or start(settings(**settings_changes))
        self.now = at
        self.intents: list[DeskIntent] = []

    def __call__(self, event: ev.DeskEvent, *, after_s: float = 1.0) -> list[DeskIntent]:
        self.now += timedelta(seconds=after_s)
        self.state, intents = feed(self.state, event, self.now)
        self.intents += intents
        return intents

    def of(self, kind: type) -> list:
        return [i for i in self.intents if isinstance(i, kind)]

    @property
    def call(self):
        return self.state.call(CALL)


# The PBX events that take a fresh call into each state, from nothing.
PATHS: dict[CallState, tuple[ev.DeskEvent, ...]] = {
    CallState.OFFERED: (ev.CallOffered(CALL, NUMBER, "王"),),
    CallState.RINGING: (ev.CallOffered(CALL, NUMBER, "王"), ev.CallRinging(CALL)),
    CallState.TALKING: (ev.CallOffered(CALL, NUMBER, "王"), ev.CallRinging(CALL), ev.CallAnswered(CALL)),
}
PATHS[CallState.HELD] = (*PATHS[CallState.TALKING], ev.CallHeld(CALL))
PATHS[CallState.CONFERENCE] = (*PATHS[CallState.TALKING], ev.ConferencePartyJoined(CALL, ConferenceParty.CALLER),
                               ev.ConferencePartyJoined(CALL, ConferenceParty.AGENT))
PATHS[CallState.CONFERENCE_WITH_UNIT] = (*PATHS[CallState.CONFERENCE],
                                         ev.ConferencePartyJoined(CALL, ConferenceParty.UNIT, "073188880000"))
PATHS[CallState.ENDED] = (*PATHS[CallState.TALKING], ev.CallEnded(CALL))


def seat_with_call_in(state: CallState, *, connected: bool = True) -> Seat:
    seat = Seat()
    seat(ev.AmiConnectionRestored())
    seat(ev.QueueLoggedIn())
    for event in PATHS[state]:
        seat(event)
    if not connected:
        seat(ev.AmiConnectionLost())
    assert seat.call.state is state
    return seat
