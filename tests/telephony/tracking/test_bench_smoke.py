"""A tiny run of bench/ami_throughput.py (peer process with the capture replay and the simulator PBX's flood, our
AmiConnection + tracker): its JSON is complete and every flooded call popped on screen. Figures are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ami_throughput.py"


def test_bench_smoke_json() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--events", "1500", "--sim-calls", "50", "--sim-noise", "1000", "--sim-seconds",
         "0.3", "--latency-seconds", "0.3", "--call-rate", "20", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(run.stdout)  # exactly one JSON object on stdout
    for key in ("events_per_s", "screen_pop_p50_ms", "screen_pop_p99_ms", "panoramisk_parse_per_s", "ratio"):
        assert isinstance(result[key], int | float) and result[key] > 0, key
    replay = result["replay"]
    assert replay["events_received"] == replay["events"]  # nothing lost on the way
    assert replay["calls_offered"] == replay["calls"] > 0  # one screen pop per flooded call
    for run in (result["simulator"], result["latency"]):
        assert run["events_received"] >= run["events_published"] > 0
        assert run["calls_offered"] == run["calls"] == run["samples"] > 0
    assert result["tracker_anomalies"] == 0
