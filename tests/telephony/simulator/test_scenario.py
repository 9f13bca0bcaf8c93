"""Scenario files: the shipped ones load, and every mistake is a ConfigError that names the file and the key."""

from __future__ import annotations

import json
import struct
import wave
from pathlib import Path

import pytest

from agent_desktop.core.errors import ConfigError
from telephony.simulator import load_scenario, scenario_from_mapping

SCENARIOS = Path(__file__).resolve().parents[3] / "resources" / "scenarios"


def test_shipped_scenarios_load() -> None:
    demo = load_scenario(SCENARIOS / "demo.toml")
    assert [c.name for c in demo.calls][:3] == ["王女士", "刘先生", "陈女士"]
    assert [c.at_s for c in demo.calls] == sorted(c.at_s for c in demo.calls)
    assert demo.calls[0].audio is not None and demo.calls[0].audio.is_file()
    assert demo.calls[0].variables == (("CALLER_DISTRICT", "岳麓区"),)
    assert demo.number("073185550000").outcome == "busy"  # type: ignore[union-attr]
    rig = load_scenario(SCENARIOS / "capture_rig.toml")
    assert rig.agent_by_interface("local/AGENT1@agents").name == "agent1"  # type: ignore[union-attr]


def test_json_has_the_same_shape(tmp_path: Path) -> None:
    file = tmp_path / "s.json"
    file.write_text(json.dumps({"pbx": {"time_scale": 0.5}, "calls": [{"at_s": 2, "number": 13800138000}]}),
                    encoding="utf-8")
    scenario = load_scenario(file)
    assert scenario.pbx.time_scale == 0.5
    assert scenario.calls[0].number == "13800138000"  # an unquoted number becomes text


def test_audio_paths_are_relative_to_the_file_and_checked(tmp_path: Path) -> None:
    wav = tmp_path / "audio" / "a.wav"
    wav.parent.mkdir()
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(struct.pack("<h", 0) * 320)
    (tmp_path / "ok.toml").write_text('[[calls]]\nat_s = 0\nnumber = "1"\naudio = "audio/a.wav"\n', encoding="utf-8")
    assert load_scenario(tmp_path / "ok.toml").calls[0].audio == wav
    (tmp_path / "missing.toml").write_text('[[calls]]\nat_s = 0\nnumber = "1"\naudio = "nope.wav"\n',
                                           encoding="utf-8")
    with pytest.raises(ConfigError) as missing:
        load_scenario(tmp_path / "missing.toml")
    assert missing.value.code == "scenario_audio_missing"
    (tmp_path / "bad.wav").write_bytes(b"RIFF....not a wav")
    (tmp_path / "bad.toml").write_text('[[numbers]]\nnumber = "1"\naudio = "bad.wav"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        load_scenario(tmp_path / "bad.toml")
    assert bad.value.code == "scenario_audio_invalid"


@pytest.mark.parametrize(("data", "fragment"), [
    ({"pbx": {"time_scael": 1}}, "time_scael"),
    ({"pbx": {"time_scale": 0}}, "time_scale must be positive"),
    ({"calls": [{"number": "1"}]}, "at_s"),
    ({"calls": [{"at_s": -1, "number": "1"}]}, "non-negative"),
    ({"calls": [{"at_s": 1, "number": "1\r\nEvent: Hangup"}]}, "single-line"),
    ({"numbers": [{"number": "1", "outcome": "maybe"}]}, "outcome"),
    ({"agents": [{"name": "a", "interface": "PJSIP/1"}, {"name": "a", "interface": "PJSIP/2"}]}, "unique"),
    ({"agents": [{"name": "a", "interface": "PJSIP/1", "answers": "yes"}]}, "true or false"),
    ({"calls": {"at_s": 1}}, "list of tables"),
    ({"flood": {"calls_per_s": "many"}}, "number"),
    ([], "top level"),
])
def test_mistakes_are_config_errors(data: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as error:
        scenario_from_mapping(data, source="test.toml")
    assert fragment in error.value.message
    assert "test.toml" in error.value.message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as unreadable:
        load_scenario(tmp_path / "absent.toml")
    assert unreadable.value.code == "scenario_unreadable"
    broken = tmp_path / "broken.toml"
    broken.write_text("[[calls]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as malformed:
        load_scenario(broken)
    assert malformed.value.code == "scenario_malformed"
