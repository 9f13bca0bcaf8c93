"""Regenerate the carrier-announcement dev set in tests/data/announcements/ (issue 13, part 2).

    python scripts/make_announcement_dev_set.py [--out tests/data/announcements]

Needs `espeak-ng` (voice `cmn`) and `sox` on the PATH; the clips are committed, so tests and the bench never need
them. Every clip is 8 kHz mono 16-bit PCM. What is made, and why:

- `enrol/<kind>.wav`: the recording an operator would enrol, one per kind (espeak `cmn`, speed 210, pitch 50).
- `test/<kind>__<condition>.wav`: what reaches the detector on a survey call. The speech is NOT the enrolled audio:
  it is synthesised again with another speed and pitch (variant a: speed 217, pitch 42; b: speed 203, pitch 58),
  so a match has to survive a voice that is 3 % faster or slower and pitched differently. Conditions: `ulaw`,
  `alaw` (G.711 round trips made by sox), `quiet` (−20 dB, then μ-law), `loud` (+9 dB with clipping, then A-law),
  `noise` (white noise at 12 dB SNR over the speech, then μ-law), `late` (1 s of ringback and 1.2 s of line noise
  before the announcement, then μ-law), `cuthead` (the fork connects 0.8 s into the announcement, A-law),
  `cuttail` (the line drops before the end: 1.3 s early, during 请…再拨, where the announcement ends so, else 0.3 s
  early, within its last syllable; μ-law).
- `negative/*.wav`: what must never be taken for an announcement: people answering (喂，你好 / 喂，哪位 / 你好，请讲 /
  silence then 喂 / a longer answer), made with several espeak voices, through μ-law or A-law; the Korean clips of
  tests/data/asr at 8 kHz; the Chinese ringback (425 Hz, 1 s on, 4 s off); near-silence; a music-like tune.

Noise comes from a seeded generator and sox runs without dither (-D), so the bytes are reproducible on one
machine (espeak-ng builds may differ slightly between versions).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 8000
REPO = Path(__file__).resolve().parent.parent

#: Carrier wordings (China's three carriers say nearly the same; the detector matches whatever the operator enrols).
TEXTS = {
    "空号": "您拨打的号码是空号，请查证后再拨。",
    "停机": "您拨打的电话已停机。",
    "关机": "您拨打的电话已关机。",
    "暂时无法接通": "您拨打的电话暂时无法接通，请稍后再拨。",
    "正在通话中": "您拨打的电话正在通话中，请稍后再拨。",
}
ENROL_VOICE = ("cmn", 210, 50)
TEST_VOICES = {"a": ("cmn", 217, 42), "b": ("cmn", 203, 58)}
CONDITIONS = ("ulaw", "alaw", "quiet", "loud", "noise", "late", "cuthead", "cuttail")
HUMAN = [
    ("wei_nihao_m", "cmn", 160, 50, 0.0, "喂，你好。"),
    ("wei_nawei_f", "cmn+f2", 170, 60, 0.0, "喂，哪位？"),
    ("nihao_qingjiang_m3", "cmn+m3", 150, 45, 0.0, "你好，请讲。"),
    ("silence_wei_f4", "cmn+f4", 165, 55, 1.5, "喂？"),
    ("wei_shuohua_m", "cmn", 185, 40, 0.3, "喂，你好，哪位啊？说话呀。"),
    ("wei_dianhua_f", "cmn+f3", 175, 65, 0.6, "喂，是我，你说吧，我在听。"),
    ("nihao_zhaoshui_m2", "cmn+m2", 165, 50, 0.2, "你好，请问你找谁？"),
    ("wei_shenme_f1", "cmn+f1", 180, 52, 0.0, "喂，喂，听得到吗？"),
]


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def speak(text: str, voice: str, speed: int, pitch: int, work: Path) -> np.ndarray:
    raw, out = work / "raw.wav", work / "speech8k.wav"
    run("espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text)
    run("sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out))
    return trim(read(out))


def trim(x: np.ndarray) -> np.ndarray:
    """espeak pads its output with up to 2 s of silence: keep 50 ms either side of the speech."""
    loud = np.flatnonzero(np.abs(x) > 300)
    if loud.size == 0:
        return x
    pad = RATE // 20
    return x[max(0, loud[0] - pad): loud[-1] + pad]


def read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)


def write(path: Path, x: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes())


def g711(x: np.ndarray, law: str, work: Path) -> np.ndarray:
    """A G.711 round trip made by sox: 16-bit → μ-law or A-law bytes → 16-bit."""
    src, coded, back = work / "g711_in.wav", work / f"g711.{'ul' if law == 'ulaw' else 'al'}", work / "g711_out.wav"
    write(src, x)
    run("sox", "-D", str(src), "-t", "ul" if law == "ulaw" else "al", str(coded))
    run("sox", "-D", "-t", "ul" if law == "ulaw" else "al", "-r", str(RATE), "-c", "1", str(coded),
        "-b", "16", "-e", "signed-integer", str(back))
    return read(back)


def ringback(seconds: float) -> np.ndarray:
    """China's ringback: 425 Hz, 1 s on, 4 s off."""
    t = np.arange(int(seconds * RATE)) / RATE
    on = (t % 5.0) < 1.0
    return 6000 * np.sin(2 * np.pi * 425 * t) * on


def line_noise(seconds: float, rng: np.random.Generator, level: float = 30.0) -> np.ndarray:
    return rng.normal(0, level, int(seconds * RATE))


def tune(seconds: float) -> np.ndarray:
    """Something music-like: notes of a scale with harmonics and a soft envelope."""
    notes = [262, 294, 330, 349, 392, 440, 494, 523, 440, 392, 330, 294]
    note_s = 0.35
    out = []
    for index in range(int(seconds / note_s)):
        f = notes[index % len(notes)]
        t = np.arange(int(note_s * RATE)) / RATE
        env = np.minimum(1, t / 0.02) * np.exp(-3 * t)
        out.append(env * sum(4000 / k * np.sin(2 * np.pi * f * k * t) for k in (1, 2, 3, 4)))
    return np.concatenate(out)


def degrade(x: np.ndarray, condition: str, rng: np.random.Generator, work: Path, *, tail_s: float) -> np.ndarray:
    if condition in ("ulaw", "alaw"):
        return g711(x, condition, work)
    if condition == "quiet":
        return g711(x * 10 ** (-20 / 20), "ulaw", work)
    if condition == "loud":
        return g711(np.clip(x * 10 ** (9 / 20), -32768, 32767), "alaw", work)
    if condition == "noise":
        speech = x[np.abs(x) > 300]
        power = np.mean(speech ** 2) if speech.size else np.mean(x ** 2)
        noise = rng.normal(0, np.sqrt(power / 10 ** (12 / 10)), x.size)
        return g711(x + noise, "ulaw", work)
    if condition == "late":
        lead = np.concatenate([ringback(1.0), line_noise(1.2, rng)])
        return g711(np.concatenate([lead, x + line_noise(x.size / RATE, rng)]), "ulaw", work)
    if condition == "cuthead":
        return g711(x[int(0.8 * RATE):], "alaw", work)
    if condition == "cuttail":
        return g711(x[: x.size - int(tail_s * RATE)], "ulaw", work)
    raise ValueError(condition)


def tools_missing() -> bool:
    """Both scripts speak with espeak-ng and shape the line with sox: say which one is missing."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (apt-get install espeak-ng sox)", file=sys.stderr)
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "announcements")
    args = parser.parse_args(argv)
    if tools_missing():
        return 1
    out: Path = args.out
    rng = np.random.default_rng(20261207)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind, text in TEXTS.items():
            voice, speed, pitch = ENROL_VOICE
            write(out / "enrol" / f"{kind}.wav", speak(text, voice, speed, pitch, work))
            variants = {name: speak(text, *spec, work) for name, spec in TEST_VOICES.items()}
            for index, condition in enumerate(CONDITIONS):
                variant = "ab"[index % 2]
                clip = degrade(variants[variant], condition, rng, work, tail_s=1.3 if text.endswith("再拨。") else 0.3)
                write(out / "test" / f"{kind}__{condition}_{variant}.wav", clip)
        for name, voice, speed, pitch, lead_s, text in HUMAN:
            speech = speak(text, voice, speed, pitch, work)
            clip = np.concatenate([line_noise(lead_s, rng), speech + line_noise(speech.size / RATE, rng),
                                   line_noise(0.8, rng)])
            write(out / "negative" / f"human_{name}.wav", g711(clip, "alaw" if len(name) % 2 else "ulaw", work))
        for name in ("ko_summer_radio_8k", "ko_sentences_8k"):
            source = REPO / "tests" / "data" / "asr" / f"{name}.wav"
            write(out / "negative" / f"human_{name}.wav", g711(read(source), "ulaw", work))
        write(out / "negative" / "ringback.wav", g711(ringback(6.0) + line_noise(6.0, rng), "alaw", work))
        write(out / "negative" / "silence.wav", g711(line_noise(4.0, rng, 8.0), "ulaw", work))
        write(out / "negative" / "tune.wav", g711(tune(5.0), "ulaw", work))
    print(f"dev set written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
