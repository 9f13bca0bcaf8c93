"""`agent-desktop survey run` and `survey status` as an operator runs them, against a real central store and the
simulator PBX running on their own loop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.cli import main
from agent_desktop.core.work_order import OrderState
from agent_desktop.runtime import Runtime
from sync.server.app import CentralServer
from telephony.simulator import SimulatorPbx
from telephony.simulator.scenario import NumberSpec
from tests.survey.harness import Clock, local, order_of, pbx_scenario, seed_completed, survey_settings


def test_survey_run_and_status_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    runtime = Runtime()
    runtime.start()
    clock = Clock(local(2026, 9, 29, 10, 0))
    server = CentralServer(f"sqlite:///{tmp_path / 'c.sqlite3'}", clock=clock, survey_settings=survey_settings(),
                           clock_interval_s=0)
    numbers = [NumberSpec("13800007771", answer_after_s=0.2, dtmf="1"),
               NumberSpec("13800007772", outcome="noanswer", answer_after_s=0.2)]
    pbx = SimulatorPbx(pbx_scenario(numbers))
    try:
        runtime.run(server.start(), timeout=30)
        runtime.run(pbx.start(), timeout=30)
        for i, spec in enumerate(numbers):
            seed_completed(server, clock, f"WO-{i}", spec.number, local(2026, 9, 29, 9, 0))
        monkeypatch.setenv("AGENT_DESKTOP_SURVEY_TOKEN", server.store.add_user("survey-1", "survey"))
        monkeypatch.setenv("AGENT_DESKTOP_AMI_SECRET", "desk123")
        code = main(["survey", "run", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk", "--center", server.url,
                     "--result-timeout", "3", "--until-idle"])
        assert code == 0
        summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert summary["placed"] == 2 and summary["outcomes"] == {"rated": 1, "no_answer": 1}
        assert order_of(server, "WO-0").state is OrderState.CLOSED
        assert main(["survey", "status", "--center", server.url, "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["queued"] == 1 and status["in_flight"] == 0
        assert status["today"] == {"rated": 1, "no_answer": 1} and status["ratings_today"] == {"1": 1}
        assert status["in_window"] is True and status["window_ends"].startswith("2026-09-29T12:00")
        assert main(["survey", "status", "--center", server.url]) == 0
        text = capsys.readouterr().out
        assert "queued: 1" in text and "满意 1" in text
    finally:
        runtime.run(pbx.stop(), timeout=30)
        runtime.run(server.stop(), timeout=30)
        runtime.stop()
