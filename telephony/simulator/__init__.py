"""The simulator PBX: an asyncio server that speaks Asterisk 20's AMI and replays its call flows.

It is the embedded default PBX of the demo (`agent-desktop pbx-sim`) and the peer of the integration tests. Public API:

    from telephony.simulator import SimulatorPbx, AmiUser, load_scenario, scenario_from_mapping

    pbx = SimulatorPbx(load_scenario("resources/scenarios/demo.toml"), port=0, time_scale=0.01)
    await pbx.start()
    pbx.port                    # the OS-chosen port
    pbx.place_call("13800138000", "王女士", talk_s=20)
    await pbx.stop()

Imports: the core's errors, the AMI parser of `telephony.ami.protocol` (to read clients' actions) and the standard
library only; never `asr/` (the audio fork's AudioSocket encoder is its own, in `audiosocket.py`).
"""

from telephony.simulator.scenario import (
    AgentSpec,
    CallSpec,
    FloodSpec,
    NumberSpec,
    PbxSettings,
    Scenario,
    load_scenario,
    scenario_from_mapping,
)
from telephony.simulator.server import AmiUser, SimulatorPbx, load_manager_user

__all__ = [
    "AgentSpec",
    "AmiUser",
    "CallSpec",
    "FloodSpec",
    "NumberSpec",
    "PbxSettings",
    "Scenario",
    "SimulatorPbx",
    "load_manager_user",
    "load_scenario",
    "scenario_from_mapping",
]
