"""Reading a WAV file for recognition: 16-bit PCM mono only, with every header field checked.

A recording in another format must be converted first (`sox in.wav -r 8000 -c 1 -b 16 out.wav`); guessing would
feed noise to the recognizer and produce a confident wrong transcript.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

from agent_desktop.core.errors import AsrError

MIN_RATE_HZ = 4_000
MAX_RATE_HZ = 192_000


@dataclass(frozen=True, slots=True)
class PcmAudio:
    """Signed 16-bit little-endian mono samples and their rate."""

    pcm: bytes
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate_hz


def read_wav(path: str | Path) -> PcmAudio:
    """The samples of a 16-bit PCM mono WAV file. AsrError `audio_missing`, `audio_unsupported` (not PCM, not 16-bit,
    not mono), `audio_bad_header` (implausible sample rate) or `audio_truncated`."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise AsrError(f"audio file not found: {file}", code="audio_missing", details={"path": str(file)})
    try:
        with wave.open(str(file), "rb") as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            if channels != 1 or width != 2:
                raise AsrError(
                    f"{file}: {channels} channel(s) of {8 * width}-bit samples; only 16-bit mono PCM is accepted "
                    f"(convert with: sox IN -c 1 -b 16 OUT.wav)",
                    code="audio_unsupported",
                    details={"channels": channels, "bits": 8 * width},
                )
            if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
                raise AsrError(f"{file}: implausible sample rate {rate} Hz in the WAV header", code="audio_bad_header",
                               details={"sample_rate_hz": rate})
            pcm = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        # wave raises "unknown format: 3" for float WAV, "file does not start with RIFF id" for other files
        raise AsrError(f"{file}: not a 16-bit PCM WAV file ({exc})", code="audio_unsupported") from exc
    except OSError as exc:
        raise AsrError(f"cannot read {file}: {exc}", code="audio_missing") from exc
    if len(pcm) != frames * 2:
        raise AsrError(
            f"{file}: the header announces {frames} samples but the file holds {len(pcm) // 2}",
            code="audio_truncated",
            details={"announced": frames, "present": len(pcm) // 2},
        )
    return PcmAudio(pcm, rate)
