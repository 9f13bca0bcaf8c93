"""The speech facade's own bookkeeping: a seat takes hundreds of calls a day in one process."""

from __future__ import annotations

import uuid

from asr.audiosocket.server import StreamInfo
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
    await transcriber.on_end("closed")
    assert transcriber.done.is_set()
    assert transcriber.error is not None and transcriber.error.code == "recognizer_failed"
