"""The simulator's audio files: a scenario caller's WAV, as the audio fork streams it (20 ms frames of the kinds
AudioSocket has for each sample rate). Read when a scenario loads (scenario.py) and when a fork plays it
(audiosocket.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.wav import WavError, decode_wav

#: Audio kinds by sample rate (0x11..0x18 from Asterisk 20.17/22.7; 0x11 is 12 kHz, 0x12 is 16 kHz).
RATE_KINDS = {8000: 0x10, 12000: 0x11, 16000: 0x12, 24000: 0x13, 32000: 0x14, 44100: 0x15, 48000: 0x16,
              96000: 0x17, 192000: 0x18}
FRAME_MS = 20


@dataclass(frozen=True)
class WavAudio:
    rate_hz: int
    pcm: bytes  # mono, 16-bit little-endian

    @property
    def kind(self) -> int:
        return RATE_KINDS[self.rate_hz]

    @property
    def frame_bytes(self) -> int:
        return self.rate_hz * FRAME_MS // 1000 * 2

    def frames(self) -> list[bytes]:
        """20 ms payloads; the last partial frame is dropped, as Asterisk never sent it (audio-fork.md)."""
        size = self.frame_bytes
        return [self.pcm[i : i + size] for i in range(0, len(self.pcm) - size + 1, size)]

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.rate_hz


def read_wav(path: str | Path) -> WavAudio:
    """A mono (or first channel of a multi-channel) 16-bit PCM WAV at a rate AudioSocket has a kind for. Decoded by
    the desktop's one WAV reader (`agent_desktop.core.wav`); any fault is a ConfigError `scenario_audio_invalid`
    (a scenario's file: the operator fixes the scenario)."""
    file = Path(path)
    try:
        audio = decode_wav(file.read_bytes(), name=f"audio file {file}", first_channel=True)
    except OSError as exc:
        raise ConfigError(f"audio file {file} is not a readable WAV: {exc}", code="scenario_audio_invalid") from exc
    except WavError as exc:
        details = {**exc.details, "reason": exc.code}
        raise ConfigError(exc.message, code="scenario_audio_invalid", details=details) from exc
    if audio.sample_rate_hz not in RATE_KINDS:
        raise ConfigError(f"audio file {file} has rate {audio.sample_rate_hz} Hz; AudioSocket carries "
                          f"{', '.join(str(r) for r in RATE_KINDS)} Hz", code="scenario_audio_invalid")
    return WavAudio(audio.sample_rate_hz, audio.pcm)
