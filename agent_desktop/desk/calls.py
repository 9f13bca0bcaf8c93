"""The desk's view of one call and of the seat in the queue: states, the PBX's events that move them, and the actions
a seat may ask for in each state — all as tables.

Theory of operation
-------------------
A queue call is OFFERED (the screen pop, Asterisk's AgentCalled), RINGING at the agent's phone, then TALKING once
answered. From TALKING the agent may put the caller on HOLD (the caller hears music, the queue bridge is left) and
RESUME (held legs sit in no bridge, so a transfer waits for the resume), transfer the call away (blind
transfer: the seat's leg ends), or start a three-way call: caller and agent
are moved into a ConfBridge room (CONFERENCE) and the responsible unit is rung into it (CONFERENCE_WITH_UNIT when
it joined; back to CONFERENCE when it left or was not reached). With the unit in the room the agent may leave the
conference; the caller and the unit stay. Any live call may be hung up; an ENDED call is after-call work: nothing
can be done to it through Asterisk any more, only its work-order draft is finished.

`CALL_TRANSITIONS` says where each PBX event takes a call; an event the table does not list for the call's state is
the peer's surprise (a late or duplicated AMI event), recorded as an anomaly by the session and never raised.
`CALL_ACTIONS` says which actions Asterisk can carry out in each state — e.g. no hold while ringing (nothing is
bridged yet), no leave-conference outside a conference (there is no room to leave), no transfer from a conference
(BlindTransfer moves the agent's bridge peer, and a ConfBridge has none). Asking for anything else is the local
side's mistake and raises `ActionNotAllowed`. While the AMI connection is down no call or seat action is offered.

Pure: no asyncio, no Qt, no telephony imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from agent_desktop.core.errors import TransitionRefused


class CallState(StrEnum):
    OFFERED = "offered"
    RINGING = "ringing"
    TALKING = "talking"
    HELD = "held"
    CONFERENCE = "conference"  # caller and agent in a ConfBridge room, no unit (yet, or any more)
    CONFERENCE_WITH_UNIT = "conference_with_unit"
    ENDED = "ended"  # after-call work on the draft

    @property
    def zh(self) -> str:
        return _CALL_STATE_ZH[self]

    @property
    def is_live(self) -> bool:
        return self is not CallState.ENDED


_CALL_STATE_ZH = {
    CallState.OFFERED: "来电",
    CallState.RINGING: "振铃",
    CallState.TALKING: "通话中",
    CallState.HELD: "保持",
    CallState.CONFERENCE: "三方会议",
    CallState.CONFERENCE_WITH_UNIT: "三方通话",
    CallState.ENDED: "话后处理",
}

LIVE_CALL_STATES = tuple(s for s in CallState if s.is_live)


class CallEventKind(StrEnum):
    """What the PBX reported about a call, as far as the call's state is concerned."""

    RINGING = "ringing"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    MOVED_TO_CONFERENCE = "moved_to_conference"  # the caller or the agent joined the call's ConfBridge room
    UNIT_JOINED = "unit_joined"
    UNIT_LEFT = "unit_left"
    UNIT_UNREACHABLE = "unit_unreachable"
    TRANSFERRED = "transferred"
    ENDED = "ended"


S, K = CallState, CallEventKind

CALL_TRANSITIONS: Mapping[tuple[CallState, CallEventKind], CallState] = {
    (S.OFFERED, K.RINGING): S.RINGING,
    (S.RINGING, K.RINGING): S.RINGING,  # a phone with two lines rings twice
    (S.OFFERED, K.ANSWERED): S.TALKING,  # a fast answer: the Newstate Ringing came after AgentConnect or never
    (S.RINGING, K.ANSWERED): S.TALKING,
    (S.TALKING, K.HELD): S.HELD,
    (S.HELD, K.HELD): S.HELD,  # both legs of the hold report it
    (S.HELD, K.RESUMED): S.TALKING,
    (S.TALKING, K.MOVED_TO_CONFERENCE): S.CONFERENCE,
    (S.HELD, K.MOVED_TO_CONFERENCE): S.CONFERENCE,  # three-way started from hold: the Redirect takes both legs
    (S.CONFERENCE, K.MOVED_TO_CONFERENCE): S.CONFERENCE,  # caller and agent join one after the other
    (S.CONFERENCE_WITH_UNIT, K.MOVED_TO_CONFERENCE): S.CONFERENCE_WITH_UNIT,
    (S.TALKING, K.UNIT_JOINED): S.CONFERENCE_WITH_UNIT,  # the unit's join overtook the agent's
    (S.CONFERENCE, K.UNIT_JOINED): S.CONFERENCE_WITH_UNIT,
    (S.CONFERENCE_WITH_UNIT, K.UNIT_JOINED): S.CONFERENCE_WITH_UNIT,  # a second unit
    (S.CONFERENCE_WITH_UNIT, K.UNIT_LEFT): S.CONFERENCE,  # the session keeps WITH_UNIT while another unit stays
    (S.CONFERENCE, K.UNIT_UNREACHABLE): S.CONFERENCE,  # caller and agent stay together in the room
    (S.TALKING, K.UNIT_UNREACHABLE): S.TALKING,
    (S.TALKING, K.TRANSFERRED): S.ENDED,
    **{(s, K.ENDED): S.ENDED for s in LIVE_CALL_STATES},
}


class CallAction(StrEnum):
    """The answer side's call actions (the agent's phone answers itself; everything else goes through AMI)."""

    HANG_UP = "hang_up"  # while offered or ringing: decline, the queue offers the call to another seat
    HOLD = "hold"
    RESUME = "resume"
    BLIND_TRANSFER = "blind_transfer"
    THREE_WAY = "three_way"  # bring a unit's number into the call
    LEAVE_CONFERENCE = "leave_conference"

    @property
    def zh(self) -> str:
        return _CALL_ACTION_ZH[self]

    @property
    def needs_number(self) -> bool:
        return self in (CallAction.BLIND_TRANSFER, CallAction.THREE_WAY)


_CALL_ACTION_ZH = {
    CallAction.HANG_UP: "挂断",
    CallAction.HOLD: "保持",
    CallAction.RESUME: "恢复",
    CallAction.BLIND_TRANSFER: "转接",
    CallAction.THREE_WAY: "三方通话",
    CallAction.LEAVE_CONFERENCE: "退出三方",
}

A = CallAction

# Why each entry is (or is not) there is the Asterisk fact in the module docstring.
CALL_ACTIONS: Mapping[CallState, frozenset[CallAction]] = {
    S.OFFERED: frozenset({A.HANG_UP}),
    S.RINGING: frozenset({A.HANG_UP}),
    S.TALKING: frozenset({A.HANG_UP, A.HOLD, A.BLIND_TRANSFER, A.THREE_WAY}),
    S.HELD: frozenset({A.HANG_UP, A.RESUME, A.THREE_WAY}),  # held legs are in no bridge: nothing to transfer
    S.CONFERENCE: frozenset({A.HANG_UP, A.THREE_WAY}),  # ring the unit again after it was not reached
    S.CONFERENCE_WITH_UNIT: frozenset({A.HANG_UP, A.LEAVE_CONFERENCE}),
    S.ENDED: frozenset(),
}
assert set(CALL_ACTIONS) == set(CallState), "every call state needs its row of actions"


class SeatAction(StrEnum):
    """The seat's own queue actions (AMI QueueAdd / QueueRemove / QueuePause)."""

    LOG_IN = "log_in"
    LOG_OUT = "log_out"
    PAUSE = "pause"  # with a reason (rest, meeting, training, ...)
    READY = "ready"  # end a pause or the after-call work
    CALLBACK = "callback"  # ring the agent's phone, then the caller of an order
    PLAY_RECORDING = "play_recording"  # ring the agent's phone and play it an order's survey recording

    @property
    def zh(self) -> str:
        return _SEAT_ACTION_ZH[self]


_SEAT_ACTION_ZH = {
    SeatAction.LOG_IN: "签入",
    SeatAction.LOG_OUT: "签出",
    SeatAction.PAUSE: "小休",
    SeatAction.READY: "就绪",
    SeatAction.CALLBACK: "回拨",
    SeatAction.PLAY_RECORDING: "播放回访录音",
}


class QueueState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    PAUSED = "paused"
    AFTER_CALL_WORK = "after_call_work"

    @property
    def zh(self) -> str:
        return {"logged_out": "未签入", "ready": "就绪", "paused": "小休", "after_call_work": "话后处理"}[self.value]


# A callback needs the seat's phone free: the queue must not offer a call meanwhile, so the seat is paused or in
# after-call work (or out of the queue); a ready seat pauses first.
# the seat's own outbound calls (a callback, a recording played to its phone) only when no queue call can ring it
_OUTBOUND = frozenset({SeatAction.CALLBACK, SeatAction.PLAY_RECORDING})
SEAT_ACTIONS: Mapping[QueueState, frozenset[SeatAction]] = {
    QueueState.LOGGED_OUT: frozenset({SeatAction.LOG_IN}) | _OUTBOUND,
    QueueState.READY: frozenset({SeatAction.LOG_OUT, SeatAction.PAUSE}),
    QueueState.PAUSED: frozenset({SeatAction.LOG_OUT, SeatAction.READY}) | _OUTBOUND,
    QueueState.AFTER_CALL_WORK: frozenset({SeatAction.LOG_OUT, SeatAction.PAUSE, SeatAction.READY}) | _OUTBOUND,
}
assert set(SEAT_ACTIONS) == set(QueueState), "every seat state needs its row of actions"


class ActionNotAllowed(TransitionRefused):
    """The local side asked for an action its state does not allow (a bug or a stale button); nothing changed."""

    code = "action_not_allowed"


class EndReason(StrEnum):
    COMPLETED = "completed"
    ABANDONED = "abandoned"  # the caller hung up before an answer
    NOT_ANSWERED = "not_answered"  # the seat's phone rang out
    ANSWERED_ELSEWHERE = "answered_elsewhere"
    TRANSFERRED = "transferred"
    LEFT_CONFERENCE = "left_conference"
    LOST = "lost"  # gone while the AMI connection was down
    OTHER = "other"

    @property
    def was_answered_here(self) -> bool:
        return self in (EndReason.COMPLETED, EndReason.TRANSFERRED, EndReason.LEFT_CONFERENCE)


class ConferenceParty(StrEnum):
    CALLER = "caller"
    AGENT = "agent"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class CallAnomaly:
    """A PBX event the state table does not expect in the call's state: kept for support, never raised."""

    call_id: str
    state: CallState
    event: str
    at_iso: str


def call_actions(state: CallState, *, ami_connected: bool) -> frozenset[CallAction]:
    return CALL_ACTIONS[state] if ami_connected else frozenset()


def seat_actions(state: QueueState, *, ami_connected: bool, on_a_call: bool) -> frozenset[SeatAction]:
    if not ami_connected:
        return frozenset()
    allowed = SEAT_ACTIONS[state]
    return allowed - _OUTBOUND if on_a_call else allowed
