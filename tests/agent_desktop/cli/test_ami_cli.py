"""`agent-desktop ami probe` as a process against the simulator PBX (real TCP), and its error lines."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from agent_desktop.cli import EXIT_FAILURE, main
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import AmiUser, SimulatorPbx
from tests.telephony.ami.fake_peer import wait_until

SCENARIO = Scenario(
    pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
    agents=(AgentSpec(name="agent1", interface="PJSIP/1001", ring_s=0.05, logged_in=True, paused=False),),
    numbers=(NumberSpec("13800138000", answer_after_s=0.05),),
)


async def run_cli(*argv: str, secret: str | None = "desk123") -> tuple[int, str, str]:
    env = dict(os.environ)
    if secret is not None:
        env["AGENT_DESKTOP_AMI_SECRET"] = secret
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent_desktop", *argv, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_probe_prints_versions_channels_and_queues() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        pbx.place_call("13800138000", "王女士")
        await wait_until(lambda: pbx.agent_channel("agent1") is not None, what="call answered")
        code, out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk")
        assert code == 0, err
        assert "Asterisk 20.20.1, AMI 9.0.0" in out
        assert "channels: 2" in out and "13800138000" in out
        assert "hotline" in out and "PJSIP/1001 (agent1)" in out
        assert "desk123" not in out + err

        code, out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk", "--json")
        assert code == 0, err
        report = json.loads(out)
        assert report["asterisk_version"] == "20.20.1" and report["ami_version"] == "9.0.0"
        assert len(report["channels"]) == 2
        (queue,) = report["queues"]
        assert queue["queue"] == "hotline" and queue["members"][0]["interface"] == "PJSIP/1001"


async def test_probe_takes_address_user_and_secret_variable_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --ami/--user/--secret: host, port and user come from [ami], the secret from the variable `secret_env`
    names — and it never shows in the output."""
    async with SimulatorPbx(SCENARIO) as pbx:
        config = tmp_path / "config.toml"
        config.write_text(f'[ami]\nhost = "127.0.0.1"\nport = {pbx.port}\nuser = "desk"\n'
                          f'secret_env = "MY_PBX_SECRET"\n', encoding="utf-8")
        monkeypatch.setenv("MY_PBX_SECRET", "desk123")
        code, out, err = await run_cli("--config", str(config), "ami", "probe", "--json", secret=None)
        assert code == 0, err
        report = json.loads(out)
        assert report["ami"] == f"127.0.0.1:{pbx.port}" and report["user"] == "desk"
        assert report["asterisk_version"] == "20.20.1"
        assert "desk123" not in out + err

        # an option still wins over the file: a wrong user from the command line fails the login
        code, _out, err = await run_cli("--config", str(config), "ami", "probe", "--user", "nobody")
        assert code == EXIT_FAILURE and "Authentication failed" in err


async def test_probe_wrong_secret_is_one_clear_line() -> None:
    async with SimulatorPbx(SCENARIO, auth_failure_delay_s=0.05) as pbx:
        code, out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                       secret="not-the-secret")
        assert code == EXIT_FAILURE and out == ""
        assert err.count("\n") == 1 and err.startswith("agent-desktop: error: ")
        assert "Authentication failed" in err and "not-the-secret" not in err
        assert pbx.session_count == 0


async def test_probe_logs_in_with_a_challenge_by_default_and_plain_on_request() -> None:
    async with SimulatorPbx(SCENARIO, auth_failure_delay_s=0.05) as pbx:
        for extra in ((), ("--auth-type", "plain")):
            code, out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                           *extra, secret="desk123")
            assert code == 0 and "Asterisk 20.20.1" in out, err
        code, _out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                        "--auth-type", "md5", secret="wrong")
        assert code == EXIT_FAILURE and "Authentication failed" in err


async def test_probe_unreachable_is_one_clear_line() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    code, _out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{port}", "--user", "desk")
    assert code == EXIT_FAILURE
    assert err.count("\n") == 1 and "cannot reach Asterisk AMI" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        # address and user default to [ami] of the config (127.0.0.1:5038, desk): only the secret has no default
        (["ami", "probe", "--user", "desk"], "no AMI secret"),
        (["ami", "probe", "--ami", "pbx:notaport", "--user", "desk"], "not an AMI address"),
        (["ami", "probe", "--ami", "127.0.0.1:5038"], "no AMI secret"),
        (["ami", "probe", "--ami", "127.0.0.1:5038", "--user", "desk"], "no AMI secret"),
    ],
)
def test_probe_argument_errors(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


async def test_probe_reports_what_the_user_may_not_see() -> None:
    user = AmiUser("desk", "desk123", read="system,call,agent,user,dtmf", write="call,agent,originate")
    async with SimulatorPbx(SCENARIO, users=[user]) as pbx:
        code, out, err = await run_cli("ami", "probe", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk")
        assert code == 0, err
        assert "channels: not allowed for this user (Permission denied)" in out
        assert "queues: 1" in out and "PJSIP/1001 (agent1)" in out


def test_human_watch_line_format(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from agent_desktop.cli.calls import _print_event
    from telephony.tracking.events import CallOffered

    event = CallOffered(call_id="1.2", caller="13800138000", time=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
                        caller_name="王女士", queue="hotline")
    _print_event(event, as_json=False)
    line = capsys.readouterr().out
    assert line.startswith("2026-11-26T08:00:00+00:00  call_offered")
    assert "call 1.2" in line and "caller 13800138000" in line and "caller_name=王女士" in line
    _print_event(event, as_json=True)
    assert json.loads(capsys.readouterr().out)["caller_name"] == "王女士"
