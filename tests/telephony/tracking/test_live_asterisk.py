"""The tracker on the December 2026 captures of a real Asterisk 20.20.1 running the project's own sample configuration
(tests/data/ami/live-2026-12/, its README says which file shows what): the six defects found there, each replayed
from the traffic that showed it, and the gaps closed since.

The captures have no arrival times, so each message is stamped 10 ms after the previous one; a `CoreShowChannels` /
`QueueStatus` list (the service's resync after its login) goes to `resync`, as the telephony service does.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from telephony.ami.capture import read_capture
from telephony.tracking.events import (
    CallAnswered,
    CallbackOutcome,
    CallEnded,
    CallOffered,
    ConferencePartyJoined,
    ConferencePartyUnreachable,
    DomainEvent,
    OriginateOutcome,
    Party,
    RecordingStarted,
    SeatLegStranded,
    StrandedReason,
    SurveyResult,
)
from telephony.tracking.tracker import STALE, CallTracker
from tests.captures import AMI_CAPTURES

from .helpers import PjsipCall, ev, kinds, snap

LIVE = AMI_CAPTURES / "live-2026-12"
SEAT = "Local/1001@phones"
T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
_LISTS = frozenset({"CoreShowChannel", "QueueParams", "QueueMember", "QueueEntry"})


def live(tracker: CallTracker, name: str) -> list[DomainEvent]:
    """Replay a live capture as the telephony service would: events to feed, the login's lists to resync."""
    events: list[DomainEvent] = []
    channels: list[Mapping[str, str]] = []
    queue: list[Mapping[str, str]] = []
    for i, msg in enumerate(read_capture(LIVE / f"{name}.ami.raw")):
        now = T0 + timedelta(milliseconds=10 * i)
        if msg.event in _LISTS and msg.action_id:
            (channels if msg.event == "CoreShowChannel" else queue).append(msg)
        elif msg.event == "QueueStatusComplete":
            events += tracker.resync(channels, queue, now)
            channels, queue = [], []
        else:
            events += tracker.feed(msg, now)
    return events


def of(events: list[DomainEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


# ------------------------------------------------------------------------------------- D2: the three-way call's unit

def test_d2_the_units_originate_is_the_rooms_party_not_a_callback() -> None:
    """03: the unit's `OriginateResponse Application: ConfBridge` became `callback_outcome` (caller 12345); it is the
    room's unit, reported by its ConfbridgeJoin."""
    for tracker in (CallTracker(interface=SEAT), CallTracker()):
        events = live(tracker, "03_threeway_agent_leaves")
        # (a watch also sees the harness's own Originate of the citizen, ActionID h-1: README fact 4)
        assert [o.action_id for o in of(events, CallbackOutcome) if o.action_id != "h-1"] == []
        joined = of(events, ConferencePartyJoined)
        assert [(j.party, j.channel.split("-")[0]) for j in joined] == [
            (Party.CALLER, "Local/13700137002@citizens"), (Party.AGENT, "Local/1001@phones"),
            (Party.UNIT, "Local/073188886666@outbound"),
        ]


def test_d2_an_unreachable_unit_is_reported_for_the_call_with_its_reason() -> None:
    """13: the busy unit's Originate fails before anyone joined the room; the room is known from the legs' BridgeLeave
    (Context conf, Exten = room) after the Redirect."""
    events = live(CallTracker(interface=SEAT), "13_threeway_unit_busy")
    assert of(events, CallbackOutcome) == []
    assert of(live(CallTracker(), "13_threeway_unit_busy"), ConferencePartyUnreachable)
    (unreachable,) = of(events, ConferencePartyUnreachable)
    assert unreachable.call_id == "1796613680.6" and unreachable.caller == "13700137010"
    assert (unreachable.conference, unreachable.party, unreachable.number) == ("94823234", Party.UNIT, "073100000005")
    # The Originate itself fails with Reason 0 while the Local channel still dials: the reason is the unit's DialEnd.
    assert (unreachable.outcome, unreachable.reason_code, unreachable.dial_status, unreachable.action_id) == (
        OriginateOutcome.BUSY, 0, "BUSY", "og-ba78e8c1cef0")
    assert kinds(events).index("conference_unreachable") < kinds(events).index("conference_joined")


# ------------------------------------------------------------------------------------------- D3: the survey's caller

def test_d3_the_survey_result_is_tied_to_its_originate_whatever_the_event_says() -> None:
    """06: `UserEvent: Survey` with `Caller:` empty (no caller ID on the Originate). Call control registers the
    survey's ActionID with its number and order; the result carries both."""
    tracker = CallTracker(interface=SEAT)
    tracker.expect_originate("ad-6d993219-8", number="13900139000", work_order="WO-2026-0042")
    events = live(tracker, "06_survey_no_callerid")
    (outcome,) = of(events, CallbackOutcome)
    (survey,) = of(events, SurveyResult)
    assert outcome.caller == "13900139000"
    assert (survey.caller, survey.work_order, survey.action_id, survey.result) == (
        "13900139000", "WO-2026-0042", "ad-6d993219-8", "2")
    assert survey.call_id == outcome.call_id == "1796613112.34"


def test_d3_a_watch_takes_the_number_from_the_survey_channel() -> None:
    """Without call control's registration (`calls watch`) the number dialled is in the Local channel's name."""
    for name, uid in (("06_survey_no_callerid", "1796613112.34"), ("06b_survey_callerid", "1796613153.38")):
        (survey,) = of(live(CallTracker(), name), SurveyResult)
        assert (survey.call_id, survey.caller, survey.result) == (uid, "13900139000", "2")


# ------------------------------------------------------------------------------------- D4: the callback's recording

CALLBACK_FILE = "/var/spool/asterisk/monitor/callback-13600136000-1796612983.22.wav"


def test_d4_the_callbacks_answer_names_asterisks_recording() -> None:
    """04b: the seat's leg carries `ChanVariable: MIXMONITOR_FILENAME=…/callback-….wav` from its MixMonitorStart on;
    the callback's `call_answered` had `recording: null`. It has Asterisk's absolute path, like an inbound call's."""
    tracker = CallTracker(interface=SEAT)
    tracker.expect_originate("cb-e38cef97784d")
    events = live(tracker, "04b_callback_watch")
    (answered,) = of(events, CallAnswered)
    assert (answered.direction, answered.caller, answered.recording) == ("outbound", "13600136000", CALLBACK_FILE)
    assert of(events, RecordingStarted) == []


def test_d4_call_controls_bare_name_does_not_replace_asterisks_path() -> None:
    """05: after the answer, the service told the tracker the bare name (`recording_started callback-….wav`). The same
    file already named by Asterisk changes nothing."""
    tracker = CallTracker(interface=SEAT)
    tracker.expect_originate("cb-afe25b5b2b5a")
    events = live(tracker, "05_callback_pause_acw_logout")
    answered = of(events, CallAnswered)[0]
    assert answered.recording is not None and answered.recording.startswith("/var/spool/asterisk/monitor/callback-")
    bare = answered.recording.rsplit("/", 1)[1]
    assert tracker.note_recording(answered.agent_channel, bare, T0) == []
    assert of(events, RecordingStarted) == []


# ------------------------------------------------------------------------------ D5: the caller hangs up while on hold

def test_d5_a_held_caller_hanging_up_resumes_nothing_and_strands_the_agents_leg() -> None:
    """14: `MusicOnHoldStop` of the caller going away was reported as `call_resumed`; the agent's leg stayed in
    hold-agent's Wait(3600). Now: no resume, and the agent's leg is reported stranded so the service hangs it up."""
    events = live(CallTracker(interface=SEAT), "14_hold_caller_hangs_up")
    calls = [k for k in kinds(events) if k not in ("queue_membership",)]
    assert calls[:6] == ["call_offered", "call_answered", "call_held", "seat_leg_stranded", "call_ended",
                         "after_call_work_started"]
    (stranded,) = of(events, SeatLegStranded)
    assert (stranded.channel, stranded.uniqueid, stranded.reason) == (
        "Local/1001@phones-00000009;1", "1796613745.18", StrandedReason.HELD_CALLER_HUNG_UP)
    (ended,) = of(events, CallEnded)
    assert ended.hangup_by is Party.CALLER


def test_d5_a_normal_end_strands_nothing() -> None:
    """01 and 02: the caller hangs up in the queue's bridge (the agent's BridgeLeave comes after the caller's
    HangupRequest), and a held call resumed, then blind-transferred: Asterisk ends the agent's leg itself."""
    for name in ("01_inbound_call", "02_hold_resume_transfer"):
        events = live(CallTracker(interface=SEAT), name)
        assert of(events, SeatLegStranded) == [] and of(events, CallEnded)
    assert "call_resumed" in kinds(live(CallTracker(interface=SEAT), "02_hold_resume_transfer"))


# ------------------------------------------------------------------ D6: the agent alone in the three-way call's room

def test_d6_the_agent_left_alone_in_the_room_is_stranded() -> None:
    """13: the unit never came and the caller hung up; ConfBridge kept the agent's leg alone in the room for a minute
    while the tracker had reported the call ended."""
    events = live(CallTracker(interface=SEAT), "13_threeway_unit_busy")
    (stranded,) = of(events, SeatLegStranded)
    assert (stranded.channel, stranded.reason, stranded.call_id) == (
        "Local/1001@phones-00000004;1", StrandedReason.ALONE_IN_CONFERENCE, "1796613680.6")
    assert kinds(events).index("seat_leg_stranded") < kinds(events).index("call_ended")


def test_d6_agent_kicked_or_unit_gone_strands_nothing() -> None:
    for name in ("03_threeway_agent_leaves", "08_threeway_unit_hangs_up"):
        assert of(live(CallTracker(interface=SEAT), name), SeatLegStranded) == []


def _alone_in_room() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """`CoreShowChannels` while the agent's leg was alone in room 94823234 (13, between 03:21:23.920 and 03:22:21):
    the agent's leg as that capture's ConfbridgeJoin shows it (the caller's number, name and Linkedid, Context conf),
    in the layout of 04b's CoreShowChannel; QueueStatus lists the seat as a member."""
    agent = snap("Local/1001@phones-00000004;1", "1796613680.8", "1796613680.6", "13700137010", "李女士")
    phone = snap("Local/1001@phones-00000004;2", "1796613680.9", "1796613680.6", "13700137010", "李女士")
    channels = [
        ev("CoreShowChannel", agent, Context="conf", Exten="94823234", Application="ConfBridge",
           ApplicationData="94823234,hotline_bridge,hotline_user", BridgeId="f62d073d-abcc-4be4-aa8a-45c3378e494b"),
        ev("CoreShowChannel", phone, Context="phones", Exten="1001", Application="Wait", ApplicationData="60"),
    ]
    members = [ev("QueueMember", Queue="hotline", Name=SEAT, Location=SEAT, StateInterface=SEAT, Status="2",
                  Paused="0", InCall="1")]
    return channels, members


def test_d6_a_resync_never_labels_the_agents_leg_as_the_caller() -> None:
    """The agent's leg alone in a room shows the caller's number and Linkedid: a watch's resync adopted it as the
    call's caller. It is told by its device (a queue member's), and reported stranded, in a watch and for the seat."""
    channels, members = _alone_in_room()
    for tracker in (CallTracker(), CallTracker(interface=SEAT)):
        events = tracker.resync(channels, members, T0)
        assert [e for e in events if getattr(e, "party", None) is Party.CALLER] == []
        assert of(events, CallOffered) == [] and tracker.snapshot() == ()
        (stranded,) = of(events, SeatLegStranded)
        assert (stranded.channel, stranded.reason) == ("Local/1001@phones-00000004;1",
                                                       StrandedReason.ALONE_IN_CONFERENCE)


def test_d6_a_resync_of_a_live_room_labels_caller_agent_and_unit() -> None:
    """A room with the caller, the agent and the unit (03 before the kick, CoreShowChannel layout of 04b)."""
    caller = snap("Local/13700137002@citizens-00000005;1", "1796612939.12", "1796612939.12", "13700137002", "李女士")
    agent = snap("Local/1001@phones-00000006;1", "1796612939.14", "1796612939.12", "13700137002", "李女士")
    unit = snap("Local/073188886666@outbound-00000007;1", "1796612942.16", "1796612942.16", "12345", "12345")
    channels = [ev("CoreShowChannel", s, Application="ConfBridge", ApplicationData="91916959") for s in
                (agent, unit, caller)]  # the agent's leg listed first
    _, members = _alone_in_room()
    joined = of(CallTracker().resync(channels, members, T0), ConferencePartyJoined)
    assert {j.channel.split("-")[0]: j.party for j in joined} == {
        "Local/13700137002@citizens": Party.CALLER, "Local/1001@phones": Party.AGENT,
        "Local/073188886666@outbound": Party.UNIT}


# ----------------------------------------------------------------------------------- gap: C-escaped caller names

def test_c_escaped_caller_names_are_shown_unescaped() -> None:
    r"""Asterisk prints a snapshot's caller name with C escapes (`ast_escape_c`): `\"`, `\\` and octal bytes."""
    call = PjsipCall(name='\\"\\347\\216\\213\\\\\\345\\245\\263\\345\\243\\253\\"')
    tracker = CallTracker(interface="PJSIP/1001")
    events = [e for m in call.offered() + call.answered() for e in tracker.feed(m, T0)]
    offered = of(events, CallOffered)[0]
    assert offered.caller_name == '"王\\女士"'
    assert of(events, CallAnswered)[0].caller_name == '"王\\女士"'


# -------------------------------------------------------------------------------- issue 15 item 9: bounded memory

def test_answers_without_ends_do_not_grow_the_trackers_memory_for_ever() -> None:
    """A PBX reporting answered calls and never their end: the tracker keeps at most its bound of live calls, the
    oldest reported ended (reason STALE, counted as an anomaly); memory stays bounded."""
    tracker = CallTracker()
    tracemalloc.start()
    stale = 0
    try:
        for n in range(1, 12_001):
            call = PjsipCall(n, number=f"138{n:08d}")
            for msg in call.answered():
                stale += sum(1 for e in tracker.feed(msg, T0) if isinstance(e, CallEnded) and e.reason == STALE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(tracker.snapshot()) <= 5_000
    assert stale == 12_000 - len(tracker.snapshot()) and tracker.anomalies["stale_call_dropped"] == stale
    assert peak < 40 * 2**20


async def test_the_periodic_resync_drops_calls_asterisk_no_longer_has() -> None:
    """Answers whose end the stream lost (a `calls watch` on a busy PBX): the service's periodic resync lists the PBX's
    channels and ends every call it does not have, so nothing is held for as long as the watch runs."""
    from telephony.ami.connection import AmiSettings
    from telephony.service import TelephonyService
    from telephony.simulator import SimulatorPbx
    from tests.telephony.ami.fake_peer import wait_until

    async with SimulatorPbx(time_scale=0.01) as pbx:
        service = TelephonyService(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0),
                                   resync_interval=0.05)
        ended: list[CallEnded] = []
        service.add_listener(lambda e: ended.append(e) if isinstance(e, CallEnded) else None)
        try:
            await service.start()
            await wait_until(lambda: service.resyncs >= 1, what="first resync")
            for n in range(1, 201):  # answered on a PBX channel list that never had them: their ends were lost
                for msg in PjsipCall(n, number=f"138{n:08d}").answered():
                    service.tracker.feed(msg, T0)
            assert len(service.snapshot()) == 200
            await wait_until(lambda: service.snapshot() == (), 5, what="the periodic resync")
            assert len(ended) == 200 and {e.hangup_by for e in ended} == {Party.SYSTEM}
        finally:
            await service.aclose()


# ------------------------------------------------------------------------------ gap: a callback across a restart

def _restart_during_callback(at_event: str) -> tuple[list[Mapping[str, str]], list[Mapping[str, str]]]:
    """04b cut where the desk restarts (right after the first `at_event` of the seat's callback leg): the
    CoreShowChannels Asterisk would list then, in 04b's CoreShowChannel layout, and the rest of the stream."""
    messages = read_capture(LIVE / "04b_callback_watch.ami.raw")
    cut = next(i for i, m in enumerate(messages)
               if m.event == at_event and m.get("Channel") == "Local/1001@phones-0000000a;1")
    seat = {k: v for k, v in messages[cut].items() if not k.startswith("Dest")}
    dialled = {k[4:]: v for k, v in messages[cut].items() if k.startswith("Dest")}
    bridge = {"BridgeId": "c4cb26c2-0412-4b8a-922c-9436e41924f0"} if at_event == "BridgeEnter" else {}
    if not dialled:  # BridgeEnter names one channel: the citizen's leg as its own BridgeEnter showed it
        dialled = dict(messages[cut - 1].items())
    channels: list[Mapping[str, str]] = [
        {**seat, "Event": "CoreShowChannel", "Application": "Dial",
         "ApplicationData": "Local/13600136000@citizens,30", **bridge},
        {**dialled, "Event": "CoreShowChannel", "Application": "AppDial", "ApplicationData": "(Outgoing Line)",
         **bridge},
    ]
    return channels, list(messages[cut + 1:])


def test_a_callback_ringing_at_a_restart_is_followed_to_its_outcome() -> None:
    channels, rest = _restart_during_callback("DialBegin")
    tracker = CallTracker(interface=SEAT)
    events = tracker.resync(channels, [], T0)
    assert kinds(events) == ["call_ringing"]
    assert (events[0].caller, events[0].direction) == ("13600136000", "outbound")  # type: ignore[attr-defined]
    events = [e for i, m in enumerate(rest) for e in tracker.feed(m, T0 + timedelta(milliseconds=10 * i))]
    assert kinds(events)[:3] == ["callback_outcome", "call_answered", "call_ended"]
    outcome, answered, ended = events[:3]
    assert (outcome.stage, outcome.dial_status) == ("customer", "ANSWER")  # type: ignore[attr-defined]
    assert answered.recording == CALLBACK_FILE  # type: ignore[attr-defined]
    assert (ended.call_id, ended.answered) == (answered.call_id, True)  # type: ignore[attr-defined]


def test_a_callback_talking_at_a_restart_is_followed_to_its_end() -> None:
    channels, rest = _restart_during_callback("BridgeEnter")
    tracker = CallTracker(interface=SEAT)
    events = tracker.resync(channels, [], T0)
    assert kinds(events) == ["call_answered"]
    assert (events[0].direction, events[0].resynced, events[0].recording) == (  # type: ignore[attr-defined]
        "outbound", True, CALLBACK_FILE)
    events = [e for m in rest for e in tracker.feed(m, T0)]
    assert kinds(events)[:1] == ["call_ended"] and tracker.snapshot() == ()


# ------------------------------------------------------------------------------- gap: a call dialled to the seat

def _direct_call(status: str = "ANSWER", n: int = 4) -> list[dict[str, str]]:
    """Asterisk 20's events of a call dialled to the seat's phone from context agents (Dial(PJSIP/1001,30,tT)):
    another seat, or a citizen blind-transferred to this seat; no queue, no AgentCalled."""
    uid, phone_uid = f"1796620000.{10 * n}", f"1796620000.{10 * n + 1}"
    caller = snap(f"PJSIP/1002-{2 * n:08x}", uid, uid, "1002", "张三")
    phone = snap(f"PJSIP/1001-{2 * n + 1:08x}", phone_uid, uid, "1002", "张三", prefix="Dest", state="0")
    phone_plain = snap(f"PJSIP/1001-{2 * n + 1:08x}", phone_uid, uid, "1002", "张三")
    events = [ev("Newchannel", caller), ev("Newchannel", phone_plain),
              ev("DialBegin", caller, phone, DialString="PJSIP/1001"),
              ev("DialState", caller, phone, DialStatus="RINGING"),
              ev("DialEnd", caller, phone, DialStatus=status)]
    if status == "ANSWER":
        events += [ev("BridgeEnter", caller, BridgeUniqueid="b9"), ev("BridgeEnter", phone_plain, BridgeUniqueid="b9"),
                   ev("HangupRequest", caller, Cause="16"), ev("Hangup", caller, Cause="16"),
                   ev("Hangup", phone_plain, Cause="16")]
    else:
        events += [ev("Hangup", phone_plain, Cause="17"), ev("Hangup", caller, Cause="16")]
    return events


def test_a_call_dialled_to_the_seat_pops_and_is_tracked_like_a_queue_call() -> None:
    tracker = CallTracker(interface="PJSIP/1001", queues=["hotline"])
    events = [e for m in _direct_call() for e in tracker.feed(m, T0)]
    assert kinds(events) == ["call_offered", "call_ringing", "call_answered", "call_ended"]
    offered = events[0]
    assert isinstance(offered, CallOffered)
    assert (offered.caller, offered.caller_name, offered.queue, offered.agent_channel) == (
        "1002", "张三", "", "PJSIP/1001-00000009")
    assert (events[3].hangup_by, events[3].reason) == (Party.CALLER, "completed")  # type: ignore[attr-defined]
    tracker = CallTracker(interface="PJSIP/1001")
    declined = [e for m in _direct_call("BUSY", 5) for e in tracker.feed(m, T0)]
    assert kinds(declined) == ["call_offered", "call_ringing", "call_ended"]
    assert declined[-1].reason == "rejected"  # type: ignore[attr-defined]


def test_a_call_dialled_to_another_phone_is_not_this_seats() -> None:
    other = CallTracker(interface="PJSIP/1003")
    assert [e for m in _direct_call() for e in other.feed(m, T0)] == []
    watch = CallTracker()  # a supervisor: only phones known as queue members are seats
    assert [e for m in _direct_call() for e in watch.feed(m, T0)] == []
    watch.feed(ev("QueueMemberAdded", Queue="hotline", Interface="PJSIP/1001", MemberName="1001", Status="1",
                  Paused="0"), T0)
    assert kinds([e for m in _direct_call(n=6) for e in watch.feed(m, T0)]) == [
        "call_offered", "call_ringing", "call_answered", "call_ended"]


# ------------------------------------------------------------------- what did not change: byte for byte, as printed

def _printed(events: list[DomainEvent] | list[dict]) -> list[str]:
    """Each event as `calls watch --json` prints it, less the fields that depend on when it was replayed."""
    import json

    out = []
    for event in events:
        data = dict(event) if isinstance(event, dict) else event.to_json()
        for key in ("time", "wait_s", "talk_time_s"):
            data.pop(key, None)
        out.append(json.dumps(data, ensure_ascii=False))
    return out


def _recorded(name: str) -> list[dict]:
    import json

    return [json.loads(line) for line in (LIVE / f"{name}.tracker.jsonl").read_text("utf-8").splitlines()]


def test_the_printed_events_are_unchanged_where_nothing_was_wrong() -> None:
    """The tracker's JSON for the real calls of 01 (a queue call) and 02 (hold, resume, blind transfer) is what the
    desk printed on the day, byte for byte (states, directions, reasons are enums now; their JSON is the same)."""
    for name in ("01_inbound_call", "02_hold_resume_transfer"):
        assert _printed(live(CallTracker(interface=SEAT), name)) == _printed(_recorded(name))


def test_the_printed_events_change_only_where_a_defect_was() -> None:
    """14: `call_resumed` became `seat_leg_stranded`; 05: the callback's answer names its recording and no bare
    `recording_started` follows (the service sent it; here without the service there was none to send), and the AMI
    Hangup of the seat's leg strands nothing (its BridgeLeave comes before its SoftHangupRequest)."""
    got, then = _printed(live(CallTracker(interface=SEAT), "14_hold_caller_hangs_up")), _printed(
        _recorded("14_hold_caller_hangs_up"))
    assert [g for g, t in zip(got, then, strict=True) if g != t] == [got[4]] and '"seat_leg_stranded"' in got[4]
    tracker = CallTracker(interface=SEAT)
    tracker.expect_originate("cb-afe25b5b2b5a")
    got = _printed(live(tracker, "05_callback_pause_acw_logout"))
    then = [line for line in _printed(_recorded("05_callback_pause_acw_logout")) if "recording_started" not in line]
    assert [g for g, t in zip(got, then, strict=True) if g != t] == [got[4]]
    assert '"call_answered"' in got[4]
    assert '"/var/spool/asterisk/monitor/callback-13600136001-1796613076.26.wav"' in got[4]


def test_another_queues_call_through_a_local_member_is_no_direct_call() -> None:
    """01 as a seat following only another queue sees it: the Local member's ;2 half dials the phone, and that is the
    queue's ringing, not a call dialled to the seat."""
    stream = read_capture(LIVE / "01_inbound_call.ami.raw")
    phone = [m for m in stream if m.event == "DialBegin" and m.get("DestChannel", "").startswith("Local/1001@phones")]
    assert phone  # the queue's DialBegin to the member is in the capture
    assert [e for e in live(CallTracker(interface=SEAT, queues=["other"]), "01_inbound_call") if e.call_id] == []


def test_a_periodic_resync_does_not_adopt_a_dial_it_saw_live() -> None:
    """The seat's own call from its phone (not followed live) stays unfollowed when a periodic resync lists it; only a
    tracker that never saw it (the desk restarted) takes the seat's dialling leg for its callback."""
    seat = snap("PJSIP/1001-00000020", "1796621000.1", "1796621000.1", "1001", "1001")
    out = snap("PJSIP/trunk-00000021", "1796621000.2", "1796621000.1", "13812345678", "1001")
    listing = [ev("CoreShowChannel", seat, Application="Dial", ApplicationData="PJSIP/13812345678@trunk,30",
                  Context="agents", Exten="13812345678"),
               ev("CoreShowChannel", out, Application="AppDial", ApplicationData="(Outgoing Line)")]
    tracker = CallTracker(interface="PJSIP/1001")
    tracker.feed(ev("Newchannel", seat), T0)
    assert tracker.resync(listing, [], T0) == []
    assert kinds(CallTracker(interface="PJSIP/1001").resync(listing, [], T0)) == ["call_ringing"]


def test_d6_the_agent_left_alone_after_the_caller_and_then_the_unit() -> None:
    """03 up to the three-way call, then (instead of the agent's kick) the caller hangs up and the seat talks on with
    the unit; the unit then hangs up: the seat's leg is alone in the room. The leaves and hangups are 03's own
    ConfbridgeJoin snapshots of those channels."""
    messages = read_capture(LIVE / "03_threeway_agent_leaves.ami.raw")
    kick = next(i for i, m in enumerate(messages) if m.get("Message") == "User kicked")
    joins = {m["Channel"].split("-")[0]: dict(m) for m in messages[:kick] if m.event == "ConfbridgeJoin"}
    caller, unit = joins["Local/13700137002@citizens"], joins["Local/073188886666@outbound"]
    tail = [{**caller, "Event": "ConfbridgeLeave"}, {**caller, "Event": "Hangup", "Cause": "16"},
            {**unit, "Event": "ConfbridgeLeave"}]
    for tracker in (CallTracker(interface=SEAT), CallTracker()):
        events = [e for i, m in enumerate([*messages[:kick], *tail])
                  for e in tracker.feed(m, T0 + timedelta(milliseconds=10 * i))]
        # the call ends for the screen with the caller; the unit's leave later strands the seat's leg
        assert kinds(events)[-3:] == ["conference_left", "call_ended", "seat_leg_stranded"]
        (stranded,) = of(events, SeatLegStranded)
        assert (stranded.channel, stranded.reason, stranded.call_id) == (
            "Local/1001@phones-00000006;1", StrandedReason.ALONE_IN_CONFERENCE, "1796612939.12")
