"""None's and True's reference counts over a run of the desktop latency bench (issue 11's `none_dealloc` abort).

    python bench/refcount_probe.py --out refcounts.tsv [--every 0.1] -- [desktop_latency.py's arguments]

Runs `bench/desktop_latency.py` in this process with a thread that samples `sys.getrefcount` of None, True and
False every `--every` s and writes them to `--out` (seconds since start, then the three counts), flushed at each
line so that a run that aborts still leaves its samples. On Python 3.11 these singletons are not immortal: a count
that keeps falling reaches 0 and the interpreter aborts (`none_dealloc`, `bool_dealloc`). The bench ends its
process itself once its figures are printed; `--summary` prints the change per second over each tenth of a run
from its `--out` file.

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _sample(out: Path, every: float, stop: threading.Event, rows: list[tuple[float, int, int, int]]) -> None:
    start = time.monotonic()
    with out.open("w") as file:
        file.write("s\tnone\ttrue\tfalse\n")
        while not stop.is_set():
            row = (round(time.monotonic() - start, 2), sys.getrefcount(None), sys.getrefcount(True),
                   sys.getrefcount(False))
            rows.append(row)
            file.write("\t".join(map(str, row)) + "\n")
            file.flush()
            stop.wait(every)


def _summary(rows: list[tuple[float, int, int, int]]) -> str:
    if len(rows) < 2:
        return "too few samples"
    lines = ["t0_s\tt1_s\tnone/s\ttrue/s\tnone_min\ttrue_min"]
    step = max(1, len(rows) // 10)
    for i in range(0, len(rows) - 1, step):
        a, b = rows[i], rows[min(i + step, len(rows) - 1)]
        span = (b[0] - a[0]) or 1.0
        window = rows[i:i + step + 1]
        lines.append(f"{a[0]:.0f}\t{b[0]:.0f}\t{(b[1] - a[1]) / span:+.0f}\t{(b[2] - a[2]) / span:+.0f}\t"
                     f"{min(r[1] for r in window)}\t{min(r[2] for r in window)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--summary", action="store_true", help="only print the summary of an earlier --out")
    args, bench_args = parser.parse_known_args()
    if args.summary:
        lines = args.out.read_text().splitlines()[1:]
        print(_summary([tuple(float(x) if i == 0 else int(x) for i, x in enumerate(line.split("\t")))
                        for line in lines if line.count("\t") == 3]))
        return 0
    if bench_args[:1] == ["--"]:
        bench_args = bench_args[1:]
    from bench import desktop_latency

    stop = threading.Event()
    rows: list[tuple[float, int, int, int]] = []
    sampler = threading.Thread(target=_sample, args=(args.out, args.every, stop, rows), name="refcount-probe",
                               daemon=True)
    sampler.start()
    try:
        return desktop_latency.main(bench_args)
    finally:
        stop.set()
        sampler.join(timeout=2)


if __name__ == "__main__":
    raise SystemExit(main())
