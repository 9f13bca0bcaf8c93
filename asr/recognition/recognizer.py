"""One call's recognizer: resampling to the model's rate and Vosk decoding, as a BLOCKING object.

It runs on one executor thread per call (`transcriber.CallTranscriber` arranges that): a KaldiRecognizer must stay
on the thread that uses it, and Vosk's C calls release the GIL, so two calls decode in parallel on two cores while
the asyncio loop keeps reading sockets.

Audio arrives at whatever rate the stream has (8 kHz from an AudioSocket fork, 16 kHz from a WAV file...). It is
resampled with soxr's streaming resampler (the stdlib `audioop` is deprecated and gone in 3.13) to the rate in the
model's conf/mfcc.conf: Vosk itself refuses to upsample unless the model allows it, and even then does it badly.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import soxr

from agent_desktop.core.errors import AsrError
from asr.recognition.events import FinalResult, PartialResult, RecognitionEvent, Word
from asr.recognition.model import LoadedModel
from asr.recognition.text import display_text

MIN_INPUT_RATE_HZ = 4_000
MAX_INPUT_RATE_HZ = 192_000


class StreamRecognizer:
    """Feed 16-bit mono PCM with `accept(pcm, sample_rate_hz)`; get partial and final results back.

    A partial result is reported only when its text changed. `finish()` flushes the resampler and returns the last
    final result; the recognizer is then closed. Not thread-safe: use it from one thread.
    """

    def __init__(
        self,
        model: LoadedModel,
        *,
        call_id: str | None = None,
        lang: str | None = None,
        partial_words: bool = False,
    ) -> None:
        import vosk  # noqa: PLC0415 — vosk is imported where it is used, never at package import

        self.call_id = call_id
        self.model_rate_hz = model.sample_rate_hz
        self.lang = lang if lang is not None else model.lang
        self._recognizer = vosk.KaldiRecognizer(model.vosk_model, float(self.model_rate_hz))
        self._recognizer.SetWords(True)
        # Word timings in partial results (SetPartialWords) are off by default: measured with vosk 0.3.45 and the Korean
        # model, they hold the partial text back until the decoder's lattice settles — a word ending at 0.81 s showed
        # up at 2.28 s of audio instead of 1.08 s (vosk-api#1224: a known side effect). Final results always carry
        # word timings; a caller that needs them in partials too (and accepts the delay) asks for them.
        self._recognizer.SetPartialWords(partial_words)
        self._input_rate_hz: int | None = None
        self._resampler: soxr.ResampleStream | None = None
        self._last_partial = ""
        self._samples_fed = 0  # at the model's rate
        self._closed = False
        self.decode_seconds = 0.0  # wall time spent inside Vosk and the resampler (for the real-time factor)

    @property
    def audio_s(self) -> float:
        """Seconds of audio the recognizer has consumed."""
        return self._samples_fed / self.model_rate_hz

    def accept(self, pcm: bytes, sample_rate_hz: int) -> list[RecognitionEvent]:
        if self._closed:
            raise AsrError("the recognizer of this call is already finished", code="recognizer_closed")
        if len(pcm) % 2:
            raise AsrError(f"audio chunk of {len(pcm)} bytes is not whole 16-bit samples", code="audio_odd_length")
        if not MIN_INPUT_RATE_HZ <= sample_rate_hz <= MAX_INPUT_RATE_HZ:
            raise AsrError(f"unsupported audio sample rate {sample_rate_hz} Hz", code="audio_bad_rate")
        started = time.perf_counter()
        events: list[RecognitionEvent] = []
        if sample_rate_hz != self._input_rate_hz:
            # the stream changed rate (0x10 → 0x12 frames): drain the old resampler before starting a new one
            events += self._decode(self._flush_resampler())
            self._input_rate_hz = sample_rate_hz
            self._resampler = (
                None
                if sample_rate_hz == self.model_rate_hz
                else soxr.ResampleStream(sample_rate_hz, self.model_rate_hz, 1, dtype="int16", quality="HQ")
            )
        if self._resampler is None:
            events += self._decode(pcm)
        else:
            samples = np.frombuffer(pcm, dtype="<i2")
            events += self._decode(self._resampler.resample_chunk(samples).astype("<i2", copy=False).tobytes())
        self.decode_seconds += time.perf_counter() - started
        return events

    def finish(self) -> list[RecognitionEvent]:
        """End of the stream: the last words as a final result (if any speech is pending)."""
        if self._closed:
            return []
        started = time.perf_counter()
        events = self._decode(self._flush_resampler())
        self._closed = True
        final = self._final(self._recognizer.FinalResult())
        # the decoder's state (lattice, feature pipeline) is the big part of a call's memory; the call is over
        self._recognizer = None
        self.decode_seconds += time.perf_counter() - started
        if final is not None:
            events.append(final)
        return events

    def _flush_resampler(self) -> bytes:
        if self._resampler is None:
            return b""
        tail = self._resampler.resample_chunk(np.zeros(0, dtype="<i2"), last=True)
        self._resampler = None
        return tail.astype("<i2", copy=False).tobytes()

    def _decode(self, pcm: bytes) -> list[RecognitionEvent]:
        if not pcm:
            return []
        self._samples_fed += len(pcm) // 2
        try:
            at_endpoint = self._recognizer.AcceptWaveform(pcm)
        except Exception as exc:  # vosk raises a bare Exception("Failed to process waveform")
            raise AsrError(f"the recognizer rejected the audio: {exc}", code="recognizer_failed") from exc
        if at_endpoint:
            final = self._final(self._recognizer.Result())
            return [final] if final is not None else []
        partial = self._partial(self._recognizer.PartialResult())
        return [partial] if partial is not None else []

    def _partial(self, raw: str) -> PartialResult | None:
        data: dict[str, Any] = json.loads(raw)
        text = data.get("partial", "")
        if text == self._last_partial:
            return None
        self._last_partial = text
        words = tuple(Word(w["word"], float(w["start"]), float(w["end"])) for w in data.get("partial_result", ()))
        return PartialResult(self.call_id, text, display_text(text, self.lang), words, self.audio_s)

    def _final(self, raw: str) -> FinalResult | None:
        self._last_partial = ""
        data: dict[str, Any] = json.loads(raw)
        text = data.get("text", "")
        if not text:
            return None
        words = tuple(
            Word(w["word"], float(w["start"]), float(w["end"]), float(w["conf"]) if "conf" in w else None)
            for w in data.get("result", ())
        )
        return FinalResult(self.call_id, text, display_text(text, self.lang), words, self.audio_s)
