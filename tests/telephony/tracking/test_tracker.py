"""Call tracker behaviour on hand-built Asterisk 20 event sequences (PJSIP seats, forks, faults, resync)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from telephony.tracking.events import (
    AfterCallWorkEnded,
    AfterCallWorkStarted,
    CallAnswered,
    CallbackOutcome,
    CallEnded,
    CallHeld,
    CallOffered,
    CallResumed,
    CallTransferred,
    ConferencePartyJoined,
    OriginateOutcome,
    Party,
    PauseStateChanged,
    QueueMembershipChanged,
    RecordingStarted,
)
from telephony.tracking.tracker import AFTER_CALL_WORK_REASON, LOST_DURING_RECONNECT, CallTracker

from .helpers import T0, PjsipCall, ev, kinds, snap

SEAT = "PJSIP/1001"


def feed_all(tracker: CallTracker, messages: list[dict[str, str]], start: datetime = T0) -> list:
    out = []
    for i, msg in enumerate(messages):
        out.extend(tracker.feed(msg, start + timedelta(milliseconds=100 * i)))
    return out


def fork_events(spied: PjsipCall) -> list[dict[str, str]]:
    """The caller-audio fork of audio-fork.md: an AudioSocket channel running ChanSpy on the caller."""
    fork = snap("AudioSocket/127.0.0.1:9093-6f1c", "1795702600.99", "1795702600.99", "<unknown>")
    return [
        ev("Newchannel", fork),
        ev("VarSet", fork, Variable="AUDIOSOCKET_UUID", Value="6f1c"),
        ev("DialBegin", ev("x", **{"Dest" + k: v for k, v in fork.items()}), DialString="127.0.0.1:9093/6f1c"),
        ev("DialEnd", ev("x", **{"Dest" + k: v for k, v in fork.items()}), DialStatus="ANSWER"),
        ev("OriginateResponse", Response="Success", Channel=fork["Channel"], Application="ChanSpy",
           Reason="4", Uniqueid="1795702600.99", ActionID="fork-1"),
        ev("ChanSpyStart", SpyerChannel=fork["Channel"], SpyeeChannel=spied.caller["Channel"],
           SpyeeUniqueid=spied.uid, SpyeeLinkedid=spied.uid),
    ]


def fork_end() -> list[dict[str, str]]:
    fork = snap("AudioSocket/127.0.0.1:9093-6f1c", "1795702600.99", "1795702600.99", "<unknown>")
    return [
        ev("ChanSpyStop", SpyerChannel=fork["Channel"]),
        ev("Cdr", Channel=fork["Channel"], LastApplication="ChanSpy", UniqueID="1795702600.99", Disposition="ANSWERED"),
        ev("Hangup", fork, Cause="0", **{"Cause-txt": "Unknown"}),
    ]


def test_pjsip_call_with_audio_fork_gives_the_same_events_as_without() -> None:
    call = PjsipCall()
    plain = feed_all(CallTracker(interface=SEAT), call.offered() + call.answered() + call.caller_hangs_up())
    tracker = CallTracker(interface=SEAT)
    forked = feed_all(
        tracker, call.offered() + call.answered() + fork_events(call) + fork_end() + call.caller_hangs_up()
    )
    assert kinds(forked) == kinds(plain) == ["call_offered", "call_ringing", "call_answered", "call_ended"]
    assert tracker.stats["fork_filtered"] == 9
    # A supervisor's view never mistakes the fork's Originate for a callback outcome.
    sup = CallTracker()
    assert not [e for e in feed_all(sup, fork_events(call) + fork_end()) if isinstance(e, CallbackOutcome)]
    assert sup.snapshot() == ()


def test_offer_carries_caller_name_queue_wait_and_position() -> None:
    call = PjsipCall(name="王女士")
    events = feed_all(CallTracker(interface=SEAT), call.offered())
    offered = events[0]
    assert isinstance(offered, CallOffered)
    assert (offered.caller, offered.caller_name, offered.queue, offered.position) == (
        "13800138000", "王女士", "hotline", 2)
    assert offered.wait_s == 0.2  # QueueCallerJoin (3rd message) → AgentCalled (6th), 100 ms apart
    assert offered.interface == SEAT and offered.agent_channel == "PJSIP/1001-00000001"
    assert "13800138000" not in repr(offered) and "王女士" not in repr(offered)


def test_recording_comes_with_the_answer_or_afterwards() -> None:
    call = PjsipCall()
    events = feed_all(CallTracker(interface=SEAT), call.offered() + call.answered())
    answered = next(e for e in events if isinstance(e, CallAnswered))
    assert answered.recording == f"/rec/{call.uid}.wav"
    tracker = CallTracker(interface=SEAT)
    messages = call.offered()[3:] + call.answered()
    messages.append(ev("VarSet", call.agent_plain, Variable="MIXMONITOR_FILENAME", Value="/rec/late.wav"))
    events = feed_all(tracker, messages)
    assert next(e for e in events if isinstance(e, CallAnswered)).recording is None
    started = [(e.recording, e.call_id) for e in events if isinstance(e, RecordingStarted)]
    assert started == [("/rec/late.wav", call.uid)]


def test_agent_hangup_ends_the_call_at_once_without_agent_complete() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    events = feed_all(tracker, call.offered() + call.answered() + call.agent_hangs_up_by_ami())
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.AGENT and ended.reason == "completed"
    assert tracker.snapshot() == ()
    # The late AgentComplete (Reason: caller, fact 1) and the caller's Hangup change nothing.
    assert feed_all(tracker, call.caller_leaves_later()) == []
    assert not tracker.anomalies


def test_supervisor_view_keeps_who_hung_up_first_despite_agent_complete() -> None:
    call = PjsipCall()
    tracker = CallTracker()
    events = feed_all(tracker, call.offered() + call.answered() + call.agent_hangs_up_by_ami()
                      + call.caller_leaves_later())
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.hangup_by is Party.AGENT


def test_caller_abandons_while_ringing() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    events = feed_all(tracker, [
        *call.offered(),
        ev("QueueCallerAbandon", call.caller, Queue="hotline", Position="1", OriginalPosition="2", HoldTime="20"),
        ev("Hangup", call.caller, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ev("Hangup", call.agent_plain, Cause="26", **{"Cause-txt": "Answered elsewhere"}),
    ])
    ended = events[-1]
    assert isinstance(ended, CallEnded)
    assert (ended.hangup_by, ended.reason, ended.answered) == (Party.CALLER, "abandoned", False)


def test_ring_no_answer_ends_the_offer_for_this_seat_and_a_new_offer_pops_again() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    events = feed_all(tracker, [
        *call.offered(),
        call._q("AgentRingNoAnswer", RingTime="15000"),
        ev("Hangup", call.agent_plain, Cause="19", **{"Cause-txt": "No answer"}),
    ])
    assert kinds(events) == ["call_offered", "call_ringing", "call_ended"]
    assert events[-1].reason == "not_answered" and events[-1].hangup_by is Party.SYSTEM
    again = PjsipCall()
    again.caller = call.caller  # same caller, still queued: rung on a new leg of the same seat
    again.agent = snap("PJSIP/1001-00000009", "1795702600.77", call.uid, prefix="Dest", state="0")
    assert kinds(feed_all(tracker, [again._q("AgentCalled")])) == ["call_offered"]


def test_supervisor_sees_ringall_answered_elsewhere_as_one_call() -> None:
    call = PjsipCall()
    other = snap("PJSIP/1002-00000002", "1795702600.12", call.uid, prefix="Dest", state="0")
    tracker = CallTracker()
    messages = [
        *call.offered(),
        ev("AgentCalled", call.caller, other, Queue="hotline", Interface="PJSIP/1002", MemberName="1002"),
        ev("Hangup", snap("PJSIP/1002-00000002", "1795702600.12", call.uid), Cause="26"),
        *call.answered(),
        *call.caller_hangs_up(),
    ]
    events = feed_all(tracker, messages)
    assert kinds(events) == ["call_offered", "call_ringing", "call_offered", "call_answered", "call_ended"]
    assert events[-1].hangup_by is Party.CALLER


def test_interface_matching_is_by_whole_name() -> None:
    call = PjsipCall(agent="PJSIP/10010")
    call.interface = "PJSIP/10010"
    assert feed_all(CallTracker(interface="PJSIP/1001"), call.offered()) == []
    assert kinds(feed_all(CallTracker(interface="pjsip/10010"), call.offered()))[:1] == ["call_offered"]


def test_hold_and_resume_by_hold_events_and_by_music_on_hold() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("Hold", call.agent_plain, MusicClass="default"),
        ev("Hold", call.agent_plain, MusicClass="default"),  # duplicate
        ev("Unhold", call.agent_plain),
        ev("MusicOnHoldStart", call.caller, Class="default"),  # call control's Redirect-based hold
        ev("MusicOnHoldStop", call.caller),
    ])
    held = [e for e in events if isinstance(e, CallHeld | CallResumed)]
    assert [(type(e).__name__, e.party) for e in held] == [
        ("CallHeld", Party.AGENT),
        ("CallResumed", Party.AGENT),
        ("CallHeld", Party.AGENT),
        ("CallResumed", Party.AGENT),
    ]


def test_music_while_queueing_is_not_a_hold() -> None:
    call = PjsipCall()
    messages = [call.offered()[3], ev("MusicOnHoldStart", call.caller), *call.offered()[4:]]
    events = feed_all(CallTracker(interface=SEAT), messages)
    assert not [e for e in events if isinstance(e, CallHeld)]


def test_blind_transfer_then_agent_leg_hangs_up() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    transferer = {"Transferer" + k: v for k, v in call.agent_plain.items()}
    transferee = {"Transferee" + k: v for k, v in call.caller.items()}
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("BlindTransfer", transferer, transferee, Result="Success", Context="hotline-transfer", Extension="96111"),
        call._q("AgentComplete", Reason="transfer", TalkTime="40"),
        ev("Hangup", call.agent_plain, Cause="16"),
    ])
    transferred = next(e for e in events if isinstance(e, CallTransferred))
    assert (transferred.kind, transferred.target, transferred.context) == ("blind", "96111", "hotline-transfer")
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "transferred" and ended.hangup_by is Party.AGENT


def test_three_way_call_the_seat_leaves_and_the_unit_is_a_unit() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    room = call.uid.replace(".", "")
    unit = snap("Local/84561234@hotline-outbound-0000000f;1", "1795702601.5", "1795702601.5", "12345", "12345")
    events = feed_all(tracker, call.offered() + call.answered() + [
        ev("ConfbridgeStart", Conference=room),
        ev("ConfbridgeJoin", call.caller, Conference=room, Admin="No"),
        ev("ConfbridgeJoin", call.agent_plain, Conference=room, Admin="Yes"),
        ev("OriginateResponse", Response="Success", Channel=unit["Channel"], Application="ConfBridge", Reason="4",
           Uniqueid=unit["Uniqueid"], ActionID="ad-7"),
        ev("ConfbridgeJoin", unit, Conference=room, Admin="No"),
        ev("ConfbridgeLeave", call.agent_plain, Conference=room),
        ev("Hangup", call.agent_plain, Cause="16"),
    ])
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "conference_joined",
                             "conference_joined", "conference_joined", "conference_left", "call_ended"]
    joined = [e for e in events if isinstance(e, ConferencePartyJoined)]
    assert [e.party for e in joined] == [Party.CALLER, Party.AGENT, Party.UNIT]
    assert joined[1].admin and joined[2].number == "12345"
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "left_conference" and ended.hangup_by is Party.AGENT
    # The unit and the caller talk on; their hangups are not this seat's call any more.
    assert feed_all(tracker, [ev("Hangup", unit, Cause="16"), ev("Hangup", call.caller, Cause="16")]) == []


def test_queue_login_pause_after_call_work_and_logout() -> None:
    tracker = CallTracker(interface=SEAT, queues=["hotline"])
    member = {"Queue": "hotline", "Interface": SEAT, "MemberName": "1001"}
    call = PjsipCall()
    events = feed_all(tracker, [
        ev("QueueMemberAdded", **member, Paused="0", PausedReason=""),
        ev("QueueMemberAdded", **member, Paused="0", PausedReason=""),  # duplicate: no event
        ev("QueueMemberAdded", Queue="hotline", Interface="PJSIP/1002", MemberName="1002", Paused="0"),
        ev("QueueMemberAdded", Queue="other", Interface=SEAT, MemberName="1001", Paused="0"),
        ev("QueueMemberPause", **member, Paused="1", PausedReason="午休"),
        ev("QueueMemberStatus", **member, Paused="1", PausedReason="午休", Status="5"),
        ev("QueueMemberPause", **member, Paused="0", PausedReason=""),
        *call.offered(),
        *call.answered(),
        *call.caller_hangs_up(),
        ev("QueueMemberPause", **member, Paused="1", PausedReason=AFTER_CALL_WORK_REASON),
        ev("QueueMemberPause", **member, Paused="0", PausedReason=""),
        ev("QueueMemberRemoved", **member),
    ])
    seat_events = [e for e in events if not e.call_id or isinstance(e, AfterCallWorkStarted | AfterCallWorkEnded)]
    assert [(type(e).__name__, getattr(e, "paused", getattr(e, "logged_in", None))) for e in seat_events] == [
        ("QueueMembershipChanged", True),
        ("PauseStateChanged", True),
        ("PauseStateChanged", False),
        ("AfterCallWorkStarted", None),
        ("AfterCallWorkEnded", None),
        ("QueueMembershipChanged", False),
    ]
    assert seat_events[1].reason == "午休"
    acw = seat_events[3]
    assert acw.call_id == call.uid and acw.caller == "13800138000"  # the work order of the call just ended


def test_callback_customer_busy() -> None:
    seat = snap("PJSIP/1001-00000020", "1795702700.1", "1795702700.1", "12345")
    customer = snap("PJSIP/trunk-00000021", "1795702700.2", "1795702700.1", "13900139000", prefix="Dest", state="0")
    tracker = CallTracker(interface=SEAT)
    events = feed_all(tracker, [
        ev("DialBegin", {"Dest" + k: v for k, v in seat.items()}, DialString="1001"),
        ev("DialEnd", {"Dest" + k: v for k, v in seat.items()}, DialStatus="ANSWER"),
        ev("DialBegin", seat, customer, DialString="trunk/13900139000"),
        ev("OriginateResponse", Response="Success", Channel=seat["Channel"], Reason="4", Uniqueid=seat["Uniqueid"],
           Context="hotline-callback", Exten="13900139000", ActionID="ad-1"),
        ev("DialEnd", seat, customer, DialStatus="BUSY"),
        ev("Hangup", seat, Cause="17"),
    ])
    assert kinds(events) == ["call_ringing", "callback_outcome", "callback_outcome", "call_ended"]
    busy = events[2]
    assert isinstance(busy, CallbackOutcome) and busy.outcome is OriginateOutcome.BUSY and busy.caller == "13900139000"
    assert events[3].reason == "busy" and not events[3].answered
    assert tracker.snapshot() == ()


def test_originate_reason_codes() -> None:
    tracker = CallTracker()
    outcomes = []
    for reason, response in (("0", "Failure"), ("1", "Failure"), ("3", "Failure"), ("4", "Success"),
                             ("5", "Failure"), ("8", "Failure"), ("x", "Failure")):
        (event,) = tracker.feed(ev("OriginateResponse", Response=response, Channel="PJSIP/1001", Reason=reason,
                                   Uniqueid="<unknown>", Exten="13900139000", ActionID=f"a{reason}"), T0)
        outcomes.append(event.outcome)
    assert outcomes == [OriginateOutcome.FAILED, OriginateOutcome.HUNG_UP, OriginateOutcome.NO_ANSWER,
                        OriginateOutcome.ANSWERED, OriginateOutcome.BUSY, OriginateOutcome.CONGESTION,
                        OriginateOutcome.FAILED]


def test_resync_ends_ghosts_and_adopts_live_calls() -> None:
    ghost, live, ringing = PjsipCall(1), PjsipCall(2), PjsipCall(3)
    tracker = CallTracker(interface=SEAT)
    feed_all(tracker, ghost.offered() + ghost.answered())
    now = T0 + timedelta(minutes=5)
    channels = [
        ev("CoreShowChannel", live.caller, Application="Queue", ApplicationData="hotline,tc,,,120", BridgeId="b2"),
        ev("CoreShowChannel", live.agent_plain, Application="AppQueue", ApplicationData="(Outgoing Line)",
           BridgeId="b2"),
        ev("CoreShowChannel", ringing.caller, Application="Queue", ApplicationData="hotline,tc", BridgeId=""),
        ev("CoreShowChannel", {**ringing.agent_plain, "ChannelState": "5"}, Application="AppQueue", BridgeId=""),
        ev("CoreShowChannel", snap("AudioSocket/127.0.0.1:9093-aa", "9.9", "9.9"), Application="ChanSpy"),
    ]
    members = [
        ev("QueueParams", Queue="hotline"),
        ev("QueueMember", Queue="hotline", Name="1001", Location=SEAT, Paused="1", PausedReason="培训"),
        ev("QueueEntry", Queue="hotline", Position="1", Uniqueid="1795702600.40", Wait="30"),
    ]
    events = tracker.resync(channels, members, now)
    assert [(e.EVENT, e.call_id) for e in events if e.call_id] == [
        ("call_ended", ghost.uid),
        ("call_offered", live.uid),
        ("call_answered", live.uid),
        ("call_offered", ringing.uid),
        ("call_ringing", ringing.uid),
    ]
    ended = events[0]
    assert isinstance(ended, CallEnded) and ended.reason == LOST_DURING_RECONNECT and ended.hangup_by is Party.SYSTEM
    assert all(getattr(e, "resynced", True) for e in events[1:4])
    seat = [e for e in events if not e.call_id]
    assert [type(e) for e in seat] == [QueueMembershipChanged, PauseStateChanged]
    assert {c.call_id: c.state for c in tracker.snapshot()} == {live.uid: "answered", ringing.uid: "ringing"}
    # A second identical resync changes nothing; then the live calls end normally.
    assert tracker.resync(channels, members, now) == []
    assert kinds(feed_all(tracker, live.caller_hangs_up() + ringing.caller_hangs_up())) == ["call_ended"] * 2
    # Late events about the ghost never bring it back.
    assert feed_all(tracker, ghost.answered() + ghost.caller_hangs_up()) == []
    # Logged out while disconnected: the QueueStatus lists the queue without us.
    (logout,) = tracker.resync([], [ev("QueueParams", Queue="hotline")], now)
    assert isinstance(logout, QueueMembershipChanged) and not logout.logged_in


def test_resync_keeps_a_live_call_and_learns_it_was_answered_meanwhile() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    feed_all(tracker, call.offered())
    channels = [ev("CoreShowChannel", call.caller, Application="Queue", BridgeId="b9"),
                ev("CoreShowChannel", call.agent_plain, Application="AppQueue", BridgeId="b9")]
    events = tracker.resync(channels, [], T0 + timedelta(seconds=30))
    assert kinds(events) == ["call_answered"] and events[0].resynced
    assert kinds(feed_all(tracker, call.caller_hangs_up())) == ["call_ended"]


def test_bad_input_never_raises_and_is_counted() -> None:
    tracker = CallTracker(interface=SEAT)
    garbage: list = [
        {},
        {"Response": "Success"},
        {"Event": "Hangup"},
        {"Event": "AgentCalled", "Queue": "hotline", "Interface": SEAT},
        {"Event": "QueueMemberAdded"},
        {"Event": "ConfbridgeJoin", "Conference": "1"},
        {"Event": "AgentConnect", "Interface": SEAT, "Uniqueid": "1", "DestUniqueid": "2", "HoldTime": "x"},
        {"Event": "Hangup", "Uniqueid": "1", "Cause": "abc"},
        {"Event": "SomethingNew", "Uniqueid": "1"},
        {"Event": 5},
    ]
    for msg in garbage:
        tracker.feed(msg, T0)
    assert tracker.anomalies["malformed:Hangup"] == 1
    assert tracker.anomalies["malformed:AgentCalled"] == 1
    assert tracker.stats["ignored"] == 1 and tracker.stats["not_an_event"] == 3
    assert tracker.snapshot() == ()


def test_naive_time_is_taken_as_utc_and_json_has_an_offset() -> None:
    call = PjsipCall()
    (offered, *_rest) = feed_all(CallTracker(), call.offered(), start=datetime(2026, 11, 26, 6, 0))
    assert offered.to_json()["time"] == "2026-11-26T06:00:00.500000+00:00"
    assert json.dumps(offered.to_json(), ensure_ascii=False)


def test_recording_name_from_channelvars() -> None:
    """With manager.conf `channelvars = MIXMONITOR_FILENAME` (no `dialplan` class, so no VarSet) the name rides on the
    snapshot as a ChanVariable header."""
    from telephony.ami.protocol import AmiMessage

    call = PjsipCall()
    start = AmiMessage([("Event", "MixMonitorStart"), *call.caller.items(),
                        ("ChanVariable", "OTHER=1"), ("ChanVariable", "MIXMONITOR_FILENAME=/rec/cv.wav")])
    messages = [call.offered()[0], start, *call.offered()[3:], *call.answered()]
    answered = next(e for e in feed_all(CallTracker(interface=SEAT), messages) if isinstance(e, CallAnswered))
    assert answered.recording == "/rec/cv.wav"


def test_numbers_and_names_are_never_logged(caplog: object) -> None:
    import logging

    call = PjsipCall(name="王女士")
    with caplog.at_level(logging.DEBUG, logger="telephony.tracking"):  # type: ignore[attr-defined]
        events = feed_all(CallTracker(), [*call.offered(), *call.answered(), *call.caller_hangs_up()])
    assert events and caplog.records  # type: ignore[attr-defined]
    text = caplog.text  # type: ignore[attr-defined]
    assert "13800138000" not in text and "王女士" not in text
    assert all("13800138000" not in repr(e) for e in events)


def test_recording_named_by_call_control() -> None:
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    feed_all(tracker, call.offered()[3:] + call.answered())  # no VarSet: the name is unknown to the PBX stream
    (started,) = tracker.note_recording(call.caller["Channel"], "hotline-20261126-1.wav", T0)
    assert isinstance(started, RecordingStarted) and started.call_id == call.uid
    assert tracker.note_recording(call.uid, "hotline-20261126-1.wav", T0) == []  # same name again: nothing new
    assert tracker.note_recording("PJSIP/unknown-1", "x.wav", T0) == []
    assert tracker.snapshot()[0].recording == "hotline-20261126-1.wav"


def test_attended_transfer_and_threeway_from_the_event_fields() -> None:
    """AttendedTransfer (tech brief §1.7): found by the transferee or the original transferer; Threeway is no move."""
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    feed_all(tracker, call.offered() + call.answered())
    consult = snap("PJSIP/1001-00000030", "1795702600.30", "1795702600.30", "96111")
    target = snap("PJSIP/trunk-00000031", "1795702600.31", "1795702600.30", "96111", "水务")
    fields = {
        **{"OrigTransferer" + k: v for k, v in call.agent_plain.items()},
        **{"SecondTransferer" + k: v for k, v in consult.items()},
        **{"Transferee" + k: v for k, v in call.caller.items()},
        **{"TransferTarget" + k: v for k, v in target.items()},
    }
    (threeway,) = tracker.feed(ev("AttendedTransfer", fields, Result="Success", DestType="Threeway"), T0)
    assert isinstance(threeway, CallTransferred) and (threeway.kind, threeway.target) == ("threeway", "96111")
    assert tracker.feed(ev("AttendedTransfer", fields, Result="Fail", DestType="Fail"), T0) == []
    (attended,) = tracker.feed(ev("AttendedTransfer", fields, Result="Success", DestType="Bridge"), T0)
    assert attended.kind == "attended"
    (end,) = tracker.feed(ev("Hangup", call.agent_plain, Cause="16"), T0)
    assert isinstance(end, CallEnded) and end.reason == "transferred"


def test_resync_brings_back_a_three_way_call() -> None:
    """The desktop restarted during a three-way call: CoreShowChannels shows the seat, the caller and the unit in a
    ConfBridge room; the seat gets its call back (offered + answered) and its three parties."""
    call = PjsipCall()
    room = "179570260010"
    unit = snap("PJSIP/trunk-00000040", "1795702600.40", "1795702600.40", "84561234", "水务集团")
    channels = [
        ev("CoreShowChannel", call.caller, Application="ConfBridge", ApplicationData=f"{room},hotline_bridge"),
        ev("CoreShowChannel", call.agent_plain, Application="ConfBridge", ApplicationData=room),
        ev("CoreShowChannel", unit, Application="ConfBridge", ApplicationData=room),
        ev("CoreShowChannel", snap("PJSIP/1002-00000041", "7.1", "7.1"), Application="ConfBridge",
           ApplicationData="other-room"),
    ]
    tracker = CallTracker(interface=SEAT)
    events = tracker.resync(channels, [], T0)
    assert kinds(events) == ["call_offered", "call_answered"] + ["conference_joined"] * 3
    assert {e.call_id for e in events} == {call.uid} and events[0].caller == "13800138000"
    joined = [e for e in events if isinstance(e, ConferencePartyJoined)]
    assert [e.party for e in joined] == [Party.CALLER, Party.AGENT, Party.UNIT]
    assert tracker.resync(channels, [], T0) == []  # idempotent
    (left, end) = tracker.feed(ev("ConfbridgeLeave", call.agent_plain, Conference=room), T0)
    assert left.EVENT == "conference_left" and left.party is Party.AGENT  # type: ignore[attr-defined]
    assert isinstance(end, CallEnded) and end.reason == "left_conference"
    # The supervisor's view adopts the room as a conference (parties only) and skips nothing.
    sup = CallTracker()
    assert kinds(sup.resync(channels, [], T0)) == ["conference_joined"] * 4


def test_attended_transfer_sent_from_the_consultation_leg_names_the_unit_not_the_caller() -> None:
    """A phone may send its REFER on the consultation dialog: then the seat's original leg is the SecondTransferer,
    the caller is the TransferTarget and the unit is the Transferee (tech brief §1.7: Transferee is in the
    OrigBridge). The transfer still belongs to the seat's call, and its target is the unit, never the caller."""
    call = PjsipCall()
    tracker = CallTracker(interface=SEAT)
    feed_all(tracker, call.offered() + call.answered())
    consult = snap("PJSIP/1001-00000030", "1795702600.30", "1795702600.30", "1001")
    unit = snap("PJSIP/trunk-00000031", "1795702600.31", "1795702600.30", "96111", "水务")
    fields = {
        **{"OrigTransferer" + k: v for k, v in consult.items()},
        **{"SecondTransferer" + k: v for k, v in call.agent_plain.items()},
        **{"Transferee" + k: v for k, v in unit.items()},
        **{"TransferTarget" + k: v for k, v in call.caller.items()},
    }
    (attended,) = tracker.feed(ev("AttendedTransfer", fields, Result="Success", DestType="Bridge"), T0)
    assert isinstance(attended, CallTransferred) and attended.call_id == call.uid
    assert (attended.kind, attended.target) == ("attended", "96111")
    assert attended.transferer_channel == call.agent_plain["Channel"]
    # the unit's consultation channel did not become part of the seat's call
    (end,) = tracker.feed(ev("Hangup", call.agent_plain, Cause="16"), T0)
    assert isinstance(end, CallEnded) and end.reason == "transferred"
    assert tracker.feed(ev("Hangup", consult, Cause="16"), T0) == []
