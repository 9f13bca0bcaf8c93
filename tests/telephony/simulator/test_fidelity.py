"""The simulator against the real Asterisk 20 captures (tests/data/ami/, from the team's reference material).

Each test replays a capture's client actions (`NAME.sent.raw`) against the simulator running the capture rig's
scenario (`resources/scenarios/capture_rig.toml`, at 1/100 of the rig's timings) and compares what came back with what
Asterisk sent (`NAME.ami.raw`), through the AMI helper's parser:
- the skeleton (responses, call/queue/bridge/conference/DTMF events of the `;1` legs, with their key header values) is
  the same, in the same order — except `OriginateResponse`, whose place races with the channel's own events in Asterisk
  (it comes from the originate thread), so it is compared as its own ordered list;
- every event type both streams contain has the same header names in the same order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.ami.capture import read_capture
from telephony.ami.protocol import AmiMessage
from telephony.simulator import SimulatorPbx, load_scenario

from .replay import REFERENCE, header_layouts, replay, skeleton

RIG = Path(__file__).resolve().parents[3] / "resources" / "scenarios" / "capture_rig.toml"
SCENARIOS = ["01_login", "02_actions", "03_queue_inbound", "06_callback", "07_conference", "09_survey"]


async def _run(name: str) -> tuple[list[AmiMessage], list[AmiMessage]]:
    pbx = SimulatorPbx(load_scenario(RIG), time_scale=0.01, auth_failure_delay_s=0.01)
    await pbx.start()
    try:
        got = await replay(pbx.port, name)
    finally:
        await pbx.stop()
    return read_capture(REFERENCE / f"{name}.ami.raw"), got


def _split(rows: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    main = [r for r in rows if r[0] != "OriginateResponse"]
    originate = [r for r in rows if r[0] == "OriginateResponse"]
    return main, originate


@pytest.mark.parametrize("name", SCENARIOS)
async def test_event_sequence_matches_the_capture(name: str) -> None:
    real, got = await _run(name)
    real_main, real_originate = _split(skeleton(real))
    got_main, got_originate = _split(skeleton(got))
    assert got_main == real_main
    assert got_originate == real_originate
    assert len(real_main) > 3  # the comparison is not vacuous


@pytest.mark.parametrize("name", SCENARIOS)
async def test_header_sets_and_order_match_the_capture(name: str) -> None:
    real, got = await _run(name)
    real_layouts, got_layouts = header_layouts(real), header_layouts(got)
    common = set(real_layouts) & set(got_layouts)
    assert common, "no event type in common"
    mismatched = {e: (real_layouts[e], got_layouts[e]) for e in common if real_layouts[e] != got_layouts[e]}
    assert mismatched == {}


async def test_login_failure_is_answered_then_the_socket_closes() -> None:
    real, got = await _run("01b_login_fail")
    assert [(m.response, m.get("Message")) for m in got] == [(m.response, m.get("Message")) for m in real]
    assert got[-1]["Message"] == "Authentication failed"


async def test_banner_is_asterisk_20s() -> None:
    import asyncio

    pbx = SimulatorPbx(time_scale=0.01)
    await pbx.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", pbx.port)
        banner = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        await writer.wait_closed()
    finally:
        await pbx.stop()
    assert banner == (REFERENCE / "01_login.ami.raw").read_bytes().split(b"\n", 1)[0] + b"\n"
