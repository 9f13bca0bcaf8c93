"""The one WAV reader: every header field checked, a multi-channel file only when asked for its first channel."""

from __future__ import annotations

import io
import wave

import pytest

from agent_desktop.core.wav import WavError, decode_wav


def wav_bytes(*, channels: int = 1, width: int = 2, rate: int = 8000, frames: bytes = b"\x01\x00\x02\x00") -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(frames)
    return out.getvalue()


def test_mono_16_bit_is_read_as_it_is() -> None:
    audio = decode_wav(wav_bytes())
    assert (audio.pcm, audio.sample_rate_hz) == (b"\x01\x00\x02\x00", 8000)
    assert audio.duration_s == pytest.approx(2 / 8000)


def test_stereo_only_when_the_first_channel_is_asked_for() -> None:
    stereo = wav_bytes(channels=2, frames=b"\x01\x00\x09\x00\x02\x00\x09\x00")
    with pytest.raises(WavError) as caught:
        decode_wav(stereo, name="clip.wav")
    assert caught.value.code == "audio_unsupported" and "clip.wav" in caught.value.message
    assert decode_wav(stereo, first_channel=True).pcm == b"\x01\x00\x02\x00"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a wav at all", "audio_unsupported"),
        (wav_bytes(width=1, frames=b"\x01\x02"), "audio_unsupported"),
        (wav_bytes(rate=1000), "audio_bad_header"),
        (wav_bytes(frames=b"\x01\x00\x02\x00" * 100)[:-50], "audio_truncated"),
    ],
)
def test_bad_files_are_clear_errors(data: bytes, code: str) -> None:
    with pytest.raises(WavError) as caught:
        decode_wav(data)
    assert caught.value.code == code
