"""The AudioSocket server: Asterisk connects here once per call fork and streams the caller's voice.

Theory of operation. Each TCP connection is one stream. Its first frame must be the UUID frame; the UUID is looked
up in the `CallRegistry` (the fork glue registers uuid → call id before it asks Asterisk to connect), and the
`sink_factory` makes the stream's sink (normally a `CallTranscriber`). Frames are then decoded with the pure
`FrameDecoder` and handed to the sink: audio with its sample rate, DTMF digits. The stream ends on:

- the TCP close (how Asterisk ends a fork: no hangup frame is sent)                        → reason "closed"
- a TCP reset after the last complete frame: normal too. Asterisk resets instead of closing when our silence
  replies are still unread at hangup (audio-fork.md, "Keepalive")                        → reason "reset"
- a hangup frame (0x00)                                                                    → reason "hangup"
- garbage, a truncated last frame, an unknown kind, an error frame, an unknown UUID, no UUID in time, a sink
  that refuses the audio: logged at ERROR with the AsrError's code                         → reason "error"

Whatever happens to one stream, other streams are untouched: every connection has its own decoder, sink and task,
and no exception leaves a connection's task.

Silence back. The AudioSocket() dialplan *application* drops a connection after ~2 s without traffic in either
direction (ami/README.md fact 5), so for such streams the server sends a 20 ms silence frame every 20 ms (in the
stream's own audio kind). The AudioSocket *channel* used by the fork has no such timeout, and replies only make
Asterisk reset instead of close at hangup, so the fork's streams are registered with `send_silence=False`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from agent_desktop.core.errors import AsrError
from asr.audiosocket.codec import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    FRAME_MS,
    AudioSocketError,
    Frame,
    FrameDecoder,
    FrameKind,
    silence_frame,
)

log = logging.getLogger(__name__)

READ_CHUNK_BYTES = 65_536
DEFAULT_UUID_TIMEOUT_S = 5.0
DEFAULT_MAX_STREAMS = 32
MAX_UNSENT_REPLY_BYTES = 64 * 1024  # ~3 s of 16 kHz silence frames


class EndReason(StrEnum):
    CLOSED = "closed"
    RESET = "reset"
    HANGUP = "hangup"
    ERROR = "error"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class StreamRegistration:
    call_id: str
    send_silence: bool = False  # True only for the AudioSocket() dialplan app, which drops idle connections


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


class CallRegistry:
    """uuid → call, filled by the fork glue before Asterisk connects; a registration serves one stream."""

    def __init__(self) -> None:
        self._entries: dict[uuid.UUID, StreamRegistration] = {}

    def register(self, stream_uuid: uuid.UUID | str, call_id: str, *, send_silence: bool = False) -> uuid.UUID:
        key = _as_uuid(stream_uuid)
        self._entries[key] = StreamRegistration(call_id, send_silence)
        return key

    def unregister(self, stream_uuid: uuid.UUID | str) -> None:
        self._entries.pop(_as_uuid(stream_uuid), None)

    def lookup(self, stream_uuid: uuid.UUID | str) -> StreamRegistration | None:
        return self._entries.get(_as_uuid(stream_uuid))

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class StreamInfo:
    stream_uuid: uuid.UUID
    call_id: str | None
    peer: str
    send_silence: bool


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """How a stream ended (kept for diagnostics: the last ones are in `AudioSocketServer.outcomes`)."""

    stream_uuid: uuid.UUID | None
    call_id: str | None
    peer: str
    reason: EndReason
    error: AsrError | None
    audio_frames: int
    audio_s: float


class StreamSink(Protocol):
    """Where a stream's content goes (normally `asr.recognition.transcriber.CallTranscriber`)."""

    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None: ...

    async def on_dtmf(self, digit: str) -> None: ...

    async def on_end(self, reason: str, error: AsrError | None = None) -> None: ...


SinkFactory = Callable[[StreamInfo], "StreamSink | Awaitable[StreamSink]"]


class AudioSocketServer:
    """asyncio TCP server for AudioSocket streams. `await start()`, `.port`, `await stop()` (or `async with`)."""

    def __init__(
        self,
        registry: CallRegistry,
        sink_factory: SinkFactory,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        accept_unknown: bool = False,
        default_send_silence: bool = False,
        uuid_timeout_s: float = DEFAULT_UUID_TIMEOUT_S,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        max_streams: int = DEFAULT_MAX_STREAMS,
        keep_outcomes: int = 100,
    ) -> None:
        self.registry = registry
        self._sink_factory = sink_factory
        self.host = host
        self._requested_port = port
        self.accept_unknown = accept_unknown  # an unregistered UUID is refused unless this is set (e.g. a bench)
        self.default_send_silence = default_send_silence  # for accepted unknown UUIDs
        self._uuid_timeout_s = uuid_timeout_s
        self._max_payload = max_payload_bytes
        # each stream costs a decoding thread and a recognizer: a seat has one call, a shared host a few dozen
        self._max_streams = max_streams
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._active_uuids: set[uuid.UUID] = set()
        self._stopping = False
        self.outcomes: deque[StreamOutcome] = deque(maxlen=keep_outcomes)
        self._outcome_waiters: list[tuple[Callable[[StreamOutcome], bool], asyncio.Future[StreamOutcome]]] = []

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the AudioSocket server is not started")
        return self._server.sockets[0].getsockname()[1]

    @property
    def active_streams(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        self._stopping = False
        self._server = await asyncio.start_server(self._on_connection, self.host, self._requested_port)
        log.info("AudioSocket server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting, close every open stream (their sinks see reason "shutdown"), wait for them to finish."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> AudioSocketServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_for_outcome(
        self, predicate: Callable[[StreamOutcome], bool] = lambda _o: True, *, timeout_s: float = 30.0
    ) -> StreamOutcome:
        """The first (already recorded or future) stream outcome matching `predicate`."""
        for outcome in self.outcomes:
            if predicate(outcome):
                return outcome
        future: asyncio.Future[StreamOutcome] = asyncio.get_running_loop().create_future()
        self._outcome_waiters.append((predicate, future))
        async with asyncio.timeout(timeout_s):
            return await future

    # --- one connection ------------------------------------------------------------------------------------

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self._writers.add(writer)
        try:
            await _Stream(self, reader, writer).run()
        finally:
            self._writers.discard(writer)
            self._connections.discard(task)

    def _record(self, outcome: StreamOutcome) -> None:
        self.outcomes.append(outcome)
        for entry in list(self._outcome_waiters):
            predicate, future = entry
            if not future.done() and predicate(outcome):
                future.set_result(outcome)
            if future.done():
                self._outcome_waiters.remove(entry)


class _Stream:
    """The life of one connection: UUID, frames to the sink, silence back if needed, a clean end."""

    def __init__(self, server: AudioSocketServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server = server
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.decoder = FrameDecoder(max_payload_bytes=server._max_payload)
        self.stream_uuid: uuid.UUID | None = None
        self.call_id: str | None = None
        self.sink: StreamSink | None = None
        self.audio_frames = 0
        self.audio_s = 0.0
        self.reply_rate_hz = 8_000  # silence goes back in the kind of the last audio received
        self._silence_task: asyncio.Task[None] | None = None
        self._opened = False

    async def run(self) -> None:
        reason = EndReason.CLOSED
        error: AsrError | None = None
        try:
            reason = await self._pump()
        except ConnectionResetError as exc:
            if self.decoder.pending_bytes:
                error = AudioSocketError(
                    f"connection reset inside a frame ({self.decoder.pending_bytes} byte(s) pending)",
                    code="truncated_frame",
                )
                error.__cause__ = exc
                reason = EndReason.ERROR
            else:
                reason = EndReason.RESET  # after the last complete frame: how Asterisk often ends (audio-fork.md)
        except AsrError as exc:  # protocol violations, unknown UUID, a sink refusing audio
            error, reason = exc, EndReason.ERROR
        except TimeoutError:
            error = AudioSocketError(
                f"no UUID frame within {self.server._uuid_timeout_s:g} s", code="uuid_timeout"
            )
            reason = EndReason.ERROR
        except OSError as exc:
            error = AudioSocketError(f"socket error: {exc}", code="socket_error")
            reason = EndReason.ERROR
        except Exception as exc:  # a bug in a sink: end this stream cleanly, keep the server and other calls going
            log.exception("AudioSocket stream %s failed unexpectedly", self.stream_uuid)
            error = AsrError(f"internal error: {exc!r}", code="internal_error")
            reason = EndReason.ERROR
        if self.server._stopping and reason is EndReason.CLOSED:
            reason = EndReason.SHUTDOWN
        await self._end(reason, error)

    async def _pump(self) -> EndReason:
        async with asyncio.timeout(self.server._uuid_timeout_s) as deadline:
            frames: list[Frame] = []
            while not frames:
                data = await self.reader.read(READ_CHUNK_BYTES)
                if not data:
                    self.decoder.finish()
                    raise AudioSocketError("connection closed before the UUID frame", code="no_uuid")
                frames = self.decoder.feed(data)
            await self._open(frames[0])
            deadline.reschedule(None)
        reason = await self._dispatch(frames[1:])
        while reason is None:
            data = await self.reader.read(READ_CHUNK_BYTES)
            if not data:
                self.decoder.finish()
                return EndReason.CLOSED
            reason = await self._dispatch(self.decoder.feed(data))
        return reason

    async def _open(self, first: Frame) -> None:
        if first.kind is not FrameKind.UUID:
            raise AudioSocketError(f"first frame is kind 0x{first.kind:02x}, not the UUID frame", code="no_uuid")
        self.stream_uuid = first.stream_uuid
        registration = self.server.registry.lookup(self.stream_uuid)
        if registration is None and not self.server.accept_unknown:
            raise AsrError(f"AudioSocket stream {self.stream_uuid} belongs to no known call", code="unknown_stream")
        if len(self.server._active_uuids) >= self.server._max_streams:
            raise AsrError(
                f"AudioSocket stream {self.stream_uuid} refused: {self.server._max_streams} streams already open",
                code="too_many_streams",
            )
        if self.stream_uuid in self.server._active_uuids:
            raise AsrError(f"AudioSocket stream {self.stream_uuid} is already connected", code="duplicate_stream")
        self.server._active_uuids.add(self.stream_uuid)
        self._opened = True
        send_silence = registration.send_silence if registration else self.server.default_send_silence
        self.call_id = registration.call_id if registration else None
        info = StreamInfo(self.stream_uuid, self.call_id, self.peer, send_silence)
        made = self.server._sink_factory(info)
        self.sink = await made if inspect.isawaitable(made) else made
        log.info("AudioSocket stream %s of call %s from %s", self.stream_uuid, self.call_id, self.peer)
        if send_silence:
            self._silence_task = asyncio.get_running_loop().create_task(
                self._send_silence(), name=f"audiosocket-silence-{self.stream_uuid}"
            )

    async def _dispatch(self, frames: list[Frame]) -> EndReason | None:
        assert self.sink is not None
        for frame in frames:
            if frame.is_audio:
                self.audio_frames += 1
                self.audio_s += frame.duration_s
                self.reply_rate_hz = frame.sample_rate_hz
                if frame.payload:
                    await self.sink.on_audio(frame.payload, frame.sample_rate_hz)
            elif frame.kind is FrameKind.DTMF:
                await self.sink.on_dtmf(frame.digit)
            elif frame.kind is FrameKind.HANGUP:
                return EndReason.HANGUP
            elif frame.kind is FrameKind.ERROR:
                raise AudioSocketError(
                    f"the peer sent an error frame (code {frame.error_code})", code="peer_error",
                    details={"peer_code": frame.error_code},
                )
            elif frame.kind is FrameKind.UUID:
                raise AudioSocketError("a second UUID frame in one stream", code="duplicate_uuid")
        return None

    async def _send_silence(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        interval = FRAME_MS / 1000
        while not self.writer.is_closing():
            # a peer that does not read our replies must not make us buffer them without limit
            if self.writer.transport.get_write_buffer_size() < MAX_UNSENT_REPLY_BYTES:
                self.writer.write(silence_frame(self.reply_rate_hz))
            next_at += interval
            # scheduled against the loop clock, not "sleep 20 ms", so the replies do not drift slower than real time
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    async def _end(self, reason: EndReason, error: AsrError | None) -> None:
        if self._silence_task is not None:
            self._silence_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._silence_task
        if error is not None:
            log.error(
                "AudioSocket stream %s (call %s, %s) ended: %s [%s]",
                self.stream_uuid, self.call_id, self.peer, error.message, error.code,
            )
        else:
            log.info("AudioSocket stream %s (call %s) ended: %s", self.stream_uuid, self.call_id, reason)
        if error is not None or reason is EndReason.SHUTDOWN:
            self.writer.transport.abort()  # nothing more to say to a peer that broke the protocol
        else:
            self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
        if self.sink is not None:
            try:
                await self.sink.on_end(str(reason), error)
            except Exception:  # one faulty sink must not take the server down
                log.exception("AudioSocket sink of call %s failed at the end of its stream", self.call_id)
        if self._opened and self.stream_uuid is not None:
            # the registration served this stream; a reconnect with the same UUID is not expected from Asterisk
            self.server._active_uuids.discard(self.stream_uuid)
            self.server.registry.unregister(self.stream_uuid)
        self.server._record(
            StreamOutcome(self.stream_uuid, self.call_id, self.peer, reason, error, self.audio_frames,
                          self.audio_s)
        )
