"""The asyncio side of one call's recognition: audio in on the event loop, decoding on a decode lane's thread.

`CallTranscriber` is what the AudioSocket server feeds (it satisfies `asr.audiosocket.server.StreamSink`).
Audio chunks are queued on the loop; one consumer task drains everything queued so far and hands it to the
call's decode lane (`asr.recognition.lanes`: a few threads shared by the service's calls; a KaldiRecognizer must stay
on one thread, so a call keeps its lane; Vosk releases the GIL, so calls on two lanes decode in parallel). Under load
the consumer naturally batches, so the decoder never falls behind by per-frame overhead. The recognizer (a Kaldi
decoder: building one costs the Korean model about half a second of CPU and tens of megabytes) is made on the
call's first audio, so a fork that never streams audio costs neither.
Events go to `on_event` on the loop thread, in order. The queue is bounded: a decoder slower than real time makes
the socket reader wait (TCP back-pressure) instead of growing memory without limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from agent_desktop.core.errors import AsrError
from agent_desktop.core.listeners import call_safely
from asr.recognition.events import FinalResult, RecognitionEvent
from asr.recognition.lanes import DecodeLanes, Lane
from asr.recognition.model import LoadedModel
from asr.recognition.recognizer import StreamRecognizer

log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUED_CHUNKS = 500  # 10 s of 20 ms frames

EventCallback = Callable[[RecognitionEvent], None]
_END = object()


class CallTranscriber:
    """Recognises one call. `await on_audio(pcm, rate)` per chunk, `await on_end(...)` once; or `close()`.

    `finals` collects the final results (the transcript so far); `done` is set when the last result was delivered.
    A recognizer failure (e.g. broken audio) is logged, stored in `error` and ends this call's recognition only.
    `lanes`: the service's shared decode lanes; without them the call gets a lane of its own (one thread, ended
    with the call).
    """

    def __init__(
        self,
        model: LoadedModel,
        *,
        call_id: str | None = None,
        on_event: EventCallback | None = None,
        lang: str | None = None,
        max_queued_chunks: int = DEFAULT_MAX_QUEUED_CHUNKS,
        partial_words: bool = False,
        lanes: DecodeLanes | None = None,
    ) -> None:
        self.call_id = call_id
        self._on_event = on_event
        self._own_lanes = lanes is None
        self._lanes = lanes if lanes is not None else DecodeLanes(1)
        self._lane: Lane | None = None
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_queued_chunks)
        self._recognizer: StreamRecognizer | None = None
        self._decode_seconds = 0.0  # the released recognizer's figures
        self._audio_s = 0.0
        self._model = model
        self._lang = lang
        self._partial_words = partial_words
        self.finals: list[FinalResult] = []
        self.error: AsrError | None = None
        self.done = asyncio.Event()
        self._consumer = asyncio.get_running_loop().create_task(self._consume(), name=f"asr-consumer-{call_id}")

    @property
    def decode_seconds(self) -> float:
        return self._recognizer.decode_seconds if self._recognizer is not None else self._decode_seconds

    @property
    def audio_s(self) -> float:
        return self._recognizer.audio_s if self._recognizer is not None else self._audio_s

    @property
    def text(self) -> str:
        return " ".join(f.text for f in self.finals)

    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None:
        if len(pcm) % 2:
            raise AsrError(f"audio chunk of {len(pcm)} bytes is not whole 16-bit samples", code="audio_odd_length")
        if self.done.is_set():
            return  # recognition of this call already failed or ended; the stream may still be draining
        await self._queue.put((pcm, sample_rate_hz))

    async def on_dtmf(self, digit: str) -> None:
        """DTMF is not speech; nothing to recognise."""

    async def on_end(self, reason: str, error: AsrError | None = None) -> None:
        """The stream ended (`reason` closed / reset / hangup / error); finish recognising what arrived."""
        if not self.done.is_set():
            await self._queue.put(_END)
        await self.done.wait()
        if self._own_lanes:
            await asyncio.get_running_loop().run_in_executor(None, self._lanes.shutdown)

    async def close(self) -> None:
        """Stop at once (e.g. the desktop shuts down): pending audio is dropped."""
        self._consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._consumer
        self.done.set()
        if self._own_lanes:
            # a decode may still be running on the call's thread: let it finish there, never block the loop on it
            self._lanes.shutdown(wait=False)

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            ended = False
            while not ended:
                items = [await self._queue.get()]
                while not self._queue.empty():
                    items.append(self._queue.get_nowait())
                ended = items[-1] is _END
                chunks = [item for item in items if item is not _END]
                if self._lane is None:
                    if not chunks:
                        continue  # the end of a stream that never carried audio: no decoder was ever needed
                    self._lane = self._lanes.acquire()
                    self._recognizer = await asyncio.wrap_future(self._lane.submit(self._create), loop=loop)
                events = await asyncio.wrap_future(self._lane.submit(self._decode_batch, chunks, ended), loop=loop)
                for event in events:
                    self._deliver(event)
        except AsrError as exc:
            self.error = exc
            log.error("speech recognition of call %s stopped: %s", self.call_id, exc.message)
        except Exception as exc:  # vosk raises bare Exceptions (e.g. creating a recognizer): same end, clear code
            self.error = AsrError(f"the recognizer failed: {exc}", code="recognizer_failed")
            self.error.__cause__ = exc
            log.error("speech recognition of call %s stopped: %s", self.call_id, self.error.message)
        finally:
            # the finals are all that is kept of an ended call: the recognizer's decoder (megabytes of Kaldi state)
            # goes now, not when the service forgets the transcript many calls later, and its lane is free again
            self._release_recognizer()
            lane, self._lane = self._lane, None
            if lane is not None:
                self._lanes.release(lane)
            self.done.set()
            # unblock a producer waiting on a full queue
            while not self._queue.empty():
                self._queue.get_nowait()

    def _release_recognizer(self) -> None:
        recognizer, self._recognizer = self._recognizer, None
        if recognizer is not None:
            self._decode_seconds, self._audio_s = recognizer.decode_seconds, recognizer.audio_s

    @property
    def holds_recognizer(self) -> bool:
        return self._recognizer is not None

    def _create(self) -> StreamRecognizer:
        return StreamRecognizer(self._model, call_id=self.call_id, lang=self._lang, partial_words=self._partial_words)

    def _decode_batch(self, chunks: list[tuple[bytes, int]], ended: bool) -> list[RecognitionEvent]:
        recognizer = self._recognizer  # a decode cut short by close() may finish after the release
        if recognizer is None:
            return []
        events: list[RecognitionEvent] = []
        # join consecutive chunks of one rate: one Vosk call per batch, not per 20 ms frame
        run: list[bytes] = []
        run_rate: int | None = None
        for pcm, rate in chunks:
            if rate != run_rate and run:
                events += recognizer.accept(b"".join(run), run_rate or rate)
                run = []
            run.append(pcm)
            run_rate = rate
        if run and run_rate is not None:
            events += recognizer.accept(b"".join(run), run_rate)
        if ended:
            events += recognizer.finish()
        return events

    def _deliver(self, event: RecognitionEvent) -> None:
        if isinstance(event, FinalResult):
            self.finals.append(event)
        if self._on_event is not None:  # a faulty listener must not stop this call's recognition (logged)
            call_safely(self._on_event, event, owner=f"recognition (call {self.call_id})")
