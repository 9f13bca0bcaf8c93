"""Regenerate the ringback negatives of the carrier-announcement detector in tests/data/announcements/ringback/.

    python scripts/make_ringback_negatives.py [--out tests/data/announcements/ringback]

Needs `sox` (the G.711 round trips of scripts/make_announcement_dev_set.py); no espeak: the person after the
ringback is a committed clip of the dev set. The clips are committed, so tests and the bench never need sox.

Why: a trunk that answers at once passes the callee's ringback in band, and a 180/183 with media plays it as early
media, so the detector hears ringback first on many survey calls; it must never give a verdict on it, and must start
its answer clock when a person speaks after it. China's ringback is one tone, 450 Hz (425 Hz on older exchanges),
played 1 s on and 4 s off; some exchanges and PBXs play it continuously while they connect.

What is made (8 kHz mono 16-bit PCM, tone at −11 dBFS):

- `rb<hz>_<cont|cad>_<clean|noise>_<ulaw|alaw>.wav`: both tones, continuous (3 s) or cadenced (6 s: on, 4 s off,
  on), over a quiet line (line noise near −60 dBFS) or with white noise 20 dB below the tone, through a μ-law or
  A-law round trip; the codec alternates so each tone, cadence and noise meets both codecs (8 clips).
- `rb425_cad_digital.wav`: the cadenced 425 Hz tone over digital silence, no codec (the case that came closest to
  the matcher's bar before ringback blocks were left out of matching: 0.65).
- `rb450_cad_then_person_alaw.wav`, `rb425_cont_then_person_ulaw.wav`: ringback, then a person answers (the dev
  set's `negative/human_wei_nihao_m.wav` and `human_nihao_zhaoshui_m2.wav`) — no verdict, and the answer's clock
  must start at the voice (`ringing_s` 6.0 s and 2.5 s).

Noise comes from a seeded generator and sox runs without dither (-D), so the bytes are reproducible on one machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from make_announcement_dev_set import RATE, g711, read, write  # noqa: E402

DEV = REPO / "tests" / "data" / "announcements"
TONE_AMPLITUDE = 9000.0  # −11 dBFS


def ringback(hz: float, seconds: float, *, cadenced: bool) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    on = (t % 5.0) < 1.0 if cadenced else np.ones(t.size, bool)
    return TONE_AMPLITUDE * np.sin(2 * np.pi * hz * t) * on


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEV / "ringback")
    args = parser.parse_args(argv)
    if shutil.which("sox") is None:
        print("sox is not installed (apt-get install sox)", file=sys.stderr)
        return 1
    rng = np.random.default_rng(20261207)
    noise_sigma = TONE_AMPLITUDE / np.sqrt(2) / 10 ** (20 / 20)  # 20 dB below the tone
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for hz, cadenced, noisy in ((h, c, n) for h in (425, 450) for c in (False, True) for n in (False, True)):
            law = "ulaw" if (hz == 425) ^ cadenced ^ noisy else "alaw"
            tone = ringback(hz, 6.0 if cadenced else 3.0, cadenced=cadenced)
            line = rng.normal(0, noise_sigma if noisy else 30.0, tone.size)
            name = f"rb{hz}_{'cad' if cadenced else 'cont'}_{'noise' if noisy else 'clean'}_{law}.wav"
            write(args.out / name, g711(tone + line, law, work))
        write(args.out / "rb425_cad_digital.wav", np.round(ringback(425, 6.0, cadenced=True)))
        person = read(DEV / "negative" / "human_wei_nihao_m.wav")
        tone = ringback(450, 6.0, cadenced=True)
        write(args.out / "rb450_cad_then_person_alaw.wav",
              g711(np.concatenate([tone + rng.normal(0, 30.0, tone.size), person]), "alaw", work))
        person = read(DEV / "negative" / "human_nihao_zhaoshui_m2.wav")
        tone = ringback(425, 2.5, cadenced=False)
        write(args.out / "rb425_cont_then_person_ulaw.wav",
              g711(np.concatenate([tone + rng.normal(0, 30.0, tone.size), person]), "ulaw", work))
    print(f"wrote {len(list(args.out.glob('*.wav')))} clips to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
