"""Recognition with the real Korean Vosk model: model folder checks, resampling, events with word timings, broken
audio, and the display form of Chinese text."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import struct
import wave
from pathlib import Path

import pytest

from agent_desktop.core.errors import AsrError
from asr.recognition.events import FinalResult, PartialResult
from asr.recognition.model import guess_lang, inspect_model_dir, load_model, read_model_sample_rate
from asr.recognition.recognizer import StreamRecognizer
from asr.recognition.text import display_text
from asr.recognition.wav import read_wav
from tests.asr.conftest import CLIP_8K, CLIP_16K, CLIP_16K_B, CLIP_WORDS

# --- display text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "shown"),
    [
        ("我 要 投诉 小区 噪音", "zh", "我要投诉小区噪音"),
        ("岳麓区 APP 下载 不 了", "zh", "岳麓区 APP 下载不了"),
        ("iPhone 13 坏 了", "zh", "iPhone 13 坏了"),
        ("电话 是 138 0013", "cn", "电话是 138 0013"),
        ("好 ， 谢谢", "zh", "好，谢谢"),
        (" 你好 ", "zh", "你好"),
        ("음악 라디오", "ko", "음악 라디오"),  # Korean separates words with spaces: keep them
        ("我 要 投诉", None, "我 要 投诉"),  # unknown language: unchanged
        ("", "zh", ""),
    ],
)
def test_display_text_removes_only_spaces_between_cjk_characters(text: str, lang: str | None, shown: str) -> None:
    assert display_text(text, lang) == shown


# --- model folders --------------------------------------------------------------------------------------------


def test_the_korean_model_folder_is_complete(korean_model_dir: Path) -> None:
    layout = inspect_model_dir(korean_model_dir)
    assert layout.sample_rate_hz == 16_000  # no --sample-frequency in its mfcc.conf: Kaldi's default
    assert layout.graph == "dynamic" and layout.has_ivector
    assert not layout.has_rescore and not layout.has_rnnlm
    assert layout.lang == "ko"
    assert layout.size_bytes > 50_000_000


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AsrError) as caught:
        load_model(tmp_path / "nowhere")
    assert caught.value.code == "model_missing"
    assert "nowhere" in caught.value.message


def test_incomplete_folder_names_the_missing_parts(tmp_path: Path) -> None:
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"x")
    with pytest.raises(AsrError) as caught:
        load_model(tmp_path)
    assert caught.value.code == "model_incomplete"
    assert "conf/mfcc.conf" in caught.value.details["missing"]
    assert any("HCLG.fst" in part for part in caught.value.details["missing"])


def test_broken_model_is_a_clear_error_not_a_crash(tmp_path: Path, korean_model_dir: Path) -> None:
    broken = tmp_path / "vosk-model-small-cn-0.22"
    shutil.copytree(korean_model_dir / "conf", broken / "conf")
    (broken / "am").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"not a kaldi model")
    (broken / "graph").mkdir()
    (broken / "graph" / "HCLG.fst").write_bytes(b"junk")
    layout = inspect_model_dir(broken)
    assert layout.lang == "zh" and layout.graph == "static"
    with pytest.raises(AsrError) as caught:
        load_model(broken)
    assert caught.value.code == "model_broken"


def test_sample_rate_comes_from_mfcc_conf(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mfcc.conf").write_text("--use-energy=false\n--sample-frequency=8000\n")
    assert read_model_sample_rate(tmp_path) == 8000
    (tmp_path / "conf" / "mfcc.conf").write_text("--sample-frequency=0\n")
    with pytest.raises(AsrError):
        read_model_sample_rate(tmp_path)


@pytest.mark.parametrize(
    ("name", "lang"),
    [("vosk-model-small-cn-0.22", "zh"), ("vosk-model-cn-0.22", "zh"), ("vosk-model-en-us-0.22", "en"),
     ("my-model", None)],
)
def test_language_is_read_from_the_folder_name(tmp_path: Path, name: str, lang: str | None) -> None:
    assert guess_lang(tmp_path / name) == lang


def test_the_model_is_loaded_once(korean_model, korean_model_dir: Path) -> None:
    assert load_model(korean_model_dir) is korean_model
    assert load_model(str(korean_model_dir) + "/") is korean_model


# --- recognition ----------------------------------------------------------------------------------------------


def _recognise(
    model, clip: Path, chunk_ms: int = 20, *, partial_words: bool = False
) -> tuple[list[PartialResult], list[FinalResult], float]:
    audio = read_wav(clip)
    recognizer = StreamRecognizer(model, call_id="c1", partial_words=partial_words)
    step = audio.sample_rate_hz * chunk_ms // 1000 * 2
    events = []
    for i in range(0, len(audio.pcm), step):
        events += recognizer.accept(audio.pcm[i : i + step], audio.sample_rate_hz)
    events += recognizer.finish()
    assert recognizer.audio_s == pytest.approx(audio.duration_s, abs=0.05)
    partials = [e for e in events if isinstance(e, PartialResult)]
    finals = [e for e in events if isinstance(e, FinalResult)]
    return partials, finals, audio.duration_s


@pytest.mark.parametrize("clip", [CLIP_16K, CLIP_16K_B])
def test_16k_clip_is_recognised_with_word_timings(korean_model, clip: Path) -> None:
    partials, finals, duration = _recognise(korean_model, clip)
    words = [w for f in finals for w in f.words]
    assert CLIP_WORDS[clip] <= {w.word for w in words}
    assert all(0 <= w.start_s < w.end_s <= duration + 0.05 for w in words)
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    assert all(w.conf is not None and 0 < w.conf <= 1 for w in words)
    # partial results come first and are reported only when their text changes
    assert partials and all(a.text != b.text for a, b in itertools.pairwise(partials))
    assert all(p.words == () for p in partials)  # no word timings in partials unless asked for (they delay them)


def test_partial_word_timings_on_request(korean_model) -> None:
    partials, finals, _ = _recognise(korean_model, CLIP_16K_B, partial_words=True)
    with_words = [p for p in partials if p.words]
    assert with_words and all(w.conf is None for p in with_words for w in p.words)
    assert {w.word for p in with_words for w in p.words} <= {w.word for f in finals for w in f.words}


def test_partials_name_a_word_before_the_utterance_is_final(korean_model) -> None:
    partials, finals, _ = _recognise(korean_model, CLIP_16K_B)
    first_word = finals[0].words[0]
    first_seen = next(p.audio_s for p in partials if first_word.word in p.text.split())
    assert first_seen < finals[0].audio_s
    assert all(f.call_id == "c1" and f.display == f.text for f in finals)


def test_8k_clip_is_resampled_to_the_models_rate(korean_model) -> None:
    _partials, finals, _ = _recognise(korean_model, CLIP_8K)
    assert CLIP_WORDS[CLIP_8K] <= {w.word for f in finals for w in f.words}


def test_chunking_does_not_change_what_is_recognised(korean_model) -> None:
    _p, finals_20ms, _ = _recognise(korean_model, CLIP_8K, chunk_ms=20)
    _p, finals_1s, _ = _recognise(korean_model, CLIP_8K, chunk_ms=1000)
    assert CLIP_WORDS[CLIP_8K] <= {w.word for f in finals_1s for w in f.words}
    assert CLIP_WORDS[CLIP_8K] <= {w.word for f in finals_20ms for w in f.words}


def test_broken_audio_chunks_are_refused(korean_model) -> None:
    recognizer = StreamRecognizer(korean_model)
    with pytest.raises(AsrError) as caught:
        recognizer.accept(b"\x00\x01\x02", 8000)
    assert caught.value.code == "audio_odd_length"
    with pytest.raises(AsrError) as caught:
        recognizer.accept(bytes(4), 100)
    assert caught.value.code == "audio_bad_rate"
    recognizer.finish()
    with pytest.raises(AsrError) as caught:
        recognizer.accept(bytes(4), 8000)
    assert caught.value.code == "recognizer_closed"
    assert recognizer.finish() == []


# --- WAV input ------------------------------------------------------------------------------------------------


def _write_wav(path: Path, *, channels: int = 1, width: int = 2, rate: int = 8000, frames: int = 800) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames * channels * width))
    return path


def test_read_wav_gives_samples_and_rate() -> None:
    audio = read_wav(CLIP_8K)
    assert audio.sample_rate_hz == 8000 and audio.duration_s == pytest.approx(2.78, abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"channels": 2}, "audio_unsupported"), ({"width": 1}, "audio_unsupported"), ({"rate": 1000}, "audio_bad_header")],
)
def test_unsupported_wav_formats_are_refused(tmp_path: Path, kwargs: dict, code: str) -> None:
    with pytest.raises(AsrError) as caught:
        read_wav(_write_wav(tmp_path / "x.wav", **kwargs))
    assert caught.value.code == code


def test_float_wav_is_refused(tmp_path: Path) -> None:
    path = _write_wav(tmp_path / "f.wav")
    data = bytearray(path.read_bytes())
    data[20:22] = struct.pack("<H", 3)  # WAVE_FORMAT_IEEE_FLOAT
    path.write_bytes(bytes(data))
    with pytest.raises(AsrError) as caught:
        read_wav(path)
    assert caught.value.code == "audio_unsupported"


def test_wrong_sample_rate_in_the_header_is_refused(tmp_path: Path) -> None:
    path = _write_wav(tmp_path / "r.wav")
    data = bytearray(path.read_bytes())
    data[24:28] = struct.pack("<I", 0)
    path.write_bytes(bytes(data))
    with pytest.raises(AsrError) as caught:
        read_wav(path)
    assert caught.value.code in {"audio_bad_header", "audio_unsupported"}


def test_truncated_and_missing_and_non_wav_files_are_refused(tmp_path: Path) -> None:
    path = _write_wav(tmp_path / "t.wav", frames=800)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(AsrError) as caught:
        read_wav(path)
    assert caught.value.code == "audio_truncated"
    with pytest.raises(AsrError) as caught:
        read_wav(tmp_path / "none.wav")
    assert caught.value.code == "audio_missing"
    (tmp_path / "text.wav").write_text("hello")
    with pytest.raises(AsrError) as caught:
        read_wav(tmp_path / "text.wav")
    assert caught.value.code == "audio_unsupported"


async def test_a_transcriber_closed_mid_call_stops_without_blocking(korean_model) -> None:
    from asr.recognition.transcriber import CallTranscriber

    audio = read_wav(CLIP_16K)
    transcriber = CallTranscriber(korean_model, call_id="c-close")
    await transcriber.on_audio(audio.pcm, audio.sample_rate_hz)
    await transcriber.close()
    assert transcriber.done.is_set() and transcriber.error is None
    await transcriber.on_audio(bytes(640), 16000)  # late audio of a closed call is dropped, not an error
    with pytest.raises(AsrError):
        await transcriber.on_audio(b"\x00", 16000)


async def test_an_ended_call_keeps_its_transcript_but_releases_its_recognizer(korean_model) -> None:
    # the service keeps the latest 100 transcripts of the day: each must not hold a Kaldi decoder with it
    import gc
    import weakref

    from asr.recognition.transcriber import CallTranscriber

    audio = read_wav(CLIP_16K)
    transcriber = CallTranscriber(korean_model, call_id="c-ended")
    await transcriber.on_audio(audio.pcm, audio.sample_rate_hz)
    while not transcriber.holds_recognizer:  # created on the call's thread
        await asyncio.sleep(0.01)
    recognizer = weakref.ref(transcriber._recognizer)
    await transcriber.on_end("hangup")
    gc.collect()
    assert transcriber.done.is_set() and transcriber.error is None
    assert transcriber.finals and transcriber.text
    assert transcriber.audio_s == pytest.approx(audio.duration_s, abs=0.05) and transcriber.decode_seconds > 0
    assert not transcriber.holds_recognizer and recognizer() is None
