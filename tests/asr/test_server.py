"""The AudioSocket server end to end: the Korean model recognises the committed clips streamed over TCP at
real-time pace, 8 kHz streams are resampled, silence goes back only where asked, and broken streams (garbage,
truncated frames, unknown kinds, resets, unknown UUIDs) end alone while a concurrent good stream is untouched."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent_desktop.core.errors import AsrError
from asr.audiosocket.codec import FrameKind, encode_audio, encode_frame, encode_uuid
from asr.audiosocket.server import AudioSocketServer, CallRegistry, EndReason, StreamInfo, StreamOutcome
from asr.recognition.events import FinalResult, PartialResult, RecognitionEvent
from asr.recognition.transcriber import CallTranscriber
from asr.recognition.wav import read_wav
from tests.asr.audiosocket_client import play, reset, send_raw
from tests.asr.conftest import CLIP_8K, CLIP_16K, CLIP_16K_B, CLIP_WORDS


class Harness:
    """A real server whose sinks are real transcribers; keeps every call's transcriber and events."""

    def __init__(self, model) -> None:
        self.registry = CallRegistry()
        self.transcribers: dict[str | None, CallTranscriber] = {}
        self.events: dict[str | None, list[RecognitionEvent]] = {}
        self.server = AudioSocketServer(self.registry, self._sink, uuid_timeout_s=2.0)
        self._model = model

    def _sink(self, info: StreamInfo) -> CallTranscriber:
        events = self.events.setdefault(info.call_id, [])
        transcriber = CallTranscriber(self._model, call_id=info.call_id, on_event=events.append)
        self.transcribers[info.call_id] = transcriber
        return transcriber

    def register(self, call_id: str, *, send_silence: bool = False) -> uuid.UUID:
        return self.registry.register(uuid.uuid4(), call_id, send_silence=send_silence)

    async def outcome(self, call_id: str | None = None, stream_uuid: uuid.UUID | None = None) -> StreamOutcome:
        def matches(o: StreamOutcome) -> bool:
            return (call_id is None or o.call_id == call_id) and (stream_uuid is None or o.stream_uuid == stream_uuid)

        return await self.server.wait_for_outcome(matches, timeout_s=30)

    async def finals_of(self, call_id: str) -> list[FinalResult]:
        await self.outcome(call_id)
        transcriber = self.transcribers[call_id]
        async with asyncio.timeout(30):
            await transcriber.done.wait()
        return transcriber.finals


@pytest.fixture
async def harness(korean_model) -> AsyncIterator[Harness]:
    h = Harness(korean_model)
    await h.server.start()
    try:
        yield h
    finally:
        await h.server.stop()
        assert h.server.active_streams == 0


def _words(finals: list[FinalResult]) -> set[str]:
    return {w.word for f in finals for w in f.words}


@pytest.mark.parametrize(("clip", "kind"), [(CLIP_16K, FrameKind.SLIN_16K), (CLIP_8K, FrameKind.SLIN_8K)])
async def test_clip_streamed_at_real_time_pace_is_recognised(harness: Harness, clip: Path, kind: FrameKind) -> None:
    audio = read_wav(clip)
    stream_uuid = harness.register("call-1")
    peer = await play(harness.server.port, stream_uuid, audio.pcm, audio.sample_rate_hz, pace=1.0)
    outcome = await harness.outcome("call-1")
    assert (outcome.reason, outcome.error) == (EndReason.CLOSED, None)
    assert outcome.audio_frames == peer.frames_sent
    assert outcome.audio_s == pytest.approx(audio.duration_s, abs=0.001)
    finals = await harness.finals_of("call-1")
    assert CLIP_WORDS[clip] <= _words(finals)
    events = harness.events["call-1"]
    # partials arrive while the audio is still streaming, before the final result
    first_final = next(i for i, e in enumerate(events) if isinstance(e, FinalResult))
    assert any(isinstance(e, PartialResult) and e.text for e in events[:first_final])
    assert all(e.call_id == "call-1" for e in events)
    assert peer.replies == []  # the fork's stream gets nothing back
    assert harness.registry.lookup(stream_uuid) is None  # a registration serves one stream
    del kind


async def test_two_concurrent_streams_are_recognised_independently(harness: Harness) -> None:
    a, b = read_wav(CLIP_16K_B), read_wav(CLIP_8K)
    ua, ub = harness.register("call-a"), harness.register("call-b")
    await asyncio.gather(
        play(harness.server.port, ua, a.pcm, a.sample_rate_hz, pace=2.0),
        play(harness.server.port, ub, b.pcm, b.sample_rate_hz, pace=2.0),
    )
    assert CLIP_WORDS[CLIP_16K_B] <= _words(await harness.finals_of("call-a"))
    assert CLIP_WORDS[CLIP_8K] <= _words(await harness.finals_of("call-b"))
    assert "여름" not in _words(harness.transcribers["call-a"].finals)


async def test_silence_is_sent_back_only_to_streams_that_need_it(harness: Harness) -> None:
    audio = read_wav(CLIP_16K)
    pcm = audio.pcm[: audio.sample_rate_hz]  # 0.5 s
    app_uuid = harness.register("dialplan-app", send_silence=True)
    fork_uuid = harness.register("fork")
    app_peer, fork_peer = await asyncio.gather(
        play(harness.server.port, app_uuid, pcm, 16000, pace=1.0),
        play(harness.server.port, fork_uuid, pcm, 16000, pace=1.0),
    )
    assert fork_peer.replies == []
    assert app_peer.replies, "the AudioSocket() application needs traffic back or it drops the call after 2 s"
    assert {f.kind for f in app_peer.replies[1:]} == {FrameKind.SLIN_16K}  # in the stream's own kind
    assert all(f.payload == bytes(640) for f in app_peer.replies[1:])
    assert (await harness.outcome("dialplan-app")).error is None


async def test_reset_after_the_last_frame_is_a_normal_end(harness: Harness) -> None:
    audio = read_wav(CLIP_16K)
    stream_uuid = harness.register("call-r")
    await play(harness.server.port, stream_uuid, audio.pcm, audio.sample_rate_hz, pace=4.0, end="reset")
    outcome = await harness.outcome("call-r")
    assert (outcome.reason, outcome.error) == (EndReason.RESET, None)
    assert CLIP_WORDS[CLIP_16K] <= _words(await harness.finals_of("call-r"))


async def test_hangup_frame_ends_the_stream(harness: Harness) -> None:
    stream_uuid = harness.register("call-h")
    await play(harness.server.port, stream_uuid, bytes(3200), 8000, pace=10.0, end="hangup")
    outcome = await harness.outcome("call-h")
    assert (outcome.reason, outcome.error, outcome.audio_frames) == (EndReason.HANGUP, None, 10)


FAULTS = {
    "garbage": (lambda u: encode_uuid(u) + encode_audio(bytes(320)) + b"\x7fgarbage", "close", "unknown_kind"),
    "unknown_kind": (lambda u: encode_uuid(u) + b"\x20\x00\x02ab", "close", "unknown_kind"),
    "truncated": (lambda u: encode_uuid(u) + encode_audio(bytes(320))[:100], "close", "truncated_frame"),
    "reset_inside_frame": (lambda u: encode_uuid(u) + encode_audio(bytes(320))[:50], "reset", "truncated_frame"),
    "oversize": (lambda u: encode_uuid(u) + b"\x10\xff\xfe", "close", "oversize_frame"),
    "odd_audio": (lambda u: encode_uuid(u) + b"\x10\x00\x03abc", "close", "bad_payload"),
    "error_frame": (lambda u: encode_uuid(u) + encode_frame(FrameKind.ERROR, b"\x02"), "close", "peer_error"),
    "audio_before_uuid": (lambda u: encode_audio(bytes(320)), "close", "no_uuid"),
    "second_uuid": (lambda u: encode_uuid(u) + encode_uuid(u), "close", "duplicate_uuid"),
    "closed_before_uuid": (lambda u: b"\x01\x00", "close", "truncated_frame"),
}


async def test_broken_streams_end_alone_with_logged_errors_while_a_good_call_goes_on(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    audio = read_wav(CLIP_16K)
    good_uuid = harness.register("good")
    good = asyncio.create_task(play(harness.server.port, good_uuid, audio.pcm, audio.sample_rate_hz, pace=1.0))
    async with asyncio.timeout(10):
        while "good" not in harness.transcribers:
            await asyncio.sleep(0.01)
    bad_uuids = {fault: harness.register(f"bad-{fault}") for fault in FAULTS}
    with caplog.at_level(logging.ERROR, logger="asr.audiosocket.server"):
        # every broken stream arrives while the good one is streaming, all at once
        await asyncio.gather(*(send_raw(harness.server.port, make(bad_uuids[fault]), end=end)
                               for fault, (make, end, _code) in FAULTS.items()))
        async with asyncio.timeout(20):
            while sum(o.reason is EndReason.ERROR for o in harness.server.outcomes) < len(FAULTS):
                await asyncio.sleep(0.01)
    errors = [o for o in harness.server.outcomes if o.reason is EndReason.ERROR]
    assert sorted(o.error.code for o in errors if o.error) == sorted(code for _m, _e, code in FAULTS.values())
    for outcome in errors:
        assert isinstance(outcome.error, AsrError)
        if outcome.call_id is not None:  # the UUID came through: it names its fault
            assert outcome.error.code == FAULTS[outcome.call_id.removeprefix("bad-")][2]
            async with asyncio.timeout(10):
                await harness.transcribers[outcome.call_id].done.wait()
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    for _make, _end, code in FAULTS.values():
        assert any(code in line for line in logged), code
    assert not good.done(), "the faults must have been handled while the good call was still streaming"
    await good
    good_outcome = await harness.outcome("good")
    assert (good_outcome.reason, good_outcome.error) == (EndReason.CLOSED, None)
    assert CLIP_WORDS[CLIP_16K] <= _words(await harness.finals_of("good"))


async def test_unknown_uuid_is_refused_and_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    stranger = uuid.uuid4()
    with caplog.at_level(logging.ERROR, logger="asr.audiosocket.server"):
        await send_raw(harness.server.port, encode_uuid(stranger) + encode_audio(bytes(320)))
        outcome = await harness.outcome(stream_uuid=stranger)
    assert outcome.error is not None and outcome.error.code == "unknown_stream"
    assert outcome.call_id is None and harness.transcribers == {}
    assert str(stranger) in caplog.text


async def test_a_peer_that_never_sends_its_uuid_is_dropped(korean_model) -> None:
    server = AudioSocketServer(CallRegistry(), lambda info: None, uuid_timeout_s=0.1)  # type: ignore[arg-type,return-value]
    async with server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        outcome = await server.wait_for_outcome(timeout_s=10)
        assert outcome.error is not None and outcome.error.code == "uuid_timeout"
        assert await reader.read() == b""  # the server closed the connection
        writer.close()
        await writer.wait_closed()


async def test_stop_ends_open_streams_as_shutdown(harness: Harness) -> None:
    stream_uuid = harness.register("call-s")
    reader, writer = await asyncio.open_connection("127.0.0.1", harness.server.port)
    writer.write(encode_uuid(stream_uuid) + encode_audio(bytes(320)))
    await writer.drain()
    async with asyncio.timeout(10):
        while "call-s" not in harness.transcribers:
            await asyncio.sleep(0.01)
    await harness.server.stop()
    outcome = await harness.outcome("call-s")
    assert outcome.reason is EndReason.SHUTDOWN and outcome.audio_frames == 1
    assert harness.transcribers["call-s"].done.is_set()
    writer.close()
    await writer.wait_closed()
    del reader


class RefusingSink:
    """A sink that refuses audio, as a transcriber whose recognizer failed would."""

    def __init__(self) -> None:
        self.ended: tuple[str, AsrError | None] | None = None

    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None:
        raise AsrError("recognizer gone", code="recognizer_failed")

    async def on_dtmf(self, digit: str) -> None:
        pass

    async def on_end(self, reason: str, error: AsrError | None = None) -> None:
        self.ended = (reason, error)


async def test_a_sink_that_refuses_audio_ends_only_its_stream(korean_model) -> None:
    sinks: dict[str | None, object] = {}

    def factory(info: StreamInfo):
        sink = RefusingSink() if info.call_id == "refusing" else CallTranscriber(korean_model, call_id=info.call_id)
        sinks[info.call_id] = sink
        return sink

    registry = CallRegistry()
    async with AudioSocketServer(registry, factory) as server:
        audio = read_wav(CLIP_8K)
        ok_uuid, bad_uuid = registry.register(uuid.uuid4(), "ok"), registry.register(uuid.uuid4(), "refusing")
        await asyncio.gather(
            play(server.port, ok_uuid, audio.pcm, 8000, pace=4.0),
            play(server.port, bad_uuid, audio.pcm, 8000, pace=4.0),
        )
        bad = await server.wait_for_outcome(lambda o: o.call_id == "refusing")
        ok = await server.wait_for_outcome(lambda o: o.call_id == "ok")
    assert bad.reason is EndReason.ERROR and bad.error is not None and bad.error.code == "recognizer_failed"
    assert sinks["refusing"].ended == ("error", bad.error)  # type: ignore[attr-defined]
    assert (ok.reason, ok.error) == (EndReason.CLOSED, None)
    assert CLIP_WORDS[CLIP_8K] <= _words(sinks["ok"].finals)  # type: ignore[attr-defined]


async def test_streams_beyond_the_limit_are_refused(korean_model) -> None:
    registry = CallRegistry()
    server = AudioSocketServer(registry, lambda info: CallTranscriber(korean_model, call_id=info.call_id),
                               max_streams=1)
    async with server:
        first, second = registry.register(uuid.uuid4(), "one"), registry.register(uuid.uuid4(), "two")
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(encode_uuid(first))
        await writer.drain()
        async with asyncio.timeout(10):
            while not server._active_uuids:
                await asyncio.sleep(0.01)
        await send_raw(server.port, encode_uuid(second) + encode_audio(bytes(320)))
        refused = await server.wait_for_outcome(lambda o: o.stream_uuid == second)
        assert refused.error is not None and refused.error.code == "too_many_streams"
        writer.close()
        await writer.wait_closed()
        done = await server.wait_for_outcome(lambda o: o.stream_uuid == first)
        assert (done.reason, done.error) == (EndReason.CLOSED, None)
        del reader


class RecordingSink:
    def __init__(self) -> None:
        self.audio: list[tuple[bytes, int]] = []
        self.digits: list[str] = []
        self.ended: tuple[str, AsrError | None] | None = None

    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None:
        self.audio.append((pcm, sample_rate_hz))

    async def on_dtmf(self, digit: str) -> None:
        self.digits.append(digit)

    async def on_end(self, reason: str, error: AsrError | None = None) -> None:
        self.ended = (reason, error)


async def test_the_real_asterisk_stream_replayed_over_tcp_reaches_the_sink_intact() -> None:
    from tests.captures import AMI_CAPTURES

    capture = (AMI_CAPTURES / "audiosocket.bin").read_bytes()
    summary = json.loads((AMI_CAPTURES / "audiosocket.json").read_text())
    sinks: list[RecordingSink] = []
    registry = CallRegistry()
    registry.register(summary["uuid"], "captured-call")

    def factory(info: StreamInfo) -> RecordingSink:
        sinks.append(RecordingSink())
        return sinks[-1]

    async with AudioSocketServer(registry, factory) as server:
        # Asterisk's bytes in odd-sized TCP writes, then a reset as after unread replies
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        for offset in range(0, len(capture), 1000):
            writer.write(capture[offset : offset + 1000])
            await writer.drain()
        async with asyncio.timeout(10):
            while not sinks or len(sinks[0].audio) < 481:
                await asyncio.sleep(0.01)
        reset(writer)
        outcome = await server.wait_for_outcome(lambda o: o.call_id == "captured-call")
        del reader
    assert (outcome.reason, outcome.error) == (EndReason.RESET, None)
    assert outcome.audio_frames == 481 and outcome.audio_s == pytest.approx(summary["audio_seconds"], abs=0.01)
    [sink] = sinks
    assert sink.digits == ["5"] and sink.ended == ("reset", None)
    assert {rate for _pcm, rate in sink.audio} == {8000}
    assert sum(len(pcm) for pcm, _ in sink.audio) == summary["audio_bytes"]


class BuggySink(RecordingSink):
    async def on_audio(self, pcm: bytes, sample_rate_hz: int) -> None:
        raise ZeroDivisionError("a bug")


async def test_a_bug_in_a_sink_ends_its_stream_cleanly(caplog: pytest.LogCaptureFixture) -> None:
    registry = CallRegistry()
    sink = BuggySink()
    async with AudioSocketServer(registry, lambda info: sink) as server:
        stream_uuid = registry.register(uuid.uuid4(), "buggy")
        with caplog.at_level(logging.ERROR, logger="asr.audiosocket.server"):
            await send_raw(server.port, encode_uuid(stream_uuid) + encode_audio(bytes(320)))
            outcome = await server.wait_for_outcome(lambda o: o.call_id == "buggy")
    assert outcome.error is not None and outcome.error.code == "internal_error"
    assert sink.ended == ("error", outcome.error)
    assert "ZeroDivisionError" in caplog.text
