"""Replaying a reference capture's client actions against the simulator, and the view of a stream the fidelity tests
compare: the significant messages with channel names stripped of their per-boot sequence number.

Replay is condition-driven, never timed: action k is sent once the simulator has produced as many of each *gating*
event as the real Asterisk had produced before its reply to action k. So the simulator is in the same state as the
real PBX was when the real client acted, however fast or slow the machine is.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

from telephony.ami.capture import read_capture
from telephony.ami.protocol import AmiMessage, AmiParser
from tests.captures import AMI_CAPTURES

REFERENCE = AMI_CAPTURES

#: Events the comparison keeps: the call's skeleton. Dialplan noise (VarSet, Newexten), device states, CDRs, caller ID
#: updates and the `;2` halves of Local channels (the rig's fake handsets) are left out.
KEY_EVENTS = frozenset({
    "Newchannel", "Newstate", "Hangup", "DialBegin", "DialState", "DialEnd", "OriginateResponse",
    "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberStatus", "QueueMemberPause", "QueueCallerJoin",
    "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer",
    "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy", "MixMonitorStart", "ConfbridgeStart",
    "ConfbridgeJoin", "ConfbridgeLeave", "ConfbridgeEnd", "ConfbridgeList", "ConfbridgeListComplete",
    "ConfbridgeListRooms", "ConfbridgeListRoomsComplete", "CoreShowChannelsComplete", "QueueParams", "QueueMember",
    "QueueStatusComplete", "QueueSummary", "QueueSummaryComplete", "DTMFBegin", "DTMFEnd", "UserEvent",
    "FullyBooted",
})
#: Events that gate the next action of a replay.
GATING = frozenset({"Hangup", "AgentConnect", "OriginateResponse", "ConfbridgeJoin", "UserEvent", "BridgeEnter"})
#: Headers whose values the comparison keeps (besides the normalised channel names).
VALUE_HEADERS = ("Queue", "MemberName", "Interface", "Status", "Paused", "DialStatus", "Response", "Reason",
                 "Conference", "Digit", "Direction", "UserEvent", "Result", "Cause", "ChannelState", "Application",
                 "Context", "Exten", "Message", "EventList", "ListItems")
_SEQ = re.compile(r"-[0-9a-f]{8}(?=;|$)")


def normalise_channel(name: str) -> str:
    return _SEQ.sub("", name)


def is_second_half(message: AmiMessage) -> bool:
    return any(message.get(h, "").endswith(";2") for h in ("Channel", "DestChannel"))


def skeleton(messages: list[AmiMessage], *, contexts: bool = True) -> list[tuple[str, ...]]:
    """The comparable view: responses and key events of `;1`/non-Local channels, with chosen header values."""
    out: list[tuple[str, ...]] = []
    for message in messages:
        if message.kind == "response":
            out.append(("Response", message.response or "", message.get("Message", "")))
            continue
        if message.event not in KEY_EVENTS or is_second_half(message):
            continue
        if message.event == "Newchannel" and message.get("Channel", "").startswith("Local/"):
            # Channel creation order within a Local pair races in Asterisk; the ;1 is enough.
            pass
        row = [message.event or ""]
        for header in ("Channel", "DestChannel"):
            if header in message:
                row.append(f"{header}={normalise_channel(message[header])}")
        for header in VALUE_HEADERS:
            if header in message and (contexts or header not in ("Context", "Exten")):
                row.append(f"{header}={message[header]}")
        out.append(tuple(row))
    return out


def header_layouts(messages: list[AmiMessage]) -> dict[str, tuple[str, ...]]:
    """The header names, in order, of the first message of each event type."""
    layouts: dict[str, tuple[str, ...]] = {}
    for message in messages:
        if message.event and message.event not in layouts:
            layouts[message.event] = tuple(k for k, _ in message.headers)
    return layouts


async def replay(port: int, name: str, *, timeout: float = 15.0) -> list[AmiMessage]:
    """Send `NAME.sent.raw`'s actions to the simulator on `port`; return everything it sent back, in order."""
    sent = read_capture(REFERENCE / f"{name}.sent.raw")
    received_real = read_capture(REFERENCE / f"{name}.ami.raw")
    reply_index = {m.action_id: i for i, m in enumerate(received_real) if m.kind == "response"}
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    parser = AmiParser()
    got: list[AmiMessage] = []
    counts: Counter[str] = Counter()
    done = asyncio.Event()
    changed = asyncio.Event()

    async def read_all() -> None:
        while data := await reader.read(65536):
            for message in parser.feed(data):
                got.append(message)
                if message.event and not is_second_half(message):
                    counts[message.event] += 1
            changed.set()
        got.extend(parser.finish())
        done.set()
        changed.set()

    reading = asyncio.get_running_loop().create_task(read_all())
    try:
        for action in sent:
            index = reply_index.get(action.action_id, len(received_real))
            needed = Counter(m.event for m in received_real[:index] if m.event in GATING and not is_second_half(m))
            await produced(name, needed, counts, changed, done=done, timeout=timeout, before=f" before {action.action}")
            writer.write(action.to_bytes())
            await writer.drain()
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        writer.close()
        await writer.wait_closed()
        await reading
    return got


async def produced(name: str, needed: Counter[str], counts: Counter[str], changed: asyncio.Event, *,
                   done: asyncio.Event, timeout: float, before: str = "") -> None:
    """Wait until the simulator has sent at least the gating events Asterisk had sent by this point of the capture."""

    async def ready() -> None:
        while any(counts[e] < n for e, n in needed.items()):
            if done.is_set():
                raise AssertionError(f"{name}: connection closed while waiting for {needed - counts}")
            changed.clear()
            await changed.wait()

    try:
        await asyncio.wait_for(ready(), timeout)
    except TimeoutError:
        raise AssertionError(f"{name}: simulator never produced {dict(needed - counts)}{before}") from None
