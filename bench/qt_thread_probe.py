"""What the Qt thread and the interpreter go through during a run of the desktop latency bench (issue 11): None's
and True's reference counts (the `none_dealloc` abort), and the Qt thread's stalls with what it was doing.

    python bench/qt_thread_probe.py --out DIR [--every 0.1] -- [desktop_latency.py's arguments]
    python bench/qt_thread_probe.py --out DIR --summary

Runs `bench/desktop_latency.py` in this process (the bench uses the QApplication made here) and writes to DIR,
flushed line by line so that a run that aborts still leaves them:
- `refcounts.tsv`: every `--every` s, seconds since start and `sys.getrefcount` of None, True and False. On Python
  3.11 these singletons are not immortal: a count that keeps falling reaches 0 and the interpreter aborts;
- `stalls.jsonl`: each time the Qt thread's 10 ms timer is more than `--stall-ms` late, how late, the CPU time
  the Qt thread and the whole process used meanwhile, and the Qt thread's Python stack as a watchdog thread saw it
  (sampled every 5 ms; only the event loop when the Qt thread was in Qt's own code or waiting for the GIL);
- `gc.jsonl`: each garbage collection longer than 10 ms, its generation, duration and thread;
- `slots.jsonl`: per second, how often the window's slots fed by the bridge ran (the bridge's deliveries, the
  window's render, status, notice and warnings, the side panels' renders), their total and longest time.
The bench ends its process itself once its figures are printed: `--summary` reads DIR afterwards.

Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T0 = time.monotonic()


def _now() -> float:
    return round(time.monotonic() - T0, 3)


def _sample_refcounts(out: Path, every: float, stop: threading.Event) -> None:
    with out.open("w") as file:
        file.write("s\tnone\ttrue\tfalse\n")
        while not stop.is_set():
            row = (_now(), sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
            file.write("\t".join(map(str, row)) + "\n")
            file.flush()
            stop.wait(every)


class StallWatch:
    """A 10 ms timer on the Qt thread and a watchdog thread that looks at the Qt thread's stack while it is late."""

    def __init__(self, folder: Path, stall_ms: float) -> None:
        self.stall_ms = stall_ms
        self.beat = time.monotonic()
        self.beat_cpu = (time.thread_time(), time.process_time())
        self.qt_ident = threading.get_ident()
        self.stacks: list[tuple[float, list[str]]] = []
        self.lock = threading.Lock()
        self.stalls = (folder / "stalls.jsonl").open("w")
        self.gcs = (folder / "gc.jsonl").open("w")
        self.gc_start: dict[int, float] = {}

    def start(self) -> None:
        from ui.qt import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(10)
        threading.Thread(target=self._watch, name="stall-watch", daemon=True).start()
        gc.callbacks.append(self._gc)

    def _tick(self) -> None:
        now = time.monotonic()
        late_ms = (now - self.beat) * 1000 - 10
        cpu = (time.thread_time(), time.process_time())
        # CPU time between two ticks: the Qt thread's own (busy in Qt's code) and the whole process's (its other
        # threads); both well under the wall time means the process waited for a CPU the machine did not give it
        qt_cpu_ms, process_cpu_ms = ((cpu[i] - self.beat_cpu[i]) * 1000 for i in (0, 1))
        self.beat, self.beat_cpu = now, cpu
        with self.lock:
            stacks, self.stacks = self.stacks, []
        if late_ms > self.stall_ms:
            seen: dict[str, int] = {}
            for _, stack in stacks:
                key = "\n".join(stack)
                seen[key] = seen.get(key, 0) + 1
            self.stalls.write(json.dumps({"s": _now(), "late_ms": round(late_ms, 1),
                                          "qt_cpu_ms": round(qt_cpu_ms, 1), "process_cpu_ms": round(process_cpu_ms, 1),
                                          "samples": len(stacks),
                                          "stacks": [{"n": n, "stack": k.splitlines()} for k, n in
                                                     sorted(seen.items(), key=lambda kv: -kv[1])]},
                                         ensure_ascii=False) + "\n")
            self.stalls.flush()

    def _watch(self) -> None:
        while True:
            time.sleep(0.005)
            if (time.monotonic() - self.beat) * 1000 < 20:
                continue
            frame = sys._current_frames().get(self.qt_ident)
            stack = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                     for f in traceback.extract_stack(frame)[-12:]] if frame is not None else []
            with self.lock:
                self.stacks.append((_now(), stack))

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self.gc_start[ident] = time.perf_counter()
            return
        began = self.gc_start.pop(ident, None)
        if began is None:
            return
        ms = (time.perf_counter() - began) * 1000
        if ms > 10:
            self.gcs.write(json.dumps({"s": _now(), "gen": info.get("generation"), "ms": round(ms, 1),
                                       "collected": info.get("collected"),
                                       "thread": threading.current_thread().name}) + "\n")
            self.gcs.flush()


SLOTS = (  # (module, class, method): what the Qt thread runs for the bridge's signals
    ("ui.bridge", "DeskBridge", "_deliver_state"), ("ui.bridge", "DeskBridge", "_deliver_health"),
    ("ui.bridge", "DeskBridge", "_deliver_count"), ("ui.bridge", "DeskBridge", "_deliver_services"),
    ("ui.bridge", "DeskBridge", "_deliver_warnings"),
    ("ui.main_window", "MainWindow", "render"), ("ui.main_window", "MainWindow", "show_services"),
    ("ui.main_window", "MainWindow", "show_notice"), ("ui.widgets.warnings", "WarningsIndicator", "show_warnings"),
    ("ui.widgets.tasks", "TasksPanel", "show_tasks"), ("ui.widgets.tasks", "TasksPanel", "_on_orders_changed"),
)


class SlotTimes:
    """Wraps the slots above (before the bench makes the window, so its connections take the wrappers) and writes
    per second how often each ran and for how long."""

    def __init__(self, folder: Path) -> None:
        self.out = (folder / "slots.jsonl").open("w")
        self.second = int(time.monotonic() - T0)
        self.counts: dict[str, list[float]] = {}

    def install(self) -> None:
        import importlib

        for module_name, class_name, method in SLOTS:
            try:
                owner = getattr(importlib.import_module(module_name), class_name)
                original = getattr(owner, method)
            except (ImportError, AttributeError):
                continue
            setattr(owner, method, self._wrap(f"{class_name}.{method}", original))

    def _wrap(self, name: str, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._record(name, (time.perf_counter() - began) * 1000)

        timed.__name__ = original.__name__
        return timed

    def _record(self, name: str, ms: float) -> None:
        second = int(time.monotonic() - T0)
        if second != self.second:
            if self.counts:
                self.out.write(json.dumps({"s": self.second, **{k: [int(v[0]), round(v[1], 1), round(v[2], 1)]
                                                                  for k, v in self.counts.items()}}) + "\n")
                self.out.flush()
            self.second, self.counts = second, {}
        entry = self.counts.setdefault(name, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += ms
        entry[2] = max(entry[2], ms)


def _refcount_summary(path: Path) -> str:
    rows = [tuple(float(x) if i == 0 else int(x) for i, x in enumerate(line.split("\t")))
            for line in path.read_text().splitlines()[1:] if line.count("\t") == 3]
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


def _summary(folder: Path) -> str:
    out = [_refcount_summary(folder / "refcounts.tsv")]
    for name in ("stalls.jsonl", "gc.jsonl"):
        path = folder / name
        if path.exists():
            items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            key = "late_ms" if name == "stalls.jsonl" else "ms"
            out.append(f"{name}: {len(items)}; the longest:")
            for item in sorted(items, key=lambda i: -i[key])[:8]:
                out.append("  " + json.dumps(item, ensure_ascii=False)[:1500])
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a folder for the samples")
    parser.add_argument("--every", type=float, default=0.1, help="seconds between reference-count samples")
    parser.add_argument("--stall-ms", type=float, default=40.0, help="a late tick worth recording")
    parser.add_argument("--slots", action="store_true", help="also time the window's slots fed by the bridge")
    parser.add_argument("--summary", action="store_true", help="only print the summary of an earlier run's --out")
    args, bench_args = parser.parse_known_args()
    if args.summary:
        print(_summary(args.out))
        return 0
    if bench_args[:1] == ["--"]:
        bench_args = bench_args[1:]
    args.out.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    threading.Thread(target=_sample_refcounts, args=(args.out / "refcounts.tsv", args.every, stop),
                     name="refcount-probe", daemon=True).start()
    from bench import desktop_latency

    desktop_latency._offscreen_unless_display()
    from ui.qt import QtWidgets

    _app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])  # the bench takes this one
    StallWatch(args.out, args.stall_ms).start()
    if args.slots:
        SlotTimes(args.out).install()
    try:
        return desktop_latency.main(bench_args)
    finally:
        stop.set()


if __name__ == "__main__":
    raise SystemExit(main())
