"""The carrier-announcement detector on the dev set: detection rate, false alarms, time to decision, CPU per call.

    python bench/announcement_bench.py [--json]

Enrols the five reference recordings of tests/data/announcements/enrol into a temporary library, then streams every
dev clip through `AnnouncementDetector.classify` in 20 ms chunks, as the audio fork delivers a call:

- 40 announcement clips (5 kinds × 8 channel conditions: μ-law, A-law, −20 dB, +9 dB clipped, 12 dB SNR noise, a
  late start after 2.2 s of ringback and line noise, joined 0.8 s late, cut short), spoken by other voices than
  the enrolled ones (scripts/make_announcement_dev_set.py);
- 13 negatives: 10 people answering (8 Chinese espeak voices, 2 Korean clips), ringback, near-silence, a tune.

Figures: `detection_rate` (named with the right kind), `misnamed` (named with a wrong kind), `false_alarms` (a
negative named as any announcement; `false_alarms_human` among the people), time to decision in seconds of audio
after the answer (`decided_after_s`: mean, p50, max, and the share within 4 s) and after the announcement began
(`after_announcement_start_s`, which differs only for the late starts), CPU per call (process time of the whole
classify), and, as a warning figure, `unenrolled_kind_misnamed`: with one kind left out of the library, how many of
that kind's clips are named as another kind (the library must hold every kind of every carrier).

`measure()` returns the same dict for bench/survey_bench.py. Speed figures depend on the machine; the rates do not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "announcements"
TARGET_DECISION_S = 4.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


async def _chunks(pcm: bytes):
    for start in range(0, len(pcm), 320):  # 20 ms of 8 kHz 16-bit audio
        yield pcm[start : start + 320], 8000


def measure(*, leave_one_out: bool = True) -> dict[str, object]:
    from agent_desktop.core.announcement import AnnouncementKind
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from asr.recognition.wav import read_wav

    positives = sorted((DATA / "test").glob("*.wav"))
    negatives = sorted((DATA / "negative").glob("*.wav"))
    with tempfile.TemporaryDirectory() as folder:
        library = AnnouncementLibrary(Path(folder))
        start = time.perf_counter()
        for kind in AnnouncementKind:
            library.add(kind, DATA / "enrol" / f"{kind.value}.wav")
        enrol_ms = (time.perf_counter() - start) * 1000 / len(AnnouncementKind)
        start = time.perf_counter()
        matcher = library.matcher()
        load_ms = (time.perf_counter() - start) * 1000
    detector = AnnouncementDetector(matcher)

    def classify(path: Path, chosen=detector):  # -> (Detection, cpu seconds)
        pcm = read_wav(path).pcm
        cpu = time.process_time()
        detection = asyncio.run(chosen.classify(_chunks(pcm)))
        return detection, time.process_time() - cpu

    per_kind: dict[str, list[int]] = {}
    per_condition: dict[str, list[int]] = {}
    decided, after_start, cpu_ms, failures = [], [], [], []
    detected = misnamed = 0
    for path in positives:
        kind_text, condition = path.stem.split("__")
        condition = condition.rsplit("_", 1)[0]
        detection, cpu = classify(path)
        cpu_ms.append(cpu * 1000)
        right = detection.kind is not None and detection.kind.value == kind_text
        detected += right
        misnamed += detection.kind is not None and not right
        per_kind.setdefault(kind_text, []).append(right)
        per_condition.setdefault(condition, []).append(right)
        if right:
            decided.append(detection.decided_after_s)
            after_start.append(detection.decided_after_s - max(0.0, detection.offset_s or 0.0))
        else:
            failures.append({"clip": path.name, "heard": detection.kind.value if detection.kind else None})
    false_alarms = []
    negative_cpu_ms, negative_decided = [], []
    for path in negatives:
        detection, cpu = classify(path)
        negative_cpu_ms.append(cpu * 1000)
        negative_decided.append(detection.decided_after_s)
        if detection.kind is not None:
            false_alarms.append({"clip": path.name, "heard": detection.kind.value})
    humans = [p for p in negatives if p.name.startswith("human_")]

    unenrolled = _unenrolled_kind_misnamed(matcher, positives, classify) if leave_one_out else None

    return {
        "clips": {"announcements": len(positives), "negatives": len(negatives), "human_answers": len(humans)},
        "detection_rate": round(detected / len(positives), 4),
        "detected": detected,
        "misnamed": misnamed,
        "missed": [f for f in failures if f["heard"] is None],
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in per_kind.items()},
        "by_condition": {k: f"{sum(v)}/{len(v)}" for k, v in per_condition.items()},
        "false_alarms": len(false_alarms),
        "false_alarms_human": sum(1 for f in false_alarms if f["clip"].startswith("human_")),
        "false_alarm_clips": false_alarms,
        "decided_after_s": {"mean": round(statistics.fmean(decided), 2) if decided else None,
                            "p50": round(_percentile(decided, 0.5), 2), "max": round(max(decided, default=0), 2),
                            "within_4_s": round(sum(d <= TARGET_DECISION_S for d in decided) / len(positives), 4)},
        "after_announcement_start_s": {"mean": round(statistics.fmean(after_start), 2) if after_start else None,
                                       "max": round(max(after_start, default=0), 2)},
        "negatives_decided_after_s": {"max": round(max(negative_decided, default=0), 2),
                                      "limit": detector.max_listen_s},
        "cpu_ms_per_call": {"mean": round(statistics.fmean(cpu_ms + negative_cpu_ms), 1),
                            "p99": round(_percentile(cpu_ms + negative_cpu_ms, 0.99), 1)},
        "enrol_ms_per_recording": round(enrol_ms, 1),
        "library_load_ms": round(load_ms, 1),
        "unenrolled_kind_misnamed": unenrolled,
    }


def _unenrolled_kind_misnamed(matcher, positives: list[Path], classify) -> dict[str, int]:
    """With each kind left out of the library in turn, how many of its clips are named as another kind."""
    from agent_desktop.core.announcement import AnnouncementKind
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.match import Matcher

    wrong = total = 0
    for left_out in AnnouncementKind:
        partial = AnnouncementDetector(Matcher([r for r in matcher.references if r.kind is not left_out]))
        for path in positives:
            if path.stem.split("__")[0] == left_out.value:
                total += 1
                wrong += classify(path, partial)[0].kind is not None
    return {"named_as_another_kind": wrong, "clips": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-leave-one-out", action="store_true", help="skip the unenrolled-kind figure")
    args = parser.parse_args(argv)
    figures = measure(leave_one_out=not args.no_leave_one_out)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    clips = figures["clips"]
    print(f"announcements detected: {figures['detected']}/{clips['announcements']} "
          f"({figures['detection_rate']:.1%}), misnamed {figures['misnamed']}")
    print(f"  by kind: {figures['by_kind']}")
    print(f"  by condition: {figures['by_condition']}")
    print(f"false alarms: {figures['false_alarms']}/{clips['negatives']} negatives "
          f"({figures['false_alarms_human']}/{clips['human_answers']} human answers)")
    decided = figures["decided_after_s"]
    print(f"decided after (s of audio from the answer): mean {decided['mean']}, p50 {decided['p50']}, "
          f"max {decided['max']}; within 4 s: {decided['within_4_s']:.1%}")
    print(f"  after the announcement began: {figures['after_announcement_start_s']}")
    print(f"CPU per call: {figures['cpu_ms_per_call']} ms; enrol {figures['enrol_ms_per_recording']} ms per recording")
    print(f"unenrolled kind named as another: {figures['unenrolled_kind_misnamed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
