"""Replay and event-building helpers shared by the tracker tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone

from telephony.ami.capture import read_capture
from telephony.tracking.events import DomainEvent
from telephony.tracking.tracker import CallTracker
from tests.captures import AMI_CAPTURES

REFERENCE = AMI_CAPTURES

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 26, 14, 14, 30, tzinfo=CST)


def capture(name: str) -> list[tuple[datetime, Mapping[str, str]]]:
    """Messages of a reference capture with the time each arrived (from the `.events.txt` listing)."""
    messages = read_capture(REFERENCE / f"{name}.ami.raw")
    lines = [ln for ln in (REFERENCE / f"{name}.events.txt").read_text("utf-8").splitlines() if "BANNER" not in ln]
    assert len(lines) == len(messages)
    return [(T0 + timedelta(seconds=float(ln.split()[0])), msg) for ln, msg in zip(lines, messages, strict=True)]


def replay(
    tracker: CallTracker, stream: Iterable[tuple[datetime, Mapping[str, str]]]
) -> list[DomainEvent]:
    events: list[DomainEvent] = []
    for now, msg in stream:
        events.extend(tracker.feed(msg, now))
    return events


def kinds(events: Iterable[DomainEvent]) -> list[str]:
    return [e.EVENT for e in events]


def snap(channel: str, uniqueid: str, linkedid: str, num: str = "<unknown>", name: str = "<unknown>", *,
         prefix: str = "", state: str = "6") -> dict[str, str]:
    """A channel snapshot as AMI prints it (prefix "Dest" for the second channel of an event)."""
    return {
        f"{prefix}Channel": channel,
        f"{prefix}ChannelState": state,
        f"{prefix}CallerIDNum": num,
        f"{prefix}CallerIDName": name,
        f"{prefix}Uniqueid": uniqueid,
        f"{prefix}Linkedid": linkedid,
    }


def ev(name: str, *snapshots: Mapping[str, str], **fields: str) -> dict[str, str]:
    msg: dict[str, str] = {}
    for s in snapshots:
        msg.update(s)
    msg.update(fields)
    msg["Event"] = name
    return msg


class PjsipCall:
    """A queue call from a SIP trunk to seat PJSIP/1001 (no Local channels): the events Asterisk 20 sends."""

    def __init__(self, n: int = 1, number: str = "13800138000", name: str = "王女士", agent: str = "PJSIP/1001",
                 queue: str = "hotline") -> None:
        self.uid = f"1795702600.{10 * n}"
        self.agent_uid = f"1795702600.{10 * n + 1}"
        self.caller = snap(f"PJSIP/trunk-{n:08x}", self.uid, self.uid, number, name)
        self.agent = snap(f"{agent}-{n:08x}", self.agent_uid, self.uid, number, name, prefix="Dest", state="0")
        self.agent_plain = snap(f"{agent}-{n:08x}", self.agent_uid, self.uid, number, name)
        self.interface, self.queue = agent, queue

    def _q(self, name: str, **fields: str) -> dict[str, str]:
        queue_fields = {"Queue": self.queue, "Interface": self.interface, "MemberName": "1001"}
        return ev(name, self.caller, self.agent, **queue_fields, **fields)

    def offered(self) -> list[dict[str, str]]:
        return [
            ev("Newchannel", self.caller),
            ev("VarSet", self.caller, Variable="MIXMONITOR_FILENAME", Value=f"/rec/{self.uid}.wav"),
            ev("MixMonitorStart", self.caller),
            ev("QueueCallerJoin", self.caller, Queue=self.queue, Position="2", Count="2"),
            ev("Newchannel", self.agent_plain),
            self._q("AgentCalled"),
            ev("DialBegin", self.caller, self.agent, DialString="1001"),
            ev("DialState", self.caller, self.agent, DialStatus="RINGING"),
        ]

    def answered(self) -> list[dict[str, str]]:
        return [
            ev("DialEnd", self.caller, self.agent, DialStatus="ANSWER"),
            ev("QueueCallerLeave", self.caller, Queue=self.queue, Position="1", Count="0"),
            self._q("AgentConnect", HoldTime="12", RingTime="3"),
            ev("BridgeEnter", self.caller, BridgeUniqueid="b1"),
            ev("BridgeEnter", self.agent_plain, BridgeUniqueid="b1"),
        ]

    def caller_hangs_up(self) -> list[dict[str, str]]:
        return [
            ev("HangupRequest", self.caller, Cause="16"),
            self._q("AgentComplete", HoldTime="12", TalkTime="30", Reason="caller"),
            ev("Hangup", self.caller, Cause="16", **{"Cause-txt": "Normal Clearing"}),
            ev("Hangup", self.agent_plain, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ]

    def agent_hangs_up_by_ami(self) -> list[dict[str, str]]:
        """ami/README fact 1: the desktop's Hangup action on the agent leg; no AgentComplete until the caller ends."""
        return [
            ev("HangupRequest", self.agent_plain, Cause="16"),
            ev("Hangup", self.agent_plain, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ]

    def caller_leaves_later(self) -> list[dict[str, str]]:
        return [
            self._q("AgentComplete", HoldTime="12", TalkTime="30", Reason="caller"),
            ev("Hangup", self.caller, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ]
