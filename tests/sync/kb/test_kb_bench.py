"""A tiny smoke run of bench/kb_search.py: it runs, prints one JSON object, and finds the right entries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "kb_search.py"


def test_bench_prints_one_json_object() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--copies", "1", "--queries", "24", "--json"],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["entries"] >= 30 and figures["queries"] == 24
    assert figures["relevance_top1"] == "10/10"
    assert figures["query_p99_ms"] >= figures["query_p50_ms"] > 0
