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


def test_the_leave_one_set_out_bench_scores_a_set_with_counts_that_never_saw_it() -> None:
    """bench/category_loso.py: blind11's categories with the similar calls counted without blind11 (the figure
    docs/speech.md quotes), as one JSON object."""
    run = subprocess.run(
        [sys.executable, str(BENCH.parent / "category_loso.py"), "--json", "--sets", "blind11,probe5"],
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=True,
    )  # fmt: skip
    result = json.loads(run.stdout)
    assert set(result["sets"]) == {"blind11", "probe5"}
    blind11 = result["sets"]["blind11"]
    assert blind11["calls"] == 30 and blind11["labelled"] == 29
    assert blind11["prefill"] + len(blind11["misses"]) == 30
    # the model alone, never having seen blind11, still gets most of it; the whole pre-fill at least as much
    assert blind11["model"] / blind11["labelled"] >= 0.75 and blind11["prefill"] >= blind11["model"]
    assert result["totals"]["calls"] == 54


def test_a_blind_set_is_scored_table_only_and_its_misses_only_when_asked() -> None:
    """bench/blind_set_score.py: a set `test_dev_set.py` does not check gets the same table, misses on demand."""
    data = BENCH.parents[1] / "tests" / "data" / "prefill"
    script = BENCH.parent / "blind_set_score.py"

    def run(*extra: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, str(script), str(data / "blind1.jsonl"), str(data / "blind20.jsonl"), *extra],
            capture_output=True, text=True, encoding="utf-8", timeout=120, check=True,
        )  # fmt: skip
        return done.stdout.splitlines()

    table = run()
    assert table[0].split() == ["field", "blind1", "blind20", "all"]
    overall = next(line for line in table if line.startswith("overall")).split()
    assert all(cell.endswith("%") for cell in overall[1:])
    assert next(line for line in table if line.startswith("transcripts")).split()[1:] == ["30", "30", "60"]
    assert len(run("--misses")) > len(table)  # blind1 and blind20 are not scored perfectly
