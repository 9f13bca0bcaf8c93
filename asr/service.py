"""The speech facade the composition root (and later the UI, through queued signals) uses.

It owns the pieces and their start-up order: the model is loaded once (in a worker thread: it takes seconds and must
not stall the asyncio loop that also reads AMI), then the AudioSocket server starts; each stream gets its own
`CallTranscriber`; recognition events go to the listeners, tagged with the call id. `attach_fork(send_action)` gives
the listener to register with the telephony service so every answered call is forked to this server.

Pre-fill (when `prefill=True`): after a final result of a call, the call's work-order pre-fill is brought up to date
(`asr.prefill.incremental.CallPrefill`) — debounced per call (`prefill_debounce_s`: finals said in a row are read
once), and run in the service's own pre-fill thread, never on the event loop that also reads AMI (an extraction of a
long call takes milliseconds; Asterisk drops an AMI client that stops reading for about 100 ms). Each result goes to
`on_prefill` listeners as a `PrefillSuggested`, on the loop thread, in order per call.

Front-end contract (the same as `telephony.service` and `sync.service`): `await start()` / `await stop()`; one
`health` value and `on_health(cb)`; `on_event(cb)` (partial and final results), `on_prefill(cb)`; every
registration returns a `Subscription` (`.cancel()`). Listeners run on the loop thread and must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import AsrError
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Listeners, Subscription
from agent_desktop.core.routing import UnitDirectory
from agent_desktop.core.services import TaskSupervisor
from asr.audiosocket.server import AudioSocketServer, CallRegistry, StreamInfo
from asr.fork import ActionSender, AudioFork, ForkTarget
from asr.prefill.extract import Prefill
from asr.prefill.incremental import CallPrefill
from asr.recognition.events import FinalResult, RecognitionEvent
from asr.recognition.lanes import DEFAULT_DECODE_LANES, DecodeLanes
from asr.recognition.model import LoadedModel, load_model
from asr.recognition.transcriber import CallTranscriber
from asr.recognition.tuning import DEFAULT_FRAMES_PER_CHUNK

__all__ = [
    "FinalResult",
    "Health",
    "HealthState",
    "Prefill",
    "PrefillSuggested",
    "RecognitionEvent",
    "SpeechService",
    "Subscription",
]

log = logging.getLogger(__name__)

RecognitionListener = Callable[[RecognitionEvent], object]
DEFAULT_AUDIOSOCKET_PORT = 9093
DEFAULT_KEEP_TRANSCRIPTS = 100
DEFAULT_PREFILL_DEBOUNCE_S = 0.3


@dataclass(frozen=True, slots=True)
class PrefillSuggested:
    """The pre-fill of a call after its `finals`-th final result (suggestions, each with its evidence)."""

    call_id: str
    prefill: Prefill
    finals: int
    extract_s: float  # how long the extraction took (in the pre-fill thread)

    def to_json(self) -> dict[str, Any]:
        return {"event": "prefill", "call_id": self.call_id, **self.prefill.to_json()}


class SpeechService:
    """`await start()`, `add_listener(cb)`, `attach_fork(send_action)`, `transcript(call_id)`, `await stop()`.

    `listen_host`/`listen_port` is where the AudioSocket server listens; `advertise_host` is the address Asterisk
    must connect to (the seat PC's address as the PBX sees it), by default the listening address.
    `frames_per_chunk` is the decoder's look-ahead (`asr.recognition.tuning`; None = as the model ships), applied
    through a tuned view of the model folder in `cache_dir` (default: the user's cache directory).
    `decode_lanes`: the decode threads every call shares (`asr.recognition.lanes`), made once, not one per call.
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
        prefill: bool = False,
        prefill_directory: UnitDirectory | None = None,
        prefill_debounce_s: float = DEFAULT_PREFILL_DEBOUNCE_S,
        prefill_from_script: bool = False,
        clock: Callable[[], datetime] | None = None,
        decode_lanes: int = DEFAULT_DECODE_LANES,
    ) -> None:
        self._model_dir = Path(model_dir)
        self._decode_lanes = decode_lanes
        self.lanes: DecodeLanes | None = None
        self._lang = lang
        self._frames_per_chunk = frames_per_chunk
        self._cache_dir = cache_dir
        self._advertise_host = advertise_host or listen_host
        self.registry = CallRegistry()
        self.server = AudioSocketServer(self.registry, self._sink, host=listen_host, port=listen_port)
        self.model: LoadedModel | None = None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._listeners: Listeners[[RecognitionEvent]] = Listeners("speech")
        self._prefill_listeners: Listeners[[PrefillSuggested]] = Listeners("pre-fill")
        self._health_listeners: Listeners[[Health]] = Listeners("speech health")
        self._health = Health("speech", HealthState.STOPPED, "not started", self._clock())
        self._prefill_enabled = prefill
        self._prefill_directory = prefill_directory
        self._prefill_debounce_s = max(0.0, prefill_debounce_s)
        # the demo without a Chinese model (DESIGN.md "Speech recognition"): the pre-fill reads the demo script's
        # lines (`script_final`), never the recognizer's words in another language
        self._prefill_from_script = prefill_from_script
        self._prefills: OrderedDict[str, CallPrefill] = OrderedDict()
        self._prefill_tasks: dict[str, asyncio.Task[None]] = {}
        self._prefill_executor: ThreadPoolExecutor | None = None
        # every call of the day passes through here: keep only the latest finished ones (plus every live one), or a
        # seat's process would hold each call's transcriber (and its recognizer) until it exits
        self._keep_transcripts = max(1, keep_transcripts)
        self._transcribers: OrderedDict[str, CallTranscriber] = OrderedDict()

    def add_listener(self, callback: RecognitionListener) -> RecognitionListener:
        """`on_event` for callers that keep the callback rather than a handle."""
        self._listeners.add(callback)
        return callback

    def on_event(self, callback: RecognitionListener) -> Subscription:
        """`callback(event)` for each partial and final result (tagged with its call id), on the loop thread."""
        return self._listeners.add(callback)

    def on_prefill(self, callback: Callable[[PrefillSuggested], Any]) -> Subscription:
        """`callback(PrefillSuggested)` each time a call's pre-fill is brought up to date (needs `prefill=True`)."""
        return self._prefill_listeners.add(callback)

    def on_health(self, callback: Callable[[Health], Any]) -> Subscription:
        return self._health_listeners.add(callback)

    @property
    def health(self) -> Health:
        return self._health

    async def start(self, supervisor: TaskSupervisor | None = None) -> None:
        """Load the model (AsrError with a clear code if it cannot be) and start listening. (`supervisor`: the
        service contract's; the AudioSocket server and the per-call tasks end with their streams.)"""
        self._set_health(HealthState.STARTING, f"loading the speech model {self._model_dir}")
        loop = asyncio.get_running_loop()
        try:
            self.model = await loop.run_in_executor(
                None,
                lambda: load_model(
                    self._model_dir, lang=self._lang, frames_per_chunk=self._frames_per_chunk,
                    cache_dir=self._cache_dir,
                ),
            )
            if self._prefill_enabled and self._prefill_executor is None:
                self._prefill_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefill")
                # jieba's dictionary and the gazetteer load once per seat session: now, not on the first call
                from asr.prefill import warm_up  # noqa: PLC0415

                await loop.run_in_executor(self._prefill_executor, warm_up)
            if self.lanes is None:
                self.lanes = DecodeLanes(self._decode_lanes)
            await self.server.start()
        except AsrError as exc:
            self._set_health(HealthState.FAILED, f"{exc.code}: {exc.message}")
            raise
        except OSError as exc:
            self._set_health(HealthState.FAILED, f"AudioSocket listener: {exc.strerror or exc}")
            raise AsrError(f"the AudioSocket listener could not start: {exc.strerror or exc}",
                           code="listen_failed") from exc
        self._set_health(HealthState.UP, f"model loaded, AudioSocket on {self.server.host}:{self.server.port}")

    async def stop(self) -> None:
        """Stop listening, end the pre-fill passes in flight and release the pre-fill thread."""
        await self.server.stop()
        tasks = list(self._prefill_tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._prefill_tasks.clear()
        lanes, self.lanes = self.lanes, None
        if lanes is not None:  # the streams have ended with the server: only their last trims may be queued
            await asyncio.get_running_loop().run_in_executor(None, lanes.shutdown)
        executor, self._prefill_executor = self._prefill_executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, executor.shutdown)
        self._set_health(HealthState.STOPPED, "stopped")

    def report_failure(self, task: str, error: BaseException) -> None:
        """A supervised task of this service died (the runtime's supervisor tells): shown in the health value."""
        self._set_health(HealthState.DEGRADED, f"{task} failed: {type(error).__name__}")

    def _set_health(self, state: HealthState, detail: str) -> None:
        health = self._health.moved_to(state, detail, self._clock())
        if health != self._health:
            self._health = health
            self._health_listeners.emit(health)

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
        transcriber = CallTranscriber(self.model, call_id=info.call_id, on_event=self._emit, lang=self._lang,
                                      lanes=self.lanes)
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
        self._listeners.emit(event)  # one faulty listener must not starve the others (logged)
        if self._prefill_enabled and not self._prefill_from_script and isinstance(event, FinalResult) \
                and event.call_id:
            self._on_final(event.call_id, event.text)

    def script_final(self, call_id: str, text: str) -> None:
        """A line of the demo's script for `call_id`, read by the call's pre-fill as a final result would be (on the
        loop thread). Only the demo without a Chinese model calls it, with `prefill_from_script=True`; the caller
        shows the line as coming from the demo script (`TranscriptSource.DEMO_SCRIPT`), never as recognized."""
        if self._prefill_enabled and call_id and text.strip():
            self._on_final(call_id, text)

    # --- pre-fill, off the loop ----------------------------------------------------------------------------------

    def prefill_of(self, call_id: str) -> Prefill | None:
        """The last pre-fill of a call (None before its first final result, or when pre-fill is off)."""
        state = self._prefills.get(call_id)
        return state.last if state is not None else None

    def _on_final(self, call_id: str, text: str) -> None:
        state = self._prefills.get(call_id)
        if state is None:
            state = self._prefills[call_id] = CallPrefill(directory=self._prefill_directory)
            while len(self._prefills) > self._keep_transcripts:  # the oldest calls' drafts are the desk's now
                oldest = next(iter(self._prefills))
                if oldest in self._prefill_tasks:
                    break
                del self._prefills[oldest]
        state.add(text)
        if call_id not in self._prefill_tasks:
            task = asyncio.get_running_loop().create_task(self._prefill_pass(call_id, state), name=f"prefill-{call_id}")
            self._prefill_tasks[call_id] = task
            task.add_done_callback(lambda t, call_id=call_id: self._prefill_done(call_id, t))

    async def _prefill_pass(self, call_id: str, state: CallPrefill) -> None:
        """Wait the debounce, then extract until the result is current (finals that came meanwhile: one more pass)."""
        loop = asyncio.get_running_loop()
        try:
            if self._prefill_debounce_s:
                await asyncio.sleep(self._prefill_debounce_s)
            while (job := state.job()) is not None:
                executor = self._prefill_executor
                if executor is None:  # first use without start()'s warm-up (jieba then loads in this thread)
                    executor = self._prefill_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefill")
                started = time.perf_counter()
                result = await loop.run_in_executor(executor, state.run, job)
                elapsed = time.perf_counter() - started
                if state.settle(job, result):
                    self._prefill_listeners.emit(PrefillSuggested(call_id, result, job.finals, elapsed))
        finally:
            # unregistered in the same step as the last `state.job()`: a final that comes after it finds no pass
            # and starts one (the done callback runs later, and a final in between was left unread)
            if self._prefill_tasks.get(call_id) is asyncio.current_task():
                del self._prefill_tasks[call_id]

    def _prefill_done(self, call_id: str, task: asyncio.Task[None]) -> None:
        if self._prefill_tasks.get(call_id) is task:
            del self._prefill_tasks[call_id]
        if task.cancelled():
            return
        if task.exception() is not None:  # a bug in the extractor: the call goes on, its pre-fill stops here
            log.error("pre-fill of call %s failed", call_id, exc_info=task.exception())
            self._set_health(HealthState.DEGRADED, f"pre-fill failed: {type(task.exception()).__name__}")
