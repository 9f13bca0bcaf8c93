"""`agent-desktop pbx-sim` as an operator runs it: a real process, a real port, Ctrl-C to stop."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from agent_desktop.cli import main

from .client import AmiClient

REPO = Path(__file__).resolve().parents[3]


async def test_pbx_sim_serves_ami_until_interrupted(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('[pbx]\ntime_scale = 0.01\n\n[[agents]]\nname = "agent1"\ninterface = "PJSIP/1001"\n'
                        'logged_in = true\nring_s = 1\n\n[[calls]]\nat_s = 0\nnumber = "13807312345"\n'
                        'name = "王女士"\ntalk_s = 1000\n', encoding="utf-8")
    env = {**os.environ, "AGENT_DESKTOP_PBX_SECRET": "from-env"}
    launcher = "import sys; from agent_desktop.cli import main; sys.exit(main())"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", launcher, "pbx-sim", "--listen", "127.0.0.1:0", "--scenario",
        str(scenario), "--user", "seat", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        cwd=REPO)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line.startswith("pbx-sim: listening on 127.0.0.1:"), line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        async with await AmiClient.connect(port, username="seat", secret="from-env") as ami:
            # The scripted call came in at start-up (before we connected): it is live, with its Chinese name.
            async with asyncio.timeout(10):
                while True:
                    _reply, channels = await ami.list_action("CoreShowChannels")
                    if any(m["CallerIDName"] == "王女士" for m in channels):
                        break
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        output = (await process.stdout.read()).decode()
        assert "from-env" not in output and "from-env" not in line
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_bad_listen_address_is_one_clear_error(capsys) -> None:
    assert main(["pbx-sim", "--listen", "nowhere"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["agent-desktop: error: --listen must be HOST:PORT, not 'nowhere'"]


def test_bad_scenario_is_one_clear_error(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[calls]]\nat_s = 1\nnumber = '1'\ntalk_seconds = 3\n", encoding="utf-8")
    assert main(["pbx-sim", "--scenario", str(bad), "--listen", "127.0.0.1:0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("agent-desktop: error: scenario") and "talk_seconds" in err
