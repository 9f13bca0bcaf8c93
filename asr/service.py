"""The speech facade the composition root (and later the UI, through queued signals) uses.

It owns the pieces and their start-up order: the model is loaded once (in a worker thread: it takes seconds and must
not stall the asyncio loop that also reads AMI), then the AudioSocket server starts; each stream gets its own
`CallTranscriber`; recognition events go to the listeners, tagged with the call id. `attach_fork(send_action)` gives
the listener to register with the telephony service so every answered call is forked to this server.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from asr.audiosocket.server import AudioSocketServer, CallRegistry, StreamInfo
from asr.fork import ActionSender, AudioFork, ForkTarget
from asr.recognition.events import FinalResult, RecognitionEvent
from asr.recognition.model import LoadedModel, load_model
from asr.recognition.transcriber import CallTranscriber
from asr.recognition.tuning import DEFAULT_FRAMES_PER_CHUNK

log = logging.getLogger(__name__)

RecognitionListener = Callable[[RecognitionEvent], object]
DEFAULT_AUDIOSOCKET_PORT = 9093
DEFAULT_KEEP_TRANSCRIPTS = 100


class SpeechService:
    """`await start()`, `add_listener(cb)`, `attach_fork(send_action)`, `transcript(call_id)`, `await stop()`.

    `listen_host`/`listen_port` is where the AudioSocket server listens; `advertise_host` is the address Asterisk
    must connect to (the seat PC's address as the PBX sees it), by default the listening address.
    `frames_per_chunk` is the decoder's look-ahead (`asr.recognition.tuning`; None = as the model ships), applied
    through a tuned view of the model folder in `cache_dir` (default: the user's cache directory).
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        listen_host: str = "127.0.0.1",
        listen_port: int = DEFAULT_AUDIOSOCKET_PORT,
        advertise_host: str | None = None,
        lang: str | None = None,
        keep_transcripts: int = DEFAULT_KEEP_TRANSCRIPTS,
        frames_per_chunk: int | None = DEFAULT_FRAMES_PER_CHUNK,
        cache_dir: str | Path | None = None,
    ) -> None:
        self._model_dir = Path(model_dir)
        self._lang = lang
        self._frames_per_chunk = frames_per_chunk
        self._cache_dir = cache_dir
        self._advertise_host = advertise_host or listen_host
        self.registry = CallRegistry()
        self.server = AudioSocketServer(self.registry, self._sink, host=listen_host, port=listen_port)
        self.model: LoadedModel | None = None
        self._listeners: list[RecognitionListener] = []
        # every call of the day passes through here: keep only the latest finished ones (plus every live one), or a
        # seat's process would hold each call's transcriber (and its recognizer) until it exits
        self._keep_transcripts = max(1, keep_transcripts)
        self._transcribers: OrderedDict[str, CallTranscriber] = OrderedDict()

    def add_listener(self, callback: RecognitionListener) -> RecognitionListener:
        self._listeners.append(callback)
        return callback

    async def start(self) -> None:
        """Load the model (AsrError with a clear code if it cannot be) and start listening."""
        loop = asyncio.get_running_loop()
        self.model = await loop.run_in_executor(
            None,
            lambda: load_model(
                self._model_dir, lang=self._lang, frames_per_chunk=self._frames_per_chunk, cache_dir=self._cache_dir
            ),
        )
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    def attach_fork(self, send_action: ActionSender, *, by_uniqueid: bool = False) -> AudioFork:
        """The fork that streams each answered call here; register `fork.on_call_event` with the telephony
        service (`telephony_service.add_listener(fork.on_call_event)`)."""
        return AudioFork(send_action, self.registry, ForkTarget(self._advertise_host, self.server.port),
                         by_uniqueid=by_uniqueid)

    def transcript(self, call_id: str) -> list[FinalResult]:
        """The final results of a call so far (empty for a call that was not transcribed)."""
        transcriber = self._transcribers.get(call_id)
        return list(transcriber.finals) if transcriber is not None else []

    def _sink(self, info: StreamInfo) -> CallTranscriber:
        assert self.model is not None, "streams are accepted only after start()"
        transcriber = CallTranscriber(self.model, call_id=info.call_id, on_event=self._emit, lang=self._lang)
        if info.call_id is not None:
            self._transcribers[info.call_id] = transcriber
            self._transcribers.move_to_end(info.call_id)
            self._forget_old_transcripts()
        return transcriber

    def _forget_old_transcripts(self) -> None:
        excess = len(self._transcribers) - self._keep_transcripts
        if excess <= 0:
            return
        finished = [call_id for call_id, t in self._transcribers.items() if t.done.is_set()][:excess]
        for call_id in finished:
            del self._transcribers[call_id]

    def _emit(self, event: RecognitionEvent) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # one faulty listener must not starve the others
                log.exception("speech listener failed")
