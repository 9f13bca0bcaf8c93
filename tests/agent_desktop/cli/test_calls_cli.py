"""`agent-desktop calls watch` and `calls callback` as processes against the simulator PBX."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx

from .test_ami_cli import run_cli

IFACE = "PJSIP/1001"
SCENARIO = Scenario(
    pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
    agents=(AgentSpec(name="agent1", interface=IFACE, ring_s=0.05, logged_in=True),),
    numbers=(NumberSpec("13800138000", answer_after_s=0.05, hangup_after_s=0.2),
             NumberSpec("12300000001", outcome="busy", answer_after_s=0.05)),
)


async def _line(stream: asyncio.StreamReader) -> str:
    line = await asyncio.wait_for(stream.readline(), 20)
    assert line, "the process ended early"
    return line.decode()


async def test_watch_prints_json_lines_until_interrupted() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        env = {**os.environ, "AGENT_DESKTOP_AMI_SECRET": "desk123"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent_desktop", "calls", "watch", "--ami", f"127.0.0.1:{pbx.port}",
            "--user", "desk", "--interface", IFACE, "--json", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None and process.stdout is not None
            while "AMI connected" not in await _line(process.stderr):
                pass
            pbx.place_call("13800138000", "王女士", talk_s=0.2)
            seen: list[dict[str, object]] = []
            while not seen or seen[-1]["event"] != "call_ended":
                record = json.loads(await _line(process.stdout))
                assert {"event", "call_id", "caller", "time"} <= record.keys()
                assert record["time"].endswith("+08:00")  # the hotline's zone, as seats read times
                seen.append(record)
            kinds = [r["event"] for r in seen]
            assert kinds.index("call_offered") < kinds.index("call_answered") < kinds.index("call_ended")
            offered = seen[kinds.index("call_offered")]
            assert offered["caller"] == "13800138000" and offered["caller_name"] == "王女士"
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 20) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_watch_with_wrong_secret_fails_cleanly() -> None:
    async with SimulatorPbx(SCENARIO, auth_failure_delay_s=0.05) as pbx:
        code, out, err = await run_cli("calls", "watch", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                       "--json", secret="nope")
        assert code == 1 and out == ""
        assert err.splitlines()[-1].startswith("agent-desktop: error: ") and "nope" not in err


async def test_callback_connected_prints_outcome() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        code, out, err = await run_cli("calls", "callback", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                       "--interface", IFACE, "--number", "13800138000", "--work-order", "WO-1")
        assert code == 0, err
        assert out.strip() == "callback 13800138000: connected — the agent answered, the caller: ANSWER"


async def test_callback_busy_caller_exit_3_json() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        code, out, err = await run_cli("calls", "callback", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                       "--interface", IFACE, "--number", "12300000001", "--json")
        assert code == 3, err
        result = json.loads(out)
        assert result["agent_outcome"] == "answered" and result["customer_status"] == "BUSY"
        assert result["connected"] is False


async def test_callback_bad_number_is_refused() -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        code, _out, err = await run_cli("calls", "callback", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk",
                                        "--interface", IFACE, "--number", "abc")
        assert code == 1 and "not a phone number" in err


async def test_callback_takes_the_pbx_and_the_seat_from_the_config_file(tmp_path: Path) -> None:
    async with SimulatorPbx(SCENARIO) as pbx:
        config = tmp_path / "config.toml"
        config.write_text(f'[ami]\nport = {pbx.port}\n[seat]\ninterface = "{IFACE}"\n', encoding="utf-8")
        code, out, err = await run_cli("--config", str(config), "calls", "callback", "--number", "13800138000")
        assert code == 0, err
        assert out.strip() == "callback 13800138000: connected — the agent answered, the caller: ANSWER"

        # without [seat] interface nor --interface the seat's phone is unknown: one clear line, nothing dialled
        config.write_text(f'[ami]\nport = {pbx.port}\n', encoding="utf-8")
        code, out, err = await run_cli("--config", str(config), "calls", "callback", "--number", "13800138000")
        assert code == 1 and out == "" and "no seat interface" in err and err.count("\n") == 1


async def test_watch_transcribe_with_a_bad_listen_address_is_one_clear_line() -> None:
    code, out, err = await run_cli("calls", "watch", "--ami", "127.0.0.1:5038", "--user", "desk", "--transcribe",
                                   "--model", "/nonexistent", "--listen", "nowhere")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not an AudioSocket address" in err
