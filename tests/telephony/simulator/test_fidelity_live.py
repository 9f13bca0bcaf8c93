"""The simulator against the live-2026-12 captures: the project's own sample configuration in a real Asterisk 20.20.1
(tests/data/ami/live-2026-12/). Each test replays a scenario's client actions, and what the harness did on its own
login (replay_live.py), against the simulator running the harness's dialplan (resources/scenarios/live_2026_12.toml at
1/100 of its timings), and compares:
- each channel's own events, in order (responses too, in order): Asterisk runs a Redirect's moves, ConfBridge and an
  Originate on their own threads, so the interleaving of different channels' events is a race there, never the order
  of one channel's; a ConfBridge member's BridgeEnter and ConfbridgeJoin race too;
- OriginateResponse and QueueMemberStatus as their own ordered lists (they come from other threads);
- what the call tracker makes of both streams: the same domain events.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from telephony.ami.capture import read_capture
from telephony.ami.protocol import AmiMessage
from telephony.simulator import SimulatorPbx, load_manager_user, load_scenario
from telephony.tracking.tracker import CallTracker

from .replay import skeleton
from .replay_live import LIVE, SECRET, HarnessStep, hang_up_handset, place_citizen, replay_live, seat_logged_in

ROOT = Path(__file__).resolve().parents[3]
HARNESS = ROOT / "resources" / "scenarios" / "live_2026_12.toml"
SEAT = "Local/1001@phones"

#: scenario → (the seat was already a queue member, what the harness did)
SCENARIOS: dict[str, tuple[bool, tuple[HarnessStep, ...]]] = {
    "01_inbound_call": (False, (place_citizen("13700137000"),)),
    "02_hold_resume_transfer": (True, (place_citizen("13700137001"),)),
    "03_threeway_agent_leaves": (False, (place_citizen("13700137002"),)),
    "04_callback_cli": (True, ()),
    "05_callback_pause_acw_logout": (True, (place_citizen("13700137003", "王先生"),)),
    "06_survey_no_callerid": (False, ()),
    "06b_survey_callerid": (False, ()),
    "08_threeway_unit_hangs_up": (True, (place_citizen("13700137005"),)),
    "12_callback_busy": (True, ()),
    "12b_callback_bad_interface": (True, ()),
    "13_threeway_unit_busy": (True, (place_citizen("13700137010"),)),
    "14_hold_caller_hangs_up": (True, (place_citizen("13700137011"), hang_up_handset("13700137011"))),
}
_OWN_THREAD = frozenset({"OriginateResponse", "QueueMemberStatus"})
_RACING = (frozenset({"BridgeEnter", "ConfbridgeJoin"}), frozenset({"BridgeLeave", "ConfbridgeLeave"}))


async def _run(name: str) -> tuple[list[AmiMessage], list[AmiMessage]]:
    member, steps = SCENARIOS[name]
    user = dataclasses.replace(load_manager_user(ROOT / "resources" / "asterisk" / "manager.conf", "desk"),
                               secret=SECRET)
    pbx = SimulatorPbx(load_scenario(HARNESS), time_scale=0.01, users=[user], auth_failure_delay_s=0.01)
    await pbx.start()
    try:
        if member:
            seat_logged_in(pbx, SEAT)
        got = await replay_live(pbx, name, steps)
    finally:
        await pbx.stop()
    return read_capture(LIVE / f"{name}.ami.raw"), got


def _per_channel(messages: list[AmiMessage]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in skeleton(messages):
        if row[0] in _OWN_THREAD:
            continue
        channel = next((p for p in row[1:] if p.startswith("Channel=")), "responses" if row[0] == "Response" else "")
        if channel:
            out.setdefault(channel, []).append("|".join(row))
    for rows in out.values():  # a ConfBridge member's BridgeEnter/ConfbridgeJoin (Leave) pair, in one order
        for i in range(len(rows) - 1):
            if {rows[i].split("|")[0], rows[i + 1].split("|")[0]} in _RACING and rows[i] > rows[i + 1]:
                rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return out


def _own_thread(messages: list[AmiMessage], event: str) -> list[tuple[str, ...]]:
    return [row for row in skeleton(messages) if row[0] == event]


def _domain(messages: list[AmiMessage]) -> list[tuple[str, ...]]:
    """The tracker's view, as the seat's service and as `calls watch` would have it: membership left out (it depends
    on the order of the login's lists) and the harness's own Originate (h-1); the unreachable unit sorted last (its
    Originate thread races the room's joins), a run of one kind sorted (who joins the room first races too)."""
    out: list[tuple[str, ...]] = []
    for tracker in (CallTracker(interface=SEAT), CallTracker()):
        view = []
        for i, message in enumerate(messages):
            for event in tracker.feed(message, datetime(2026, 12, 7, tzinfo=UTC) + timedelta(milliseconds=10 * i)):
                data = event.to_json()
                if data["event"] != "queue_membership" and data.get("action_id") != "h-1":
                    view.append((data["event"], str(data.get("party", "")), str(data.get("reason", "")),
                                 str(data.get("outcome", "")), str(data.get("hangup_by", "")),
                                 str(data.get("caller", ""))))
        view.sort(key=lambda row: row[0] == "conference_unreachable")
        # events of one kind in a row (the caller and the agent joining the room) come in either order
        i = 0
        while i < len(view):
            j = i
            while j < len(view) and view[j][0] == view[i][0]:
                j += 1
            view[i:j] = sorted(view[i:j])
            i = j
        out += view
    return out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_each_channels_events_match_the_live_capture(name: str) -> None:
    real, got = await _run(name)
    assert _per_channel(got) == _per_channel(real)
    for event in _OWN_THREAD:
        assert _own_thread(got, event) == _own_thread(real, event)
    assert sum(len(rows) for rows in _per_channel(real).values()) > 8  # the comparison is not vacuous


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_the_tracker_sees_the_same_calls(name: str) -> None:
    real, got = await _run(name)
    assert _domain(got) == _domain(real)
    assert len(_domain(real)) >= 1


async def test_a_parked_agent_keeps_the_member_in_use_until_its_leg_ends() -> None:
    """13 and 14: after the caller hung up (in the room, on hold), `QueueMemberStatus` stays 2 until the agent's leg
    itself hangs up (14: the script's Hangup; 13: never within the capture)."""
    for name in ("13_threeway_unit_busy", "14_hold_caller_hangs_up"):
        real, got = await _run(name)
        for stream in (real, got):
            statuses = [m.get("Status") for m in stream if m.event in ("QueueMemberStatus", "QueueMemberPause")]
            agent_gone = any(m.event == "Hangup" and m.get("Channel", "").startswith(SEAT) and
                             m.get("Channel", "").endswith(";1") for m in stream)
            assert statuses[-1] == ("1" if agent_gone else "2"), name
