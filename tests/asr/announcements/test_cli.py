"""`agent-desktop survey announcements add|list|remove|test`, run as the operator runs it (in-process `main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.cli import main
from agent_desktop.core.announcement import AnnouncementKind
from tests.asr.announcements.conftest import ENROL, NEGATIVES, TESTS


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "survey", "announcements", *args])


def test_add_list_test_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind, path in ENROL.items():
        assert run(config, "add", kind.value, str(path)) == 0
    assert "enrolled 空号 from 空号.wav" in capsys.readouterr().out
    assert run(config, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in listed] == [k.value for k in ENROL]
    assert run(config, "list") == 0
    assert "暂时无法接通" in capsys.readouterr().out

    clip = next(p for p in TESTS if p.stem == "停机__late_b")
    assert run(config, "test", str(clip), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result)[:3] == ["kind", "score", "offset_s"]
    assert result["kind"] == "停机" and result["score"] > 0.8 and result["offset_s"] == pytest.approx(2.2, abs=0.1)
    assert result["announcement"] is True and result["ringing_s"] == pytest.approx(2.2, abs=0.06)

    human = next(p for p in NEGATIVES if p.stem == "human_wei_nihao_m")
    assert run(config, "test", str(human), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] is None and result["offset_s"] is None and 0 <= result["score"] < 0.9
    assert result["announcement"] is False

    assert run(config, "remove", listed[0]["id"]) == 0
    assert "removed 空号" in capsys.readouterr().out


def test_bad_kind_and_bad_file_are_one_clear_line(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "add", "忙音", str(ENROL[AnnouncementKind.BUSY])) == 1
    assert "unknown announcement kind '忙音'" in capsys.readouterr().err
    assert run(config, "add", "空号", str(config)) == 1
    err = capsys.readouterr().err
    assert err.startswith("agent-desktop: error:") and "WAV" in err
    assert run(config, "test", str(ENROL[AnnouncementKind.BUSY])) == 1
    assert "no carrier announcement is enrolled" in capsys.readouterr().err


def test_the_kind_may_be_given_by_its_english_name(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "add", "switched_off", str(ENROL[AnnouncementKind.SWITCHED_OFF]), "--json") == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "关机"


def test_announcements_join_a_survey_group_registered_before_them() -> None:
    import argparse

    from agent_desktop.cli import announcements

    parser = argparse.ArgumentParser(prog="agent-desktop")
    subparsers = parser.add_subparsers(dest="command")
    survey = subparsers.add_parser("survey")
    commands = survey.add_subparsers(dest="survey_command")
    commands.add_parser("status")
    announcements.register(subparsers)
    announcements.register(subparsers)  # twice, or after the survey module added it itself: no conflict
    assert set(commands.choices) == {"status", "announcements"}
    args = parser.parse_args(["survey", "announcements", "list", "--json"])
    assert args.handler is announcements.run_list and args.json


def test_an_announcement_of_a_kind_not_enrolled_is_said_so(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind, path in ENROL.items():
        if kind is not AnnouncementKind.SWITCHED_OFF:
            assert run(config, "add", kind.value, str(path)) == 0
    capsys.readouterr()
    clip = next(p for p in TESTS if p.stem == "关机__alaw_b")
    assert run(config, "test", str(clip), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] is None and result["announcement"] is True and result["score"] > 0.8
    assert run(config, "test", str(clip)) == 0
    assert "a carrier announcement of a kind not enrolled" in capsys.readouterr().out
