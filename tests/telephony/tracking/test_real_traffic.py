"""Traffic a real Asterisk 20 sends that our captures do not show: other channel technologies, Local channel queue
members (with options, with a StateInterface, optimising themselves away), ringall with several seats, declines,
abandons, transfers, phone holds, several queues, and events about channels the tracker never saw.

Where possible a real capture (tests/data/ami/03_queue_inbound) is transformed; the rest is built from the Asterisk 20
event definitions (app_queue.c: DialEnd ANSWER for the winner then CANCEL for the other legs, hangupcalls() before
AgentConnect, AgentRingNoAnswer after a DialEnd BUSY, record_abandoned(); core_local.c LocalOptimizationBegin/End with
LocalOne*/LocalTwo*/Source*; BridgeEnter SwapUniqueid).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import pytest

from telephony.tracking.events import (
    AfterCallWorkEnded,
    AfterCallWorkStarted,
    CallAnswered,
    CallEnded,
    CallHeld,
    CallOffered,
    CallResumed,
    CallTransferred,
    Party,
    PauseStateChanged,
)
from telephony.tracking.tracker import AFTER_CALL_WORK_REASON, CallTracker

from .helpers import T0, PjsipCall, capture, ev, kinds, replay, snap

CALL = "1795702470.0"
CALLER_1, CALLER_2 = "Local/complain@customer-00000000;1", "Local/complain@customer-00000000;2"
AGENT_1, AGENT_2 = "Local/agent1@agents-00000001;1", "Local/agent1@agents-00000001;2"
AGENT_UID, AGENT_2_UID = "1795702470.2", "1795702470.3"
Stream = list[tuple[datetime, dict[str, str]]]


def rewrite(
    values: Mapping[str, str],
    *,
    drop_channels: tuple[str, ...] = (),
    edit: Callable[[dict[str, str]], None] | None = None,
) -> Stream:
    """03_queue_inbound with header values replaced (channel names, interfaces, Uniqueids) and the messages about
    `drop_channels` left out (a SIP phone has no `;2` half)."""
    out: Stream = []
    for now, msg in capture("03_queue_inbound"):
        if msg.get("Channel") in drop_channels:
            continue
        fields = {key: values.get(value, value) for key, value in msg.items()}
        if edit is not None:
            edit(fields)
        out.append((now, fields))
    return out


def _fields(prefix: str, snapshot: Mapping[str, str]) -> dict[str, str]:
    return {prefix + k: v for k, v in snapshot.items()}


def feed_all(tracker: CallTracker, messages: list[dict[str, str]], start: datetime = T0) -> list:
    out = []
    for i, msg in enumerate(messages):
        out.extend(tracker.feed(msg, start + timedelta(milliseconds=100 * i)))
    return out


QUEUE_CALL = ["queue_membership", "call_offered", "call_ringing", "call_answered", "call_ended", "queue_membership"]


# ---------------------------------------------------------------------------------------------- channel technologies

@pytest.mark.parametrize(
    ("interface", "channel"),
    [
        ("PJSIP/1001", "PJSIP/1001-0000000a"),
        ("SIP/1001", "SIP/1001-00000001"),  # chan_sip
        ("IAX2/1001", "IAX2/1001-4711"),  # IAX2 names end in the call number
        ("DAHDI/1", "DAHDI/1-1"),
        ("PJSIP/hotline-seat-1001", "PJSIP/hotline-seat-1001-0000000a"),  # an endpoint name with dashes
        ("pjsip/1001", "PJSIP/1001-0000000a"),  # the configured interface in another case
    ],
)
def test_capture_with_other_channel_technologies(interface: str, channel: str) -> None:
    """The real queue call with the seat's Local pair replaced by one phone channel, a PJSIP trunk caller whose name
    is Chinese."""
    stream = rewrite(
        {AGENT_1: channel, "Local/agent1@agents": interface.upper() if interface.islower() else interface,
         CALLER_1: "PJSIP/trunk-cn-00000000"},
        drop_channels=(AGENT_2, CALLER_2),
        edit=lambda m: m.update({k: "王女士" for k, v in m.items() if k.endswith("CallerIDName") and v[:1].isdigit()}),
    )
    tracker = CallTracker(interface=interface, queues=["hotline"])
    events = replay(tracker, stream)
    assert kinds(events) == QUEUE_CALL
    offered, ended = events[1], events[4]
    assert isinstance(offered, CallOffered) and offered.agent_channel == channel and offered.caller_name == "王女士"
    assert isinstance(ended, CallEnded) and (ended.hangup_by, ended.reason) == (Party.CALLER, "completed")
    assert tracker.snapshot() == () and not tracker.anomalies


@pytest.mark.parametrize("other", ["PJSIP/hotline", "PJSIP/hotline-seat", "PJSIP/1001", "SIP/hotline-seat-1001"])
def test_an_endpoint_whose_name_extends_the_seats_is_another_seat(other: str) -> None:
    """Seat `PJSIP/hotline-seat-1001-0000000a`'s channel belongs to endpoint `hotline-seat-1001`, not to `hotline` or
    `hotline-seat`: a prefix match would pop someone else's calls on this screen."""
    stream = rewrite({AGENT_1: "PJSIP/hotline-seat-1001-0000000a", "Local/agent1@agents": "PJSIP/hotline-seat-1001"},
                     drop_channels=(AGENT_2,))
    tracker = CallTracker(interface=other)
    assert [e for e in replay(tracker, stream) if e.call_id] == []


def test_unknown_and_anonymous_caller_ids() -> None:
    for number, expected in (("<unknown>", ""), ("anonymous", "anonymous")):
        stream = rewrite({"13800138000": number})
        events = replay(CallTracker(interface="Local/agent1@agents"), stream)
        assert kinds(events) == QUEUE_CALL
        assert {e.caller for e in events if e.call_id} == {expected}


# --------------------------------------------------------------------------------------------- Local channel members

def test_local_member_with_options_in_its_interface() -> None:
    """queues.conf `member => Local/agent1@agents/n`: the interface carries `/n`, its channels never do."""
    stream = rewrite({"Local/agent1@agents": "Local/agent1@agents/n"})
    tracker = CallTracker(interface="Local/agent1@agents/n", queues=["hotline"])
    events = replay(tracker, stream)
    assert kinds(events) == QUEUE_CALL
    assert events[4].hangup_by is Party.CALLER  # type: ignore[attr-defined]


def test_local_member_is_the_seat_whose_phone_is_its_state_interface() -> None:
    """`member => Local/agent1@agents/n,0,agent1,PJSIP/1001`: a seat configured with its phone PJSIP/1001 learns from
    QueueMember* StateInterface that this Local member rings it."""
    stream = rewrite({"Local/agent1@agents": "Local/agent1@agents/n"},
                     edit=lambda m: m.update(StateInterface="PJSIP/1001") if "StateInterface" in m else None)
    events = replay(CallTracker(interface="PJSIP/1001", queues=["hotline"]), stream)
    assert kinds(events) == QUEUE_CALL
    # The same member is not PJSIP/1002's.
    assert [e for e in replay(CallTracker(interface="PJSIP/1002"), stream) if e.call_id] == []


def _optimised(*, begin: bool = True, swap_enter: bool = True, end: bool = True) -> Stream:
    """03_queue_inbound where `Local/agent1@agents` dials the phone PJSIP/1001 and, once both are bridged, the Local
    pair optimises away: PJSIP/1001-00000005 takes the ;1 half's place in the queue's bridge, the halves hang up,
    and from then on app_queue names the phone's channel (AgentComplete)."""
    phone_uid = "1795702470.5"
    phone = snap("PJSIP/1001-00000005", phone_uid, CALL, "13800138000", "13800138000")
    one = snap(AGENT_1, AGENT_UID, CALL, "13800138000")
    two = snap(AGENT_2, AGENT_2_UID, CALL, "13800138000")
    base = capture("03_queue_inbound")
    out: Stream = []
    optimised = False
    for now, msg in base:
        fields = dict(msg.items())
        name = fields.get("Event")
        if optimised:
            if fields.get("Channel") in (AGENT_1, AGENT_2):
                continue  # the halves are gone
            if fields.get("DestChannel") == AGENT_1:  # AgentComplete names the channel that took the ;1 place
                fields.update({"Dest" + k: v for k, v in phone.items()})
        out.append((now, fields))
        if name == "BridgeEnter" and fields.get("Channel") == CALLER_1:
            t = now + timedelta(milliseconds=300)
            extra: list[dict[str, str]] = [ev("Newchannel", phone)]
            if begin:
                extra.append(ev("LocalOptimizationBegin", _fields("LocalOne", one), _fields("LocalTwo", two),
                                _fields("Source", phone), DestUniqueId="28ede955-21e2-4ae5-ba5d-b97755bc47d3", Id="1"))
            if swap_enter:
                extra.append(ev("BridgeEnter", phone, BridgeUniqueid="28ede955-21e2-4ae5-ba5d-b97755bc47d3",
                                SwapUniqueid=AGENT_UID))
            extra.append(ev("BridgeLeave", one, BridgeUniqueid="28ede955-21e2-4ae5-ba5d-b97755bc47d3"))
            if end:
                extra.append(ev("LocalOptimizationEnd", _fields("LocalOne", one), _fields("LocalTwo", two),
                                Success="Yes", Id="1"))
            extra += [
                ev("HangupRequest", two, Cause="16"),
                ev("Hangup", one, Cause="16", **{"Cause-txt": "Normal Clearing"}),
                ev("Hangup", two, Cause="16", **{"Cause-txt": "Normal Clearing"}),
            ]
            out.extend((t, m) for m in extra)
            optimised = True
    # The phone's channel hangs up where the ;1 half did in the capture (after the caller's hangup request).
    cut = next(i for i, (_, m) in enumerate(out) if m.get("Event") == "Hangup" and m.get("Channel") == CALLER_1)
    out.insert(cut, (out[cut][0], ev("Hangup", phone, Cause="16", **{"Cause-txt": "Normal Clearing"})))
    return out


@pytest.mark.parametrize(
    "variant",
    [{}, {"swap_enter": False}, {"end": False}, {"begin": False, "end": False}],
    ids=["begin-swap-end", "no-bridge-swap", "no-end", "bridge-swap-only"],
)
def test_local_member_optimising_away_does_not_end_the_call(variant: dict[str, bool]) -> None:
    for tracker in (CallTracker(interface="Local/agent1@agents", queues=["hotline"]), CallTracker()):
        events = [e for e in replay(tracker, _optimised(**variant)) if e.EVENT != "callback_outcome"]
        assert kinds(events) == QUEUE_CALL, variant
        ended = events[4]
        assert isinstance(ended, CallEnded)
        # the caller hung up 14.8 s after the answer; the halves' hangups at 2.3 s blamed nobody
        assert (ended.hangup_by, ended.reason, ended.answered) == (Party.CALLER, "completed", True)
        assert ended.talk_time_s is not None and ended.talk_time_s > 14
        assert tracker.snapshot() == () and not tracker.anomalies


def test_after_optimisation_the_phone_is_the_seats_leg() -> None:
    stream = _optimised()
    cut = next(i for i, (_, m) in enumerate(stream) if m.get("Event") == "LocalOptimizationEnd") + 4
    tracker = CallTracker(interface="Local/agent1@agents")
    replay(tracker, stream[:cut])
    (live,) = tracker.snapshot()
    assert (live.state, live.agent_channel) == ("answered", "PJSIP/1001-00000005")
    # The seat's phone hangs up: the seat's call ends at once, by the agent.
    phone = snap("PJSIP/1001-00000005", "1795702470.5", CALL)
    (ended,) = feed_all(tracker, [ev("HangupRequest", phone, Cause="16"), ev("Hangup", phone, Cause="16")])
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.AGENT


def test_caller_arriving_through_a_local_channel_optimises_away() -> None:
    """The caller reaches Queue() on a Local ;2 half (e.g. a trunk context dialling Local/…@queue); the optimisation
    swaps the trunk channel in: the call goes on, and the trunk's hangup is the caller's."""
    trunk = snap("PJSIP/trunk-00000001", "1795702800.1", "1795702800.1", "13900139000", "李先生")
    one = snap("Local/12345@hotline-in-00000002;1", "1795702800.2", "1795702800.1", "13900139000")
    two = snap("Local/12345@hotline-in-00000002;2", "1795702800.3", "1795702800.1", "13900139000", "李先生")
    seat = snap("PJSIP/1001-00000004", "1795702800.4", "1795702800.1", "13900139000", prefix="Dest", state="0")
    seat_plain = snap("PJSIP/1001-00000004", "1795702800.4", "1795702800.1", "13900139000")
    q = {"Queue": "hotline", "Interface": "PJSIP/1001", "MemberName": "1001"}
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, [
        ev("QueueCallerJoin", two, Queue="hotline", Position="1", Count="1"),
        ev("AgentCalled", two, seat, **q),
        ev("DialEnd", two, seat, DialStatus="ANSWER"),
        ev("AgentConnect", two, seat, HoldTime="3", RingTime="2", **q),
        ev("LocalOptimizationBegin", {"LocalOne" + k: v for k, v in one.items()},
           {"LocalTwo" + k: v for k, v in two.items()}, {"Source" + k: v for k, v in trunk.items()},
           DestUniqueId="b1", Id="7"),
        ev("BridgeEnter", trunk, BridgeUniqueid="b1", SwapUniqueid=two["Uniqueid"]),
        ev("LocalOptimizationEnd", {"LocalOne" + k: v for k, v in one.items()},
           {"LocalTwo" + k: v for k, v in two.items()}, Success="Yes", Id="7"),
        ev("Hangup", one, Cause="16"),
        ev("Hangup", two, Cause="16"),
        ev("HangupRequest", trunk, Cause="16"),
        ev("Hangup", trunk, Cause="16"),
        ev("Hangup", seat_plain, Cause="16"),
    ])
    assert kinds(events) == ["call_offered", "call_answered", "call_ended"]
    ended = events[-1]
    assert isinstance(ended, CallEnded) and (ended.hangup_by, ended.answered) == (Party.CALLER, True)
    assert ended.time == T0 + timedelta(milliseconds=1000)  # the trunk's Hangup, not the Local halves'


def test_a_failed_optimisation_keeps_the_halves() -> None:
    stream = _optimised(swap_enter=False)
    for _, msg in stream:
        if msg.get("Event") == "LocalOptimizationEnd":
            msg["Success"] = "No"
    tracker = CallTracker(interface="Local/agent1@agents")
    events = replay(tracker, stream)
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0].hangup_by is Party.AGENT  # the (still real) ;1 leg went away


# ---------------------------------------------------------------------------------------------- ringall, declines

def _two_seats() -> tuple[PjsipCall, dict[str, str], dict[str, str], dict[str, str]]:
    call = PjsipCall()
    other = snap("PJSIP/1002-00000002", "1795702600.12", call.uid, "13800138000", prefix="Dest", state="0")
    other_plain = snap("PJSIP/1002-00000002", "1795702600.12", call.uid, "13800138000")
    q2 = {"Queue": "hotline", "Interface": "PJSIP/1002", "MemberName": "1002"}
    return call, other, other_plain, q2


@pytest.mark.parametrize("cause", ["16", "26"])  # 26 only with Queue option C (cancel_answered_elsewhere)
def test_ringall_answered_by_the_other_seat(cause: str) -> None:
    """app_queue: DialEnd ANSWER for the winner, DialEnd CANCEL for the others, hangupcalls(), then AgentConnect."""
    call, other, other_plain, q2 = _two_seats()
    messages = [
        *call.offered(),
        ev("Newchannel", other_plain),
        ev("AgentCalled", call.caller, other, **q2),
        ev("DialEnd", call.caller, other, DialStatus="ANSWER"),
        ev("DialEnd", call.caller, call.agent, DialStatus="CANCEL"),
        ev("Hangup", call.agent_plain, Cause=cause),
        ev("AgentConnect", call.caller, other, HoldTime="9", RingTime="4", **q2),
        ev("HangupRequest", call.caller, Cause="16"),
        ev("Hangup", call.caller, Cause="16"),
        ev("Hangup", other_plain, Cause="16"),
    ]
    mine = feed_all(CallTracker(interface="PJSIP/1001"), messages)
    assert kinds(mine) == ["call_offered", "call_ringing", "call_ended"]
    assert (mine[-1].hangup_by, mine[-1].reason, mine[-1].answered) == (Party.SYSTEM, "answered_elsewhere", False)
    theirs = feed_all(CallTracker(interface="PJSIP/1002"), messages)
    assert kinds(theirs) == ["call_offered", "call_answered", "call_ended"]
    # PJSIP/1001's leg (same Linkedid) stopping before the answer did not end the call for anyone.
    assert (theirs[-1].hangup_by, theirs[-1].reason) == (Party.CALLER, "completed")
    sup = feed_all(CallTracker(), messages)
    assert kinds(sup) == ["call_offered", "call_ringing", "call_offered", "call_answered", "call_ended"]
    assert sup[-1].hangup_by is Party.CALLER


def test_a_seat_declining_while_another_rings_on() -> None:
    """A phone declines (486/603): DialEnd BUSY, AgentRingNoAnswer (app_queue's rna() for busy too), Hangup 21.
    The other seat answers later; the declined leg's hangup is not who ended that call."""
    call, other, other_plain, q2 = _two_seats()
    messages = [
        *call.offered(),
        ev("Newchannel", other_plain),
        ev("AgentCalled", call.caller, other, **q2),
        ev("DialEnd", call.caller, call.agent, DialStatus="BUSY"),
        call._q("AgentRingNoAnswer", RingTime="2000"),
        ev("HangupRequest", call.agent_plain, Cause="21"),
        ev("Hangup", call.agent_plain, Cause="21", **{"Cause-txt": "Call Rejected"}),
        ev("DialEnd", call.caller, other, DialStatus="ANSWER"),
        ev("AgentConnect", call.caller, other, HoldTime="9", RingTime="4", **q2),
        ev("HangupRequest", other_plain, Cause="16"),
        ev("Hangup", other_plain, Cause="16"),
        ev("Hangup", call.caller, Cause="16"),
    ]
    mine = feed_all(CallTracker(interface="PJSIP/1001"), messages)
    assert kinds(mine) == ["call_offered", "call_ringing", "call_ended"]
    assert (mine[-1].hangup_by, mine[-1].reason) == (Party.AGENT, "rejected")
    theirs = feed_all(CallTracker(interface="PJSIP/1002"), messages)
    assert kinds(theirs) == ["call_offered", "call_answered", "call_ended"]
    assert (theirs[-1].hangup_by, theirs[-1].reason) == (Party.AGENT, "completed")
    sup = feed_all(CallTracker(), messages)
    assert sup[-1].hangup_by is Party.AGENT  # PJSIP/1002 hung up; PJSIP/1001's decline was before the answer


def test_a_seat_declining_without_agent_ring_no_answer_is_still_a_decline() -> None:
    call = PjsipCall()
    events = feed_all(CallTracker(interface="PJSIP/1001"), [
        *call.offered(), ev("Hangup", call.agent_plain, Cause="21", **{"Cause-txt": "Call Rejected"})])
    assert (events[-1].hangup_by, events[-1].reason) == (Party.AGENT, "rejected")


def test_ringinuse_a_second_call_rings_the_seat_during_a_call() -> None:
    first, second = PjsipCall(1), PjsipCall(2, number="13900139000", name="赵女士")
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, first.offered() + first.answered() + second.offered())
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_offered", "call_ringing"]
    assert {c.call_id: c.state for c in tracker.snapshot()} == {first.uid: "answered", second.uid: "ringing"}
    ended = feed_all(tracker, [second._q("AgentRingNoAnswer", RingTime="15000"),
                               ev("Hangup", second.agent_plain, Cause="16"), *first.caller_hangs_up()])
    assert [(e.call_id, e.reason) for e in ended] == [(second.uid, "not_answered"), (first.uid, "completed")]


# ----------------------------------------------------------------------------------------------------------- abandon

def test_caller_abandons_during_the_ring_without_a_hangup_request() -> None:
    """A caller whose channel sends no HangupRequest (e.g. DAHDI, or the class filtered): app_queue's DialEnd CANCEL
    to the rung legs, their hangup, then QueueCallerAbandon and the caller's Hangup."""
    call = PjsipCall()
    messages = [
        *call.offered(),
        ev("DialEnd", call.caller, call.agent, DialStatus="CANCEL"),
        ev("Hangup", call.agent_plain, Cause="16"),
        ev("QueueCallerAbandon", call.caller, Queue="hotline", Position="1", OriginalPosition="2", HoldTime="20"),
        ev("QueueCallerLeave", call.caller, Queue="hotline", Position="1", Count="0"),
        ev("Hangup", call.caller, Cause="16"),
    ]
    for tracker in (CallTracker(interface="PJSIP/1001"), CallTracker()):
        ended = feed_all(tracker, messages)[-1]
        assert isinstance(ended, CallEnded)
        assert (ended.hangup_by, ended.reason, ended.answered) == (Party.CALLER, "abandoned", False)


def test_caller_hangs_up_just_as_the_seat_answers() -> None:
    """app_queue: the member answered (DialEnd ANSWER) but the caller is gone: QueueCallerAbandon, no AgentConnect."""
    call = PjsipCall()
    events = feed_all(CallTracker(interface="PJSIP/1001"), [
        *call.offered(),
        ev("DialEnd", call.caller, call.agent, DialStatus="ANSWER"),
        ev("HangupRequest", call.caller, Cause="16"),
        ev("QueueCallerAbandon", call.caller, Queue="hotline", Position="1", OriginalPosition="1", HoldTime="20"),
        ev("Hangup", call.agent_plain, Cause="16"),
        ev("Hangup", call.caller, Cause="16"),
    ])
    assert (events[-1].hangup_by, events[-1].reason, events[-1].answered) == (Party.CALLER, "abandoned", False)


def test_agent_hangs_up_after_the_answer_by_phone() -> None:
    call = PjsipCall()
    events = feed_all(CallTracker(interface="PJSIP/1001"), call.offered() + call.answered() + [
        ev("HangupRequest", call.agent_plain, Cause="16"),
        call._q("AgentComplete", HoldTime="12", TalkTime="30", Reason="agent"),
        ev("Hangup", call.agent_plain, Cause="16"),
    ])
    assert (events[-1].hangup_by, events[-1].reason) == (Party.AGENT, "completed")


# ------------------------------------------------------------------------------------------------------ transfers

@pytest.mark.parametrize("dest_type", ["Bridge", "Link", "App"])
def test_attended_transfer_from_the_seats_phone(dest_type: str) -> None:
    """The phone holds the caller, dials the unit on a second dialog (its own Linkedid), then transfers: the
    AttendedTransfer event, AgentComplete Reason transfer, the seat's legs hang up; the caller talks on."""
    call = PjsipCall()
    consult = snap("PJSIP/1001-00000030", "1795702600.30", "1795702600.30", "1001", "1001")
    target = snap("PJSIP/trunk-00000031", "1795702600.31", "1795702600.30", "96111", "水务")
    extra: dict[str, str] = {}
    if dest_type == "Bridge":
        extra["DestBridgeUniqueid"] = "b1"
    elif dest_type == "Link":  # bridges that cannot merge are linked by a Local pair
        extra.update(_fields("LocalOne", snap("Local/96111@transfer-0000000f;1", "1795702600.40", "1795702600.30")))
        extra.update(_fields("LocalTwo", snap("Local/96111@transfer-0000000f;2", "1795702600.41", "1795702600.30")))
    else:
        extra["DestApp"] = "Queue"
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("Hold", call.agent_plain, MusicClass="default"),
        ev("MusicOnHoldStart", call.caller, Class="default"),
        ev("Newchannel", consult),
        ev("DialBegin", consult, _fields("Dest", target), DialString="trunk/96111"),
        ev("DialEnd", consult, _fields("Dest", target), DialStatus="ANSWER"),
        ev("AttendedTransfer", _fields("OrigTransferer", call.agent_plain), _fields("SecondTransferer", consult),
           _fields("Transferee", call.caller), _fields("TransferTarget", target), OrigBridgeUniqueid="b1",
           SecondBridgeUniqueid="b2", Result="Success", DestType=dest_type, IsExternal="Yes", **extra),
        call._q("AgentComplete", HoldTime="12", TalkTime="30", Reason="transfer"),
        ev("Hangup", consult, Cause="16"),
        ev("Hangup", call.agent_plain, Cause="16"),
        ev("MusicOnHoldStop", call.caller),
    ])
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_held", "call_transferred",
                             "call_ended"]
    transferred = events[4]
    assert isinstance(transferred, CallTransferred) and (transferred.kind, transferred.target) == ("attended", "96111")
    ended = events[-1]
    assert isinstance(ended, CallEnded) and (ended.hangup_by, ended.reason) == (Party.AGENT, "transferred")
    assert tracker.snapshot() == ()


def test_blind_transfer_into_another_queue() -> None:
    """The seat transfers the caller to queue `water`: the supervisor's view follows the caller into the new queue;
    the seat of that queue gets a fresh offer for the same call id."""
    call = PjsipCall()
    other = snap("PJSIP/1002-00000022", "1795702600.22", call.uid, "13800138000", prefix="Dest", state="0")
    other_plain = snap("PJSIP/1002-00000022", "1795702600.22", call.uid, "13800138000")
    q2 = {"Queue": "water", "Interface": "PJSIP/1002", "MemberName": "1002"}
    messages = call.offered() + call.answered() + [
        ev("BlindTransfer", _fields("Transferer", call.agent_plain), _fields("Transferee", call.caller),
           Result="Success", IsExternal="No", Context="transfer", Extension="water", BridgeUniqueid="b1"),
        call._q("AgentComplete", HoldTime="12", TalkTime="30", Reason="transfer"),
        ev("Hangup", call.agent_plain, Cause="16"),
        ev("QueueCallerJoin", call.caller, Queue="water", Position="1", Count="1"),
        ev("AgentCalled", call.caller, other, **q2),
        ev("DialEnd", call.caller, other, DialStatus="ANSWER"),
        ev("AgentConnect", call.caller, other, HoldTime="5", RingTime="2", **q2),
        ev("HangupRequest", call.caller, Cause="16"),
        ev("Hangup", call.caller, Cause="16"),
        ev("Hangup", other_plain, Cause="16"),
    ]
    seat = feed_all(CallTracker(interface="PJSIP/1001"), messages)
    assert kinds(seat) == ["call_offered", "call_ringing", "call_answered", "call_transferred", "call_ended"]
    assert seat[-1].reason == "transferred"
    water = feed_all(CallTracker(interface="PJSIP/1002", queues=["water"]), messages)
    assert kinds(water) == ["call_offered", "call_answered", "call_ended"]
    assert water[0].call_id == call.uid and water[0].queue == "water" and water[-1].hangup_by is Party.CALLER
    sup = feed_all(CallTracker(), messages)
    assert kinds(sup)[-3:] == ["call_offered", "call_answered", "call_ended"]
    assert sup[-1].hangup_by is Party.CALLER and sup[-1].queue == "water"


# -------------------------------------------------------------------------------------------------------------- hold

def test_hold_by_the_phone_itself_and_music_on_hold_count_once() -> None:
    """A phone's hold (SIP re-INVITE → Hold on its channel) makes the bridge play music to the caller too: one
    held/resumed pair, whichever of Unhold and MusicOnHoldStop comes last."""
    call = PjsipCall()
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("Hold", call.agent_plain, MusicClass="default"),
        ev("MusicOnHoldStart", call.caller, Class="default"),
        ev("Unhold", call.agent_plain),
        ev("MusicOnHoldStop", call.caller),
        ev("MusicOnHoldStart", call.agent_plain, Class="default"),  # the caller's side holds this time
        ev("MusicOnHoldStop", call.agent_plain),
    ])
    held = [(type(e).__name__, e.party) for e in events if isinstance(e, CallHeld | CallResumed)]
    assert held == [("CallHeld", Party.AGENT), ("CallResumed", Party.AGENT),
                    ("CallHeld", Party.CALLER), ("CallResumed", Party.CALLER)]


# ------------------------------------------------------------------------------------------------ unknown channels

def test_events_about_channels_never_seen_change_nothing() -> None:
    """The desktop started mid-call: hold, bridge swaps, optimisations, transfers, hangups and AgentComplete about
    unknown channels are no calls, no anomalies; the resync brings the call back."""
    call = PjsipCall()
    tracker = CallTracker(interface="PJSIP/1001")
    one = snap("Local/x@y-00000001;1", "9.1", "9.1")
    events = feed_all(tracker, [
        ev("Hold", call.agent_plain, MusicClass="default"),
        ev("MusicOnHoldStart", call.caller, Class="default"),
        ev("BridgeEnter", call.agent_plain, BridgeUniqueid="b9", SwapUniqueid="9.1"),
        ev("LocalOptimizationBegin", _fields("LocalOne", one), _fields("Source", call.caller), Id="3"),
        ev("LocalOptimizationEnd", _fields("LocalOne", one), Success="Yes", Id="3"),
        ev("Rename", Channel="PJSIP/1001-00000001", Newname="PJSIP/1001-00000001<ZOMBIE>", Uniqueid="9.9"),
        ev("QueueCallerAbandon", call.caller, Queue="hotline", Position="1", OriginalPosition="1", HoldTime="3"),
        ev("BlindTransfer", _fields("Transferee", call.caller), Result="Success", Extension="1"),
        call._q("AgentComplete", Reason="caller"),
        ev("Hangup", snap("PJSIP/1001-00000007", "9.7", "9.7"), Cause="16"),
    ])
    assert events == [] and tracker.snapshot() == () and not tracker.anomalies


def test_newchannel_after_other_events_of_the_channel() -> None:
    call = PjsipCall()
    messages = call.offered()
    messages.remove(ev("Newchannel", call.agent_plain))
    messages.insert(6, ev("Newchannel", call.agent_plain))  # after AgentCalled
    events = feed_all(CallTracker(interface="PJSIP/1001"), messages + call.answered() + call.caller_hangs_up())
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_ended"]


def test_duplicated_fully_booted_and_reload_are_ignored() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface="PJSIP/1001")
    noise = [ev("FullyBooted", Status="Fully Booted", Uptime="5", LastReload="5"),
             ev("Reload", Module="app_queue.so", Status="0"), ev("FullyBooted", Status="Fully Booted")]
    events = feed_all(tracker, call.offered() + noise + call.answered() + noise + call.caller_hangs_up())
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_ended"]


# ---------------------------------------------------------------------------------------- queues, pauses, Asterisk 20

def _member(queue: str, **fields: str) -> dict[str, str]:
    """QueueMember* as Asterisk 20 prints it (app_queue.c queue_member_blob_create)."""
    base = {"Queue": queue, "MemberName": "1001", "Interface": "PJSIP/1001", "StateInterface": "PJSIP/1001",
            "Membership": "dynamic", "Penalty": "0", "CallsTaken": "3", "LastCall": "1795702500",
            "LastPause": "0", "LoginTime": "1795702000", "InCall": "0", "Status": "1", "Paused": "0",
            "PausedReason": "", "Ringinuse": "0", "Wrapuptime": "0"}
    base.update(fields)
    return base


def test_pause_in_every_queue_is_one_after_call_work() -> None:
    """QueuePause without Queue pauses the member in each of its queues: one QueueMemberPause per queue; after-call
    work is the seat's, so it starts once and ends once."""
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, [
        ev("QueueMemberAdded", **_member("hotline")),
        ev("QueueMemberAdded", **_member("water")),
        ev("QueueMemberPause", **_member("hotline", Paused="1", PausedReason=AFTER_CALL_WORK_REASON,
                                         LastPause="1795702600")),
        ev("QueueMemberPause", **_member("water", Paused="1", PausedReason=AFTER_CALL_WORK_REASON,
                                         LastPause="1795702600")),
        ev("QueueMemberStatus", **_member("hotline", Paused="1", PausedReason=AFTER_CALL_WORK_REASON, Status="1",
                                          InCall="0")),
        ev("QueueMemberPause", **_member("hotline", Paused="0")),
        ev("QueueMemberPause", **_member("water", Paused="0")),
    ])
    assert kinds(events) == ["queue_membership", "queue_membership", "after_call_work_started",
                             "after_call_work_ended"]
    assert isinstance(events[2], AfterCallWorkStarted) and isinstance(events[3], AfterCallWorkEnded)


def test_pause_events_with_and_without_paused_reason() -> None:
    tracker = CallTracker(interface="PJSIP/1001", queues=["hotline"])
    events = feed_all(tracker, [
        ev("QueueMemberAdded", **_member("hotline")),
        ev("QueueMemberPause", **_member("hotline", Paused="1", PausedReason="午休")),
    ])
    assert [(e.paused, e.reason) for e in events if isinstance(e, PauseStateChanged)] == [(True, "午休")]
    # An older Asterisk's status (no PausedReason header): still paused for lunch, nothing new.
    bare = ev("QueueMemberStatus", Queue="hotline", Interface="PJSIP/1001", MemberName="1001", Paused="1", Status="2")
    assert feed_all(tracker, [bare]) == []
    # A pause without a reason (a supervisor's plain pause, PausedReason empty), ready again, then a status in a call.
    events = feed_all(tracker, [
        ev("QueueMemberPause", **_member("hotline", Paused="1", PausedReason="")),
        ev("QueueMemberPause", **_member("hotline", Paused="0")),
        ev("QueueMemberStatus", **_member("hotline", Status="2", InCall="1")),
    ])
    assert [(e.paused, e.reason) for e in events if isinstance(e, PauseStateChanged)] == [(True, ""), (False, "")]


def test_member_events_of_other_queues_and_seats_stay_out() -> None:
    tracker = CallTracker(interface="PJSIP/1001", queues=["hotline"])
    events = feed_all(tracker, [
        ev("QueueMemberAdded", **_member("water")),
        ev("QueueMemberPause", **_member("hotline", Interface="PJSIP/10010", StateInterface="PJSIP/10010",
                                         Paused="1", PausedReason="x")),
        ev("QueueMemberAdded", **_member("hotline", Interface="Local/1002@agents/n",
                                         StateInterface="PJSIP/1002")),
    ])
    assert events == []


def test_answered_call_carries_local_member_with_state_interface_live() -> None:
    """Seat PJSIP/1001 served by member Local/1001@agents/n (StateInterface PJSIP/1001): the live offer and answer."""
    call = PjsipCall(agent="Local/1001@agents")
    call.agent = snap("Local/1001@agents-0000000a;1", call.agent_uid, call.uid, "13800138000", prefix="Dest",
                      state="0")
    call.agent_plain = snap("Local/1001@agents-0000000a;1", call.agent_uid, call.uid, "13800138000")
    call.interface = "Local/1001@agents/n"
    tracker = CallTracker(interface="PJSIP/1001")
    added = ev("QueueMemberAdded", **_member("hotline", Interface="Local/1001@agents/n"))
    events = feed_all(tracker, [added, *call.offered(), *call.answered(), *call.caller_hangs_up()])
    assert kinds(events) == ["queue_membership", "call_offered", "call_ringing", "call_answered", "call_ended"]
    answered = events[3]
    assert isinstance(answered, CallAnswered) and answered.interface == "Local/1001@agents/n"


def _local_member(n: int, seat: str, caller: PjsipCall) -> dict[str, dict[str, str]]:
    """Member `Local/<seat>@agents/n` rung by the queue: its ;1 half (the queue's leg), its ;2 half and the phone
    PJSIP/<seat> that the ;2 half dials; all share the caller's Linkedid."""
    one = snap(f"Local/{seat}@agents-0000000{n};1", f"1795702600.{n}1", caller.uid, "13800138000")
    return {
        "one": one,
        "dest": {"Dest" + k: v for k, v in one.items()} | {"DestChannelState": "0"},
        "two": snap(f"Local/{seat}@agents-0000000{n};2", f"1795702600.{n}2", caller.uid, "13800138000"),
        "phone": snap(f"PJSIP/{seat}-0000000{n}", f"1795702600.{n}3", caller.uid, "13800138000"),
        "queue": {"Queue": "hotline", "Interface": f"Local/{seat}@agents/n", "MemberName": seat},
    }


def _ringall_local_members() -> tuple[PjsipCall, list[dict[str, str]]]:
    """Ringall over two Local members (`/n`: no optimisation). 1002 answers; 1001's ;1 leg is hung up before the
    AgentConnect, but its ;2 half and phone go away only afterwards (they hang up in their own threads). Then the
    phone of 1002 hangs up."""
    call = PjsipCall()
    a, b = _local_member(1, "1001", call), _local_member(2, "1002", call)
    messages = [call.offered()[0], call.offered()[3]]
    for m in (a, b):
        messages += [
            ev("Newchannel", m["one"]), ev("Newchannel", m["two"]),
            ev("AgentCalled", call.caller, m["dest"], **m["queue"]),
            ev("DialBegin", call.caller, m["dest"], DialString=m["queue"]["Interface"][6:]),
            ev("Newchannel", m["phone"]),
            ev("DialBegin", m["two"], _fields("Dest", m["phone"]), DialString=m["phone"]["Channel"][6:10]),
        ]
    messages += [
        ev("DialState", call.caller, a["dest"], DialStatus="RINGING"),
        ev("DialEnd", b["two"], _fields("Dest", b["phone"]), DialStatus="ANSWER"),
        ev("DialEnd", call.caller, b["dest"], DialStatus="ANSWER"),
        ev("DialEnd", call.caller, a["dest"], DialStatus="CANCEL"),
        ev("Hangup", a["one"], Cause="16"),
        ev("AgentConnect", call.caller, b["dest"], HoldTime="9", RingTime="4", **b["queue"]),
        ev("HangupRequest", a["two"], Cause="16"),
        ev("DialEnd", a["two"], _fields("Dest", a["phone"]), DialStatus="CANCEL"),
        ev("Hangup", a["phone"], Cause="16"),
        ev("Hangup", a["two"], Cause="16"),
        ev("HangupRequest", b["phone"], Cause="16"),  # the agent of 1002 hangs up on the phone
        ev("Hangup", b["phone"], Cause="16"),
        ev("Hangup", b["two"], Cause="16"),
        ev("Hangup", b["one"], Cause="16"),
        ev("Hangup", call.caller, Cause="16"),
    ]
    return call, messages


def test_ringall_over_local_members_blames_the_agent_not_the_other_seats_late_legs() -> None:
    _call, messages = _ringall_local_members()
    for seat in ("Local/1002@agents/n", "PJSIP/1002"):
        tracker = CallTracker(interface=seat)
        if seat.startswith("PJSIP"):
            feed_all(tracker, [ev("QueueMemberAdded", **_member("hotline", Interface="Local/1002@agents/n",
                                                                  StateInterface="PJSIP/1002", MemberName="1002"))])
        events = [e for e in feed_all(tracker, messages) if e.call_id]
        assert kinds(events) == ["call_offered", "call_answered", "call_ended"], seat
        assert (events[-1].hangup_by, events[-1].reason) == (Party.AGENT, "completed"), seat
    sup = feed_all(CallTracker(), messages)
    assert sup[-1].hangup_by is Party.AGENT
    mine = feed_all(CallTracker(interface="Local/1001@agents/n"), messages)
    assert kinds(mine) == ["call_offered", "call_ringing", "call_ended"]
    assert (mine[-1].hangup_by, mine[-1].reason) == (Party.SYSTEM, "answered_elsewhere")


def test_caller_reaching_the_queue_through_a_local_channel_is_the_caller_when_its_trunk_hangs_up() -> None:
    """The trunk dials Local/12345@hotline-in (its ;2 half runs Queue(), `/n`: no optimisation). The trunk channel is
    the Linkedid's origin: its hangup is the caller's."""
    trunk = snap("PJSIP/trunk-00000001", "1795702800.1", "1795702800.1", "13900139000", "李先生")
    two = snap("Local/12345@hotline-in-00000002;2", "1795702800.3", "1795702800.1", "13900139000", "李先生")
    seat = snap("PJSIP/1001-00000004", "1795702800.4", "1795702800.1", "13900139000", prefix="Dest", state="0")
    q = {"Queue": "hotline", "Interface": "PJSIP/1001", "MemberName": "1001"}
    events = feed_all(CallTracker(interface="PJSIP/1001"), [
        ev("Newchannel", trunk),
        ev("AgentCalled", two, seat, **q),
        ev("DialEnd", two, seat, DialStatus="ANSWER"),
        ev("AgentConnect", two, seat, HoldTime="3", RingTime="2", **q),
        ev("HangupRequest", trunk, Cause="16"),
        ev("AgentComplete", two, seat, Reason="caller", **q),
        ev("Hangup", snap("PJSIP/1001-00000004", "1795702800.4", "1795702800.1"), Cause="16"),
    ])
    assert (events[-1].hangup_by, events[-1].reason) == (Party.CALLER, "completed")


def test_resync_adopts_a_call_of_a_local_member_ringing_the_seats_phone() -> None:
    """After a restart the QueueStatus (QueueMember Location + StateInterface) tells that Local/1001@agents/n is
    this seat's, and CoreShowChannels shows its ;1 half bridged with the caller."""
    call = PjsipCall()
    one = snap("Local/1001@agents-00000001;1", "1795702600.11", call.uid, "13800138000")
    two = snap("Local/1001@agents-00000001;2", "1795702600.12", call.uid, "13800138000")
    channels = [
        ev("CoreShowChannel", call.caller, Application="Queue", ApplicationData="hotline,t", BridgeId="b1"),
        ev("CoreShowChannel", one, Application="AppQueue", ApplicationData="(Outgoing Line)", BridgeId="b1"),
        ev("CoreShowChannel", two, Application="Dial", ApplicationData="PJSIP/1001", BridgeId="b2"),
    ]
    members = [ev("QueueParams", Queue="hotline"),
               ev("QueueMember", Queue="hotline", Name="1001", Location="Local/1001@agents/n",
                  StateInterface="PJSIP/1001", Paused="0", PausedReason="", InCall="1", Status="2")]
    events = CallTracker(interface="PJSIP/1001").resync(channels, members, T0)
    assert kinds(events) == ["call_offered", "call_answered", "queue_membership"]
    assert events[1].agent_channel == one["Channel"]  # type: ignore[attr-defined]


def test_attended_transfer_swapping_the_target_into_the_bridge_still_ends_the_seats_call() -> None:
    """An attended transfer may swap the target into the caller's bridge in place of the seat's channel (BridgeEnter
    SwapUniqueid = the seat's leg): that is no new agent, the seat's hangup still ends its call."""
    call = PjsipCall()
    consult = snap("PJSIP/1001-00000030", "1795702600.30", "1795702600.30", "1001")
    target = snap("PJSIP/trunk-00000031", "1795702600.31", "1795702600.30", "96111", "水务")
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("BridgeEnter", target, BridgeUniqueid="b1", SwapUniqueid=call.agent_uid),
        ev("AttendedTransfer", _fields("OrigTransferer", call.agent_plain), _fields("SecondTransferer", consult),
           _fields("Transferee", call.caller), _fields("TransferTarget", target), Result="Success",
           DestType="Bridge", DestBridgeUniqueid="b1"),
        ev("Hangup", call.agent_plain, Cause="16"),
    ])
    assert kinds(events)[-2:] == ["call_transferred", "call_ended"]
    assert events[-1].reason == "transferred" and tracker.snapshot() == ()


def test_transferred_back_into_a_queue_that_rings_the_same_seat_before_its_leg_hung_up() -> None:
    """The seat blind-transfers the caller into a queue it also serves (ringinuse=yes): the new AgentCalled may come
    before the seat's old leg's Hangup. The first conversation ends (transferred), then a new offer pops."""
    call = PjsipCall()
    again = snap("PJSIP/1001-00000009", "1795702600.77", call.uid, "13800138000", prefix="Dest", state="0")
    tracker = CallTracker(interface="PJSIP/1001")
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("BlindTransfer", _fields("Transferer", call.agent_plain), _fields("Transferee", call.caller),
           Result="Success", Context="transfer", Extension="hotline"),
        ev("QueueCallerJoin", call.caller, Queue="hotline", Position="1", Count="1"),
        ev("AgentCalled", call.caller, again, Queue="hotline", Interface="PJSIP/1001", MemberName="1001"),
        ev("Hangup", call.agent_plain, Cause="16"),
    ])
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_transferred", "call_ended",
                             "call_offered"]
    assert events[4].reason == "transferred" and events[5].agent_channel == "PJSIP/1001-00000009"
    (live,) = tracker.snapshot()
    assert live.state == "offered" and live.call_id == call.uid


def test_a_renamed_channel_keeps_its_role() -> None:
    """A masquerade (e.g. a call pickup) renames a channel; its Uniqueid stays, and so does its role in the call."""
    call = PjsipCall()
    tracker = CallTracker(interface="PJSIP/1001")
    feed_all(tracker, call.offered() + call.answered() + [
        ev("Rename", Channel=call.agent_plain["Channel"], Newname="PJSIP/1001-0000000b", Uniqueid=call.agent_uid)])
    assert tracker.snapshot()[0].agent_channel == "PJSIP/1001-0000000b"
    renamed = {**call.agent_plain, "Channel": "PJSIP/1001-0000000b"}
    (ended,) = feed_all(tracker, [ev("HangupRequest", renamed, Cause="16"), ev("Hangup", renamed, Cause="16")])
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.AGENT
