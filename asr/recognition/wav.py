"""Reading a WAV file for recognition: 16-bit PCM mono only, with every header field checked.

A recording in another format must be converted first (`sox in.wav -r 8000 -c 1 -b 16 out.wav`); guessing would
feed noise to the recognizer and produce a confident wrong transcript.
"""

from __future__ import annotations

from pathlib import Path

from agent_desktop.core.errors import AsrError
from agent_desktop.core.wav import MAX_RATE_HZ, MIN_RATE_HZ, PcmAudio, WavError, decode_wav

__all__ = ["MAX_RATE_HZ", "MIN_RATE_HZ", "PcmAudio", "read_wav"]


def read_wav(path: str | Path) -> PcmAudio:
    """The samples of a 16-bit PCM mono WAV file (`agent_desktop.core.wav`, the desktop's one WAV reader). AsrError
    `audio_missing`, `audio_unsupported` (not PCM, not 16-bit, not mono), `audio_bad_header` (implausible sample
    rate) or `audio_truncated`."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise AsrError(f"audio file not found: {file}", code="audio_missing", details={"path": str(file)})
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise AsrError(f"cannot read {file}: {exc}", code="audio_missing") from exc
    try:
        return decode_wav(data, name=str(file))
    except WavError as exc:
        raise AsrError(exc.message, code=exc.code, details=exc.details) from exc
