"""Make the carrier-announcement *blind* set in tests/data/announcements/blind/ (issue 13): clips nobody tunes on.

    python scripts/make_announcement_blind_set.py [--out tests/data/announcements/blind]

Made before the detector's decision rules of December 2026 were changed, and scored once, at the end of that work
(`python bench/announcement_bench.py --set blind`). Everything differs from the dev set that the rules were tuned
on: other speeds and pitches of the announcements' voice (c: speed 213, pitch 46; d: speed 206, pitch 55), other
channel conditions, announcements of kinds nobody enrolls, other people and other ringback.

- `test/<kind>__<condition>_<voice>.wav`, the five kinds through: `late15` (China's 450 Hz ringback for 1 s, then
  0.5 s of line noise, A-law), `late26` (1 s of 450 Hz ringback, 1.6 s of line noise, μ-law), `noise6` (white noise
  at 6 dB SNR, A-law), `band` (300–3400 Hz band pass, −10 dB, μ-law), `slow` (tempo × 0.95, μ-law), `fast`
  (tempo × 1.05, A-law), `echo` (a 60 ms echo at −10 dB, μ-law), `cuthead15` (the fork joins 1.5 s in, μ-law).
- `unknown/<name>__<condition>_<voice>.wav`: announcements of kinds no library enrolls (呼入限制 call barring,
  无人接听 no answer): they must never be named as one of the five kinds; the detector should call them an
  announcement of unknown kind.
- `negative/human_*.wav`: people answering in voices and words the dev set does not have (one of them says 您);
  `ringback450.wav` (450 Hz, 1 s on 4 s off, 7 s); `hold_music.wav` (another tune).

Uses the dev set script's helpers (espeak-ng `cmn`, sox round trips without dither, a seeded noise generator).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_announcement_dev_set import RATE, REPO, TEXTS, g711, line_noise, read, speak, tools_missing, write

VOICES = {"c": ("cmn", 213, 46), "d": ("cmn", 206, 55)}
CONDITIONS = ("late15", "late26", "noise6", "band", "slow", "fast", "echo", "cuthead15")
UNKNOWN = {
    "呼入限制": "您拨打的用户已设置呼入限制。",
    "无人接听": "您拨打的电话无人接听，请稍后再拨。",
}
UNKNOWN_CONDITIONS = ("ulaw", "noise6", "late15")
HUMAN = [
    ("wei_ninhao_m1", "cmn+m1", 170, 48, 0.2, "喂，您好。"),
    ("wei_wei_f5", "cmn+f5", 190, 62, 0.0, "喂？喂？有人吗？"),
    ("nawei_zhaowo_m4", "cmn+m4", 160, 44, 0.4, "你好，哪位找我？"),
    ("en_nishuo_f2", "cmn+f2", 150, 58, 1.0, "嗯，你说。"),
    ("ninhao_zhaonawei_m2", "cmn+m2", 175, 50, 0.1, "喂，您好，您找哪位？"),
    ("late_wei_f3", "cmn+f3", 165, 56, 2.2, "喂？"),
    ("kaiche_m6", "cmn+m6", 195, 46, 0.3, "喂，我在开车，等会儿再说吧。"),
    ("shuinali_f1", "cmn+f1", 185, 60, 0.0, "喂，你好，请问是哪里？"),
]


def ringback450(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return 6000 * np.sin(2 * np.pi * 450 * t) * ((t % 5.0) < 1.0)


def sox_effect(x: np.ndarray, work: Path, *effect: str) -> np.ndarray:
    src, out = work / "fx_in.wav", work / "fx_out.wav"
    write(src, x)
    subprocess.run(["sox", "-D", str(src), str(out), *effect], check=True, capture_output=True)
    return read(out)


def with_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    speech = x[np.abs(x) > 300]
    power = np.mean(speech ** 2) if speech.size else np.mean(x ** 2)
    return x + rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), x.size)


def degrade(x: np.ndarray, condition: str, rng: np.random.Generator, work: Path) -> np.ndarray:
    if condition == "ulaw":
        return g711(x, "ulaw", work)
    if condition == "late15":
        lead = np.concatenate([ringback450(1.0), line_noise(0.5, rng)])
        return g711(np.concatenate([lead, x + line_noise(x.size / RATE, rng)]), "alaw", work)
    if condition == "late26":
        lead = np.concatenate([ringback450(1.0), line_noise(1.6, rng)])
        return g711(np.concatenate([lead, x + line_noise(x.size / RATE, rng)]), "ulaw", work)
    if condition == "noise6":
        return g711(with_noise(x, 6.0, rng), "alaw", work)
    if condition == "band":
        return g711(sox_effect(x * 10 ** (-10 / 20), work, "sinc", "300-3400"), "ulaw", work)
    if condition == "slow":
        return g711(sox_effect(x, work, "tempo", "-s", "0.95"), "ulaw", work)
    if condition == "fast":
        return g711(sox_effect(x, work, "tempo", "-s", "1.05"), "alaw", work)
    if condition == "echo":
        return g711(sox_effect(x * 0.7, work, "echo", "0.9", "0.9", "60", "0.32"), "ulaw", work)
    if condition == "cuthead15":
        return g711(x[int(1.5 * RATE):], "ulaw", work)
    raise ValueError(condition)


def hold_music(seconds: float) -> np.ndarray:
    notes = [392, 440, 494, 587, 494, 440, 392, 330]
    note_s = 0.5
    out = []
    for index in range(int(seconds / note_s)):
        t = np.arange(int(note_s * RATE)) / RATE
        f = notes[index % len(notes)]
        env = np.minimum(1, t / 0.05) * np.minimum(1, (note_s - t) / 0.05)
        out.append(env * (3000 * np.sin(2 * np.pi * f * t) + 1500 * np.sin(2 * np.pi * f * 1.5 * t)))
    return np.concatenate(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "announcements" / "blind")
    args = parser.parse_args(argv)
    if tools_missing():
        return 1
    out: Path = args.out
    rng = np.random.default_rng(20261215)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind, text in TEXTS.items():
            variants = {name: speak(text, *spec, work) for name, spec in VOICES.items()}
            for index, condition in enumerate(CONDITIONS):
                variant = "cd"[index % 2]
                write(out / "test" / f"{kind}__{condition}_{variant}.wav",
                      degrade(variants[variant], condition, rng, work))
        for name, text in UNKNOWN.items():
            for index, condition in enumerate(UNKNOWN_CONDITIONS):
                variant = "cd"[index % 2]
                speech = speak(text, *VOICES[variant], work)
                write(out / "unknown" / f"{name}__{condition}_{variant}.wav", degrade(speech, condition, rng, work))
        for name, voice, speed, pitch, lead_s, text in HUMAN:
            speech = speak(text, voice, speed, pitch, work)
            clip = np.concatenate([line_noise(lead_s, rng), speech + line_noise(speech.size / RATE, rng),
                                   line_noise(1.0, rng)])
            if name == "kaiche_m6":
                clip = with_noise(clip, 10.0, rng)
            write(out / "negative" / f"human_{name}.wav", g711(clip, "ulaw" if len(name) % 2 else "alaw", work))
        write(out / "negative" / "ringback450.wav", g711(ringback450(7.0) + line_noise(7.0, rng), "ulaw", work))
        write(out / "negative" / "hold_music.wav", g711(hold_music(6.0), "alaw", work))
    print(f"blind set written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
