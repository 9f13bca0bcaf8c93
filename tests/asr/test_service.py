"""The speech facade's own bookkeeping: a seat takes hundreds of calls a day in one process."""

from __future__ import annotations

import asyncio
import threading
import uuid

from asr.audiosocket.server import StreamInfo
from asr.recognition import lanes as lanes_module
from asr.recognition.lanes import DecodeLanes, release_freed_memory
from asr.recognition.recognizer import StreamRecognizer
from asr.recognition.wav import read_wav
from asr.service import SpeechService
from tests.asr.conftest import CLIP_16K, CLIP_WORDS


async def test_finished_calls_release_their_recognizer_and_only_the_latest_transcripts_are_kept(
    korean_model, tmp_path
) -> None:
    service = SpeechService(tmp_path, keep_transcripts=2)
    service.model = korean_model  # what start() loads; no server needed to exercise the per-call sinks
    audio = read_wav(CLIP_16K)

    live = service._sink(StreamInfo(uuid.uuid4(), "c-live", "test", False))  # a call still talking
    ended = []
    for n in range(4):
        transcriber = service._sink(StreamInfo(uuid.uuid4(), f"c-{n}", "test", False))
        if n == 3:
            await transcriber.on_audio(audio.pcm, audio.sample_rate_hz)
        await transcriber.on_end("closed")
        ended.append(transcriber)

    # the decoder state of a finished call is let go; its figures stay readable
    assert all(t._recognizer is None or t._recognizer._recognizer is None for t in ended)
    assert ended[3].audio_s > 0
    # the newest finished transcript is still there, older ones are forgotten
    assert CLIP_WORDS[CLIP_16K] & set(" ".join(f.text for f in service.transcript("c-3")).split())
    assert set(service._transcribers) == {"c-live", "c-3"}  # at most 2, but a live call is never dropped
    await live.close()


async def test_an_unexpected_recognizer_failure_is_stored_as_an_asr_error(korean_model, monkeypatch) -> None:
    """Vosk raises a bare Exception (e.g. a recognizer it cannot create): the call's recognition ends with a clear
    AsrError in `error`, never a task exception nobody retrieves."""
    from asr.recognition.transcriber import CallTranscriber

    def broken(self: CallTranscriber) -> None:
        raise Exception("Failed to create a recognizer")  # what vosk raises

    monkeypatch.setattr(CallTranscriber, "_create", broken)
    transcriber = CallTranscriber(korean_model, call_id="c-broken")
    await transcriber.on_audio(bytes(640), 16000)  # the recognizer is made for the call's first audio
    await transcriber.on_end("closed")
    assert transcriber.done.is_set()
    assert transcriber.error is not None and transcriber.error.code == "recognizer_failed"


async def test_a_day_of_calls_decodes_on_the_service_s_few_lanes_and_gives_freed_memory_back(
    korean_model, tmp_path, monkeypatch
) -> None:
    """A thread per call meant a new thread (and, under glibc, possibly a new malloc arena) for every call of the day:
    the calls share the service's lanes instead, and each call's end hands its decoder's memory back."""
    decoders: list[threading.Thread] = []
    accept = StreamRecognizer.accept

    def watched(self: StreamRecognizer, pcm: bytes, rate: int) -> list:
        decoders.append(threading.current_thread())
        return accept(self, pcm, rate)

    monkeypatch.setattr(StreamRecognizer, "accept", watched)
    trims: list[str] = []
    service = SpeechService(tmp_path)
    service.model = korean_model
    service.lanes = DecodeLanes(2, trim=lambda: trims.append(threading.current_thread().name))
    audio = read_wav(CLIP_16K)

    async def call(n: int) -> None:
        transcriber = service._sink(StreamInfo(uuid.uuid4(), f"c-{n}", "test", False))
        for at in range(0, len(audio.pcm), 6400):  # 200 ms chunks, as a stream brings them
            await transcriber.on_audio(audio.pcm[at:at + 6400], audio.sample_rate_hz)
        await transcriber.on_end("closed")

    for first in range(0, 6, 3):  # six calls, three at a time
        await asyncio.gather(*(call(n) for n in range(first, first + 3)))
    assert all(CLIP_WORDS[CLIP_16K] & set(" ".join(f.text for f in service.transcript(f"c-{n}")).split())
               for n in range(6))
    threads = {id(thread): thread for thread in decoders}.values()
    assert len(threads) <= 2 and all(thread.name.startswith("asr-decode-") for thread in threads)
    while len(trims) < 6:  # queued behind each call's last batch on its lane
        await asyncio.sleep(0.01)
    assert len(trims) == 6 and all(name.startswith("asr-decode-") for name in trims)
    service.lanes.shutdown()


async def test_a_fork_that_never_streams_audio_builds_no_recognizer(korean_model, tmp_path, monkeypatch) -> None:
    """Building a Kaldi decoder for the Korean model costs about half a second of CPU and tens of megabytes: a fork
    whose caller hung up before any audio (a flood of short calls) must not pay it."""
    from asr.recognition import transcriber as transcriber_module

    made: list[str | None] = []

    class Counted(StreamRecognizer):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self.call_id)

    monkeypatch.setattr(transcriber_module, "StreamRecognizer", Counted)
    service = SpeechService(tmp_path)
    service.model = korean_model
    service.lanes = DecodeLanes(1, trim=None)
    silent = service._sink(StreamInfo(uuid.uuid4(), "c-silent", "test", False))
    await silent.on_end("closed")
    assert silent.done.is_set() and silent.error is None and made == []
    spoken = service._sink(StreamInfo(uuid.uuid4(), "c-spoken", "test", False))
    audio = read_wav(CLIP_16K)
    await spoken.on_audio(audio.pcm, audio.sample_rate_hz)
    await spoken.on_end("closed")
    assert made == ["c-spoken"] and spoken.finals
    service.lanes.shutdown()


def test_a_new_call_takes_the_least_busy_lane_and_its_end_trims_on_that_lane() -> None:
    trimmed: list[str] = []
    lanes = DecodeLanes(2, trim=lambda: trimmed.append(threading.current_thread().name))
    first, second, third = lanes.acquire(), lanes.acquire(), lanes.acquire()
    assert first is not second and third is first  # the two lanes first, then the one with fewer calls
    lanes.release(second)
    assert lanes.acquire() is second
    lanes.shutdown()  # waits for the queued trim
    assert trimmed == ["asr-decode-1_0"]


def test_freed_memory_is_given_back_on_linux_glibc() -> None:
    import platform

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert lanes_module._MALLOC_TRIM is not None
    assert isinstance(release_freed_memory(), bool)
