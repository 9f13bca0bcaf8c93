"""The sample Asterisk configuration in resources/asterisk/ and the simulator agree: the simulator, run with the
sample manager.conf's desktop user, grants and filters exactly what that user gets; the dialplan contexts the
simulator models are the ones extensions.conf defines."""

from __future__ import annotations

import re
from pathlib import Path

from telephony.simulator import SimulatorPbx, load_manager_user, scenario_from_mapping
from telephony.simulator.engine import CONTEXT_KINDS

from .client import AmiClient

ASTERISK = Path(__file__).resolve().parents[3] / "resources" / "asterisk"


def test_manager_conf_user_is_least_privilege() -> None:
    user = load_manager_user(ASTERISK / "manager.conf", "desk")
    assert set(user.write.split(",")) == {"call", "agent", "originate", "reporting"}
    assert "system" not in user.write and "dialplan" not in user.read
    assert "channelvars = MIXMONITOR_FILENAME" in (ASTERISK / "manager.conf").read_text(encoding="utf-8")
    assert {"action(exclude),name(VarSet)=", "action(exclude),name(Newexten)=",
            "action(exclude),name(DeviceStateChange)="} <= set(user.eventfilters)


def test_extensions_conf_defines_every_context_the_simulator_models() -> None:
    text = (ASTERISK / "extensions.conf").read_text(encoding="utf-8")
    defined = set(re.findall(r"^\[([\w-]+)\]", text, flags=re.MULTILINE)) - {"globals"}
    modelled = {name for name, kind in CONTEXT_KINDS.items() if kind != "handset"}
    assert defined == modelled
    assert "Queue(hotline,tc,,,120)" in text and "MixMonitor(hotline-" in text
    assert "UserEvent(Survey,Result: ${SAT},Caller: ${CALLERID(num)})" in text
    assert "ConfBridge(${EXTEN},hotline_bridge,hotline_user)" in text
    confbridge = (ASTERISK / "confbridge.conf").read_text(encoding="utf-8")
    assert "[hotline_bridge]" in confbridge and "[hotline_user]" in confbridge
    assert re.search(r"^\[hotline\]", (ASTERISK / "queues.conf").read_text(encoding="utf-8"), flags=re.MULTILINE)


async def test_desktop_user_of_the_sample_config_gets_the_call_without_the_noise() -> None:
    user = load_manager_user(ASTERISK / "manager.conf", "desk")
    scenario = scenario_from_mapping({"pbx": {"time_scale": 0.01},
                                      "agents": [{"name": "agent1", "interface": "PJSIP/1001", "ring_s": 1}]})
    pbx = SimulatorPbx(scenario, users=[user])
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port, secret=user.secret, events="system,call,agent,user,dtmf") as ami:
            assert (await ami.action("QueueAdd", {"Queue": "hotline", "Interface": "PJSIP/1001",
                                                  "MemberName": "agent1"})).response == "Success"
            denied = await ami.action("Filter", {"Operation": "Add", "Filter": "!Event: Newstate"})
            assert denied["Message"] == "Permission denied"
            recording = await ami.action("MixMonitor", {"Channel": "PJSIP/1001-0", "File": "x.wav"})
            assert recording["Message"] == "Permission denied"
            caller = pbx.place_call("13807312345", "王女士", talk_s=2)
            await ami.event("AgentComplete", Channel=caller)
            await ami.event("Hangup", Channel=caller)
            names = {m.event for m in ami.events()}
            assert {"FullyBooted", "AgentCalled", "AgentConnect", "BridgeEnter", "MixMonitorStart"} <= names
            assert not names & {"VarSet", "Newexten", "DeviceStateChange", "Cdr"}
    finally:
        await pbx.stop()
