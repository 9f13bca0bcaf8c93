"""The one WAV reader of the desktop, pure: the bytes of a WAV file in, 16-bit PCM samples and their rate out.

Recognition (`asr.recognition.wav.read_wav`) and the simulator's audio (which plays a clip into a call) read WAV
files the same way; each turns `WavError` into its own error kind, with the same codes. Pure: bytes in, a value out
(the caller reads the file).
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

from agent_desktop.core.errors import AgentDesktopError

MIN_RATE_HZ = 4_000
MAX_RATE_HZ = 192_000


class WavError(AgentDesktopError):
    """Codes: `audio_unsupported` (not PCM WAV, not 16-bit, more than one channel where one is required),
    `audio_bad_header` (implausible sample rate), `audio_truncated` (fewer samples than the header announces)."""


@dataclass(frozen=True, slots=True)
class PcmAudio:
    """Signed 16-bit little-endian mono samples and their rate."""

    pcm: bytes
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate_hz


def decode_wav(data: bytes, *, name: str = "audio", first_channel: bool = False) -> PcmAudio:
    """The 16-bit PCM samples of a WAV file's bytes. Mono only, unless `first_channel` (then the first channel of
    a multi-channel file is taken). `name` names the file in the error messages."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            pcm = wav.readframes(frames)
    except (wave.Error, EOFError) as exc:
        # wave raises "unknown format: 3" for float WAV, "file does not start with RIFF id" for other files
        raise WavError(f"{name}: not a 16-bit PCM WAV file ({exc})", code="audio_unsupported") from exc
    if width != 2 or (channels != 1 and not first_channel):
        raise WavError(f"{name}: {channels} channel(s) of {8 * width}-bit samples; only 16-bit mono PCM is accepted "
                       f"(convert with: sox IN -c 1 -b 16 OUT.wav)", code="audio_unsupported",
                       details={"channels": channels, "bits": 8 * width})
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise WavError(f"{name}: implausible sample rate {rate} Hz in the WAV header", code="audio_bad_header",
                       details={"sample_rate_hz": rate})
    if len(pcm) != frames * 2 * channels:
        raise WavError(f"{name}: the header announces {frames} samples but the file holds "
                       f"{len(pcm) // (2 * channels)}", code="audio_truncated",
                       details={"announced": frames, "present": len(pcm) // (2 * channels)})
    if channels > 1:
        step = 2 * channels
        pcm = b"".join(pcm[i : i + 2] for i in range(0, len(pcm), step))
    return PcmAudio(pcm, rate)
