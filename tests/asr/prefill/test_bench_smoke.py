"""A tiny run of bench/prefill_bench.py as a process: exactly one JSON object with its figures. Figures are not
asserted against targets (wall time is never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "prefill_bench.py"


def test_bench_smoke_json() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--rounds", "1", "--json"],
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=True,
    )  # fmt: skip
    result = json.loads(run.stdout)
    assert result["transcripts"] >= 60
    for key in ("mean_ms", "p50_ms", "p99_ms", "max_ms", "warm_up_ms"):
        assert isinstance(result[key], int | float) and result[key] > 0, key
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert isinstance(result["meets_target"], bool)
