"""A tiny run of bench/sync_load.py, so the bench cannot rot: real server, two seats, a few operations."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sync.client.central import REPO


def test_sync_load_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "sync_load.py"), "--seats", "2", "--ops", "5", "--catchup", "1",
         "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    for key in ("ops_per_s", "ack_p50_ms", "ack_p99_ms", "sent", "acked", "stored", "lost", "catchup_s"):
        assert key in result
    assert result["sent"] == result["acked"] == result["stored"] == 10
    assert result["lost"] == 0 and result["applied_twice"] == 0
    assert result["catchup_changes"] >= 10
