"""The simulator's clips are read by the desktop's one WAV reader (`agent_desktop.core.wav`): its checks apply to a
scenario's audio too (a truncated file is refused when the scenario loads, not played short), as a ConfigError of
the scenario."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import pytest

from agent_desktop.core.errors import ConfigError
from telephony.simulator.wav import read_wav


def _wav(path: Path, *, rate: int = 8000, channels: int = 1, frames: int = 320) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", i) * channels for i in range(frames)))
    return path


def test_a_truncated_clip_is_refused_with_the_readers_words(tmp_path: Path) -> None:
    whole = _wav(tmp_path / "whole.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[:-100])  # the header still announces 320 samples
    with pytest.raises(ConfigError) as caught:
        read_wav(cut)
    assert caught.value.code == "scenario_audio_invalid"
    assert "announces 320 samples" in caught.value.message
    assert caught.value.details["reason"] == "audio_truncated"


def test_the_first_channel_of_a_stereo_clip_is_played(tmp_path: Path) -> None:
    audio = read_wav(_wav(tmp_path / "stereo.wav", rate=16000, channels=2, frames=640))
    assert audio.rate_hz == 16000 and audio.kind == 0x12
    assert audio.pcm == b"".join(struct.pack("<h", i) for i in range(640))
    assert len(audio.frames()) == 2  # 640 samples at 16 kHz: two 20 ms frames


def test_a_rate_audiosocket_has_no_kind_for_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_wav(_wav(tmp_path / "odd.wav", rate=11025))
    assert caught.value.code == "scenario_audio_invalid" and "AudioSocket carries" in caught.value.message
