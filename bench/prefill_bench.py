"""Pre-fill time per transcript over the development and blind sets (issue 5 target: under 20 ms p99).

    python bench/prefill_bench.py [--rounds N] [--json]

Loads the unit directory and warms the extractor up once (jieba's dictionary, the gazetteer, the similar
calls' counts: paid once per seat session, reported as `warm_up_ms`), then times `prefill(text, notes,
directory)` for every transcript of tests/data/prefill/dev.jsonl and blind*.jsonl (the blind sets hold the
corrected numbers, several matters and dialogues the development set has less of), N rounds, and a whole call
of about 2000 characters. Prints mean, p50, p99 and max in milliseconds; with --json exactly one JSON object on
stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "prefill"
SETS = (DATA / "dev.jsonl", *sorted(DATA.glob("blind*.jsonl")))
TARGET_MS = 20.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the development set (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    from agent_desktop.resources import load_unit_directory
    from asr.prefill import prefill
    from asr.prefill.similar_calls import default_similar_calls

    records = [
        json.loads(line) for path in SETS for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    directory = load_unit_directory()
    start = time.perf_counter()
    prefill(records[0]["text"], directory=directory)
    default_similar_calls()  # read on the first call in no category words: part of the warm-up, not of one call
    warm_up_ms = (time.perf_counter() - start) * 1000

    times: list[float] = []
    chars: list[int] = []
    for _ in range(max(1, args.rounds)):
        for record in records:
            start = time.perf_counter()
            prefill(record["text"], notes=record.get("notes", ""), directory=directory)
            times.append((time.perf_counter() - start) * 1000)
            chars.append(len(record["text"]))
    # a whole call of several minutes: many transcripts end to end (about 2000 characters)
    long_text = " ".join(r["text"] for r in records[:30])[:2000]
    long_times: list[float] = []
    for _ in range(max(1, args.rounds)):
        start = time.perf_counter()
        prefill(long_text, directory=directory)
        long_times.append((time.perf_counter() - start) * 1000)
    figures = {
        "transcripts": len(records),
        "rounds": max(1, args.rounds),
        "mean_chars": round(statistics.fmean(chars), 1),
        "warm_up_ms": round(warm_up_ms, 1),
        "mean_ms": round(statistics.fmean(times), 3),
        "p50_ms": round(percentile(times, 0.50), 3),
        "p99_ms": round(percentile(times, 0.99), 3),
        "max_ms": round(max(times), 3),
        "long_call_chars": len(long_text),
        "long_call_mean_ms": round(statistics.fmean(long_times), 3),
        "target_ms": TARGET_MS,
        "meets_target": percentile(times, 0.99) < TARGET_MS,
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(f"pre-fill over {figures['transcripts']} transcripts × {figures['rounds']} rounds "
              f"(mean {figures['mean_chars']} characters)")
        print(f"  warm-up (jieba dictionary, gazetteer, similar calls): {figures['warm_up_ms']} ms, once per session")
        print(f"  per transcript: mean {figures['mean_ms']} ms, p50 {figures['p50_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms (target < {TARGET_MS:g} ms: "
              f"{'met' if figures['meets_target'] else 'NOT met'})")
        print(f"  a whole call of {figures['long_call_chars']} characters: mean {figures['long_call_mean_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
