"""The carrier-announcement detector on the dev set (or the blind set): detection, false alarms, unknown kinds, time
to decision, CPU per call.

    python bench/announcement_bench.py [--set dev|blind] [--json] [--no-leave-one-out]

Enrols the five reference recordings of tests/data/announcements/enrol into a temporary library, then streams every
clip through `AnnouncementDetector.classify` in 20 ms chunks, as the audio fork delivers a call.

`--set dev` (the default; the detector's rules were chosen on it):
- 40 announcement clips (5 kinds × 8 channel conditions: μ-law, A-law, −20 dB, +9 dB clipped, 12 dB SNR noise, a
  late start after 2.2 s of ringback and line noise, joined 0.8 s late, cut short), spoken by other voices than
  the enrolled ones (scripts/make_announcement_dev_set.py);
- 13 negatives: 10 people answering (8 Chinese espeak voices, 2 Korean clips), ringback, near-silence, a tune.

`--set blind` (tests/data/announcements/blind, scripts/make_announcement_blind_set.py; made before the rules of
December 2026 were changed and not tuned on): 40 announcement clips under other conditions (450 Hz ringback for
1.5 s or 2.6 s first, 6 dB SNR, band pass, tempo ± 5 %, echo, joined 1.5 s late), 6 announcements of kinds no
library enrolls (呼入限制, 无人接听), 10 negatives (8 other people, 450 Hz ringback, hold music).

Figures: `detection_rate` (named with the right kind), `misnamed` (named with a wrong kind), `false_alarms` (a
negative taken for any announcement, of a known kind or not; `false_alarms_human` among the people), time to
decision in seconds of audio (`decided_after_s`: from the fork's start, i.e. the call's answer as Asterisk reports
it; `decided_after_answer_s`: from the far end's answer as the audio tells it, in-band ringback before the voice not
counted — the issue's "within 4 s of answer"; mean, p50, max and the share of all announcement clips decided right
within 4 s), `recording_known_after_s` / `recording_known_after_answer_s`: the moment the detector knew it heard a
carrier's recording and not a person (the shared opening matched well), from the fork's start and from the far end's
answer, with the share of all announcement clips known within 4 s — the issue's "tells a carrier announcement from a
person … within 4 s of answer" — apart from the moment the kind was named (`decided_after_*`);
`negatives_known_as_recording` (must be 0: a person, ringback or music taken for a recording); `ringback`: the
generated ringback clips of tests/data/announcements/ringback (425/450 Hz, continuous and 1 s on 4 s off, clean and
noisy, μ-law/A-law, and ringback followed by a person) — verdicts (must be none), and the margin to the matcher's
bars: the best single block's score (a block counts from `block_min_score` 0.55) and the longest agreeing evidence
(a recording is known from 1.0 s at 0.7); CPU per call (process time of the whole classify), `unknown_kinds` (the
blind set's announcements of kinds no library holds: named as an enrolled kind, heard as an announcement of unknown
kind, or missed), and `unenrolled_kind` (each kind left out of the library in turn: how many of its clips are named
as another kind — `named_ending_attempts` the costly ones, 空号/停机 — and how many are heard as of unknown kind).

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


RINGBACK = DATA / "ringback"


def _margin(matcher, path: Path) -> dict[str, object]:
    """A negative's distance from the matcher's bars, streamed as a call: the best block and the best evidence."""
    from asr.announcements.match import StreamMatcher, as_samples
    from asr.recognition.wav import read_wav

    stream = StreamMatcher(matcher)
    samples = as_samples(read_wav(path).pcm)
    best, recording = (0.0, 0.0), False  # the longest agreeing evidence, and its mean score
    for start in range(0, samples.size, 800):
        stream.feed(samples[start : start + 800])
        verdict = stream.verdict()
        recording = recording or verdict.recording or verdict.announcement
        best = max([best, *((e.evidence_s, e.score) for e in verdict.candidates)])
    block = max((float(h.scores.max()) for h in stream.hits), default=None)
    return {"blocks_matched": len(stream.hits), "best_block_score": None if block is None else round(block, 3),
            "best_evidence_s": round(best[0], 2), "its_score": round(best[1], 3), "known_as_recording": recording}


def _clip_sets(which: str) -> tuple[list[Path], list[Path], list[Path]]:
    """(announcements of enrolled kinds, announcements of kinds no library enrolls, negatives)."""
    folder = DATA if which == "dev" else DATA / "blind"
    return (sorted((folder / "test").glob("*.wav")), sorted((folder / "unknown").glob("*.wav")),
            sorted((folder / "negative").glob("*.wav")))


def _spread(values: list[float], clips: int) -> dict[str, object]:
    return {"mean": round(statistics.fmean(values), 2) if values else None, "p50": round(_percentile(values, 0.5), 2),
            "max": round(max(values, default=0), 2),
            "within_4_s": round(sum(v <= TARGET_DECISION_S for v in values) / max(clips, 1), 4)}


def measure(*, leave_one_out: bool = True, which: str = "dev") -> dict[str, object]:  # noqa: PLR0915 - one run
    from agent_desktop.core.announcement import AnnouncementKind
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from asr.recognition.wav import read_wav

    positives, unknown_kinds, negatives = _clip_sets(which)
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
    decided, after_answer, after_start, cpu_ms, failures = [], [], [], [], []
    known, known_after_answer = [], []
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
        if detection.recording_after_s is not None:
            known.append(detection.recording_after_s)
            known_after_answer.append(detection.recording_after_answer_s)
        if right:
            decided.append(detection.decided_after_s)
            after_answer.append(detection.decided_after_answer_s)
            after_start.append(detection.decided_after_s - max(0.0, detection.offset_s or 0.0))
        else:
            failures.append({"clip": path.name, "heard": detection.kind.value if detection.kind
                             else ("unknown kind" if detection.announcement else None)})
    false_alarms = []
    negative_cpu_ms, negative_decided, negatives_known = [], [], []
    for path in negatives:
        detection, cpu = classify(path)
        if detection.recording_after_s is not None:
            negatives_known.append(path.name)
        negative_cpu_ms.append(cpu * 1000)
        negative_decided.append(detection.decided_after_s)
        if detection.announcement:
            heard = detection.kind.value if detection.kind else "unknown kind"
            false_alarms.append({"clip": path.name, "heard": heard})
    humans = [p for p in negatives if p.name.startswith("human_")]
    unknown = None
    if unknown_kinds:
        verdicts = [classify(path)[0] for path in unknown_kinds]
        unknown = {"clips": len(verdicts), "named_as_enrolled_kind": sum(d.kind is not None for d in verdicts),
                   "named_ending_attempts": sum(d.kind is not None and d.kind.ends_attempts for d in verdicts),
                   "heard_as_unknown_kind": sum(d.unknown_kind for d in verdicts),
                   "missed": sum(not d.announcement for d in verdicts),
                   "recording_known_after_answer_s": _spread([d.recording_after_answer_s for d in verdicts
                                                              if d.recording_after_s is not None], len(verdicts)),
                   "decided_after_answer_s": _spread([d.decided_after_answer_s for d in verdicts if d.unknown_kind],
                                                     len(verdicts))}

    unenrolled = _unenrolled_kind(matcher, positives, classify) if leave_one_out else None
    ringback = None
    if which == "dev" and RINGBACK.is_dir():
        ringback = {}
        for path in sorted(RINGBACK.glob("*.wav")):
            detection = classify(path)[0]
            ringback[path.stem] = {"verdict": detection.kind.value if detection.kind else
                                   ("unknown kind" if detection.announcement else None),
                                   "ringing_s": round(detection.ringing_s, 2), **_margin(matcher, path)}

    return {
        "set": which,
        "clips": {"announcements": len(positives), "unknown_kinds": len(unknown_kinds), "negatives": len(negatives),
                  "human_answers": len(humans)},
        "detection_rate": round(detected / len(positives), 4),
        "detected": detected,
        "misnamed": misnamed,
        "not_detected": failures,
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in per_kind.items()},
        "by_condition": {k: f"{sum(v)}/{len(v)}" for k, v in per_condition.items()},
        "false_alarms": len(false_alarms),
        "false_alarms_human": sum(1 for f in false_alarms if f["clip"].startswith("human_")),
        "false_alarm_clips": false_alarms,
        "decided_after_s": _spread(decided, len(positives)),
        "decided_after_answer_s": _spread(after_answer, len(positives)),
        "recording_known": len(known),
        "recording_known_after_s": _spread(known, len(positives)),
        "recording_known_after_answer_s": _spread(known_after_answer, len(positives)),
        "negatives_known_as_recording": negatives_known,
        "after_announcement_start_s": {"mean": round(statistics.fmean(after_start), 2) if after_start else None,
                                       "max": round(max(after_start, default=0), 2)},
        "negatives_decided_after_s": {"max": round(max(negative_decided, default=0), 2),
                                      "limit": detector.max_listen_s},
        "cpu_ms_per_call": {"mean": round(statistics.fmean(cpu_ms + negative_cpu_ms), 1),
                            "p99": round(_percentile(cpu_ms + negative_cpu_ms, 0.99), 1)},
        "enrol_ms_per_recording": round(enrol_ms, 1),
        "library_load_ms": round(load_ms, 1),
        "unknown_kinds": unknown,
        "unenrolled_kind": unenrolled,
        "ringback": ringback,
    }


def _unenrolled_kind(matcher, positives: list[Path], classify) -> dict[str, int]:
    """With each kind left out of the library in turn, what its clips are heard as."""
    from agent_desktop.core.announcement import AnnouncementKind
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.match import Matcher

    named = ending = unknown = total = 0
    for left_out in AnnouncementKind:
        partial = AnnouncementDetector(Matcher([r for r in matcher.references if r.kind is not left_out]))
        for path in positives:
            if path.stem.split("__")[0] == left_out.value:
                detection = classify(path, partial)[0]
                total += 1
                named += detection.kind is not None
                ending += detection.kind is not None and detection.kind.ends_attempts
                unknown += detection.unknown_kind
    return {"named_as_another_kind": named, "named_ending_attempts": ending, "heard_as_unknown_kind": unknown,
            "clips": total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "blind"), default="dev", help="which clips (default: dev)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-leave-one-out", action="store_true", help="skip the unenrolled-kind figure")
    args = parser.parse_args(argv)
    figures = measure(leave_one_out=not args.no_leave_one_out, which=args.set)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    clips = figures["clips"]
    print(f"[{figures['set']} set] announcements detected: {figures['detected']}/{clips['announcements']} "
          f"({figures['detection_rate']:.1%}), misnamed {figures['misnamed']}")
    print(f"  by kind: {figures['by_kind']}")
    print(f"  by condition: {figures['by_condition']}")
    print(f"false alarms: {figures['false_alarms']}/{clips['negatives']} negatives "
          f"({figures['false_alarms_human']}/{clips['human_answers']} human answers)")
    for key, label in (("decided_after_s", "from the fork's start"),
                       ("decided_after_answer_s", "from the far end's answer (ringback not counted)")):
        decided = figures[key]
        print(f"decided after (s of audio {label}): mean {decided['mean']}, p50 {decided['p50']}, "
              f"max {decided['max']}; within 4 s: {decided['within_4_s']:.1%}")
    print(f"  after the announcement began: {figures['after_announcement_start_s']}")
    for key, label in (("recording_known_after_s", "from the fork's start"),
                       ("recording_known_after_answer_s", "from the far end's answer")):
        spread = figures[key]
        print(f"known to be a recording, not a person ({label}): {figures['recording_known']} clips; mean "
              f"{spread['mean']}, p50 {spread['p50']}, max {spread['max']}; within 4 s: {spread['within_4_s']:.1%}")
    print(f"negatives known as a recording: {figures['negatives_known_as_recording'] or 'none'}")
    for name, result in (figures["ringback"] or {}).items():
        print(f"  ringback {name}: {result}")
    print(f"CPU per call: {figures['cpu_ms_per_call']} ms; enrol {figures['enrol_ms_per_recording']} ms per recording; "
          f"library load {figures['library_load_ms']} ms")
    if figures["unknown_kinds"]:
        print(f"announcements of kinds nobody enrolled: {figures['unknown_kinds']}")
    print(f"each kind left out of the library: {figures['unenrolled_kind']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
