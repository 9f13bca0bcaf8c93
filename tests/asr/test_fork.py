"""The audio fork: the Originate exactly as reference/audio-fork.md, the UUID registered before it is sent, and end
to end against the simulator PBX: a queue call is answered → the fork's Originate goes out through the telephony
service → the simulator streams the caller's WAV to our AudioSocket server → the Korean words are recognised."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from agent_desktop.core.errors import AsrError
from asr.audiosocket.server import AudioSocketServer, CallRegistry, EndReason, StreamInfo
from asr.fork import AudioFork, ForkTarget, build_fork_originate
from asr.recognition.transcriber import CallTranscriber
from asr.recognition.wav import read_wav
from tests.asr.conftest import CLIP_8K, CLIP_WORDS

FORK_UUID = uuid.UUID("9ceaaa26-6c17-4503-ab14-04d0d174084e")
TARGET = ForkTarget("127.0.0.1", 9093)


def test_originate_is_exactly_the_verified_action() -> None:
    action = build_fork_originate("Local/complain@customer-00000001;1", FORK_UUID, TARGET)
    assert action == {
        "Channel": "AudioSocket/127.0.0.1:9093/9ceaaa26-6c17-4503-ab14-04d0d174084e",
        "Application": "ChanSpy",
        "Data": "Local/complain@customer-00000001;1,qEo",
        "Async": "true",
    }
    assert list(action) == ["Channel", "Application", "Data", "Async"]


def test_fork_by_uniqueid_uses_option_u() -> None:
    action = build_fork_originate("PJSIP/trunk-0000000a", FORK_UUID, TARGET, caller_uniqueid="1795702544.26",
                                  by_uniqueid=True)
    assert action["Data"] == "1795702544.26,qEou"
    with pytest.raises(AsrError):
        build_fork_originate("PJSIP/trunk-0000000a", FORK_UUID, TARGET, caller_uniqueid="x", by_uniqueid=True)


@pytest.mark.parametrize(
    "channel",
    ["", "PJSIP/a,b", "PJSIP/x y", "Local/agent1@agents-00000001;2", "PJSIP/FILE-00000001"],
)
def test_channels_chanspy_cannot_or_must_not_take_are_refused(channel: str) -> None:
    with pytest.raises(AsrError) as caught:
        build_fork_originate(channel, FORK_UUID, TARGET)
    assert caught.value.code == "bad_fork_channel"


@pytest.mark.parametrize(("host", "port"), [("bad host", 9093), ("127.0.0.1", 0), ("x/y", 1)])
def test_bad_targets_are_refused(host: str, port: int) -> None:
    with pytest.raises(AsrError):
        ForkTarget(host, port)


class Answered:
    """The attributes of the tracker's CallAnswered that the fork reads."""

    EVENT = "call_answered"

    def __init__(self, call_id: str, caller_channel: str, caller_uniqueid: str = "") -> None:
        self.call_id, self.caller_channel, self.caller_uniqueid = call_id, caller_channel, caller_uniqueid


async def test_the_uuid_is_registered_before_the_originate_is_sent() -> None:
    registry = CallRegistry()
    seen: list[tuple[str, Mapping[str, str], Any]] = []

    async def send(name: str, fields: Mapping[str, str]) -> None:
        stream_uuid = uuid.UUID(fields["Channel"].rsplit("/", 1)[1])
        seen.append((name, fields, registry.lookup(stream_uuid)))

    fork = AudioFork(send, registry, TARGET, new_uuid=lambda: FORK_UUID)
    started = await fork.on_call_answered(Answered("call-7", "PJSIP/trunk-00000003"))
    assert started is not None and started.stream_uuid == FORK_UUID
    [(name, fields, registration)] = seen
    assert name == "Originate" and fields["Data"] == "PJSIP/trunk-00000003,qEo"
    assert registration is not None and registration.call_id == "call-7" and registration.send_silence is False
    # announced again (e.g. after a resync): still one fork per call
    assert await fork.on_call_answered(Answered("call-7", "PJSIP/trunk-00000003")) is started
    assert len(seen) == 1
    assert await fork.on_call_answered(object()) is None
    ended = Answered("call-7", "")
    ended.EVENT = "call_ended"  # type: ignore[misc]
    assert await fork.on_call_event(ended) is None
    assert registry.lookup(FORK_UUID) is None and fork.started == {}


async def test_a_refused_originate_withdraws_the_registration() -> None:
    registry = CallRegistry()

    async def refuse(name: str, fields: Mapping[str, str]) -> None:
        raise RuntimeError("Permission denied")

    fork = AudioFork(refuse, registry, TARGET, new_uuid=lambda: FORK_UUID)
    with pytest.raises(AsrError) as caught:
        await fork.start("call-8", "PJSIP/trunk-00000004")
    assert caught.value.code == "fork_failed" and "Permission denied" in caught.value.message
    assert len(registry) == 0 and fork.started == {}


# --- end to end against the simulator PBX ---------------------------------------------------------------------


async def test_answered_call_is_forked_streamed_and_recognised(korean_model) -> None:
    from telephony import service as telephony
    from telephony.ami.connection import AmiSettings
    from telephony.control import SeatConfig
    from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
    from telephony.simulator.server import SimulatorPbx

    caller_number, interface = "13800138000", "PJSIP/1001"
    scenario = Scenario(
        pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
        agents=(AgentSpec(name="agent1", interface=interface, ring_s=0.05, logged_in=True),),
        numbers=(NumberSpec(caller_number, answer_after_s=0.05),),
    )
    audio = read_wav(CLIP_8K)
    transcribers: dict[str | None, CallTranscriber] = {}

    def sink(info: StreamInfo) -> CallTranscriber:
        transcribers[info.call_id] = CallTranscriber(korean_model, call_id=info.call_id)
        return transcribers[info.call_id]

    registry = CallRegistry()
    async with AudioSocketServer(registry, sink) as audiosocket, SimulatorPbx(scenario, audio_speed=1.0) as pbx:
        service = telephony.TelephonyService(
            AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0),
            SeatConfig(interface, after_call_work_seconds=0),
        )
        fork = AudioFork(service.connection.send_action, registry, ForkTarget("127.0.0.1", audiosocket.port))
        service.add_listener(fork.on_call_event)
        try:
            await service.start()
            caller_channel = pbx.place_call(caller_number, "王女士", talk_s=60, audio=CLIP_8K)
            async with asyncio.timeout(20):
                while not fork.started:
                    await asyncio.sleep(0.01)
            [(call_id, started)] = fork.started.items()
            assert started.action["Data"] == f"{caller_channel},qEo"
            async with asyncio.timeout(20):  # real-time pace: the clip takes its own length to arrive
                while call_id not in transcribers or transcribers[call_id].audio_s < audio.duration_s - 0.1:
                    await asyncio.sleep(0.02)
            pbx.hangup_party(caller_channel)  # the caller hangs up: ChanSpy's E ends the fork, the socket closes
            outcome = await audiosocket.wait_for_outcome(lambda o: o.call_id == call_id, timeout_s=20)
            assert outcome.reason in (EndReason.CLOSED, EndReason.RESET) and outcome.error is None
            assert outcome.stream_uuid == started.stream_uuid
            transcriber = transcribers[call_id]
            async with asyncio.timeout(20):
                await transcriber.done.wait()
            assert CLIP_WORDS[CLIP_8K] <= {w.word for f in transcriber.finals for w in f.words}
        finally:
            await service.aclose()


async def test_speech_service_wires_model_server_fork_and_listeners(korean_model, korean_model_dir) -> None:
    from asr.recognition.events import FinalResult
    from asr.service import SpeechService
    from tests.asr.audiosocket_client import play

    service = SpeechService(korean_model_dir, listen_port=0)
    events: list[object] = []
    service.add_listener(events.append)
    service.add_listener(lambda _e: 1 / 0)  # a faulty listener does not stop the others
    await service.start()
    try:
        assert service.model is korean_model  # loaded once per process, shared
        sent: list[Mapping[str, str]] = []

        async def send(name: str, fields: Mapping[str, str]) -> None:
            sent.append(fields)

        fork = service.attach_fork(send)
        started = await fork.on_call_answered(Answered("call-9", "PJSIP/trunk-00000009"))
        assert started is not None
        assert sent[0]["Channel"] == f"AudioSocket/127.0.0.1:{service.server.port}/{started.stream_uuid}"
        audio = read_wav(CLIP_8K)
        await play(service.server.port, started.stream_uuid, audio.pcm, 8000, pace=4.0)  # Asterisk's part
        await service.server.wait_for_outcome(lambda o: o.call_id == "call-9")
        async with asyncio.timeout(20):
            while not service.transcript("call-9"):
                await asyncio.sleep(0.02)
        assert CLIP_WORDS[CLIP_8K] <= {w.word for f in service.transcript("call-9") for w in f.words}
        assert any(isinstance(e, FinalResult) and e.call_id == "call-9" for e in events)
        assert service.transcript("nobody") == []
    finally:
        await service.stop()


async def test_calls_watch_transcribe_forks_recognises_and_prefills_answered_calls(korean_model_dir) -> None:
    """The whole desk path as an operator runs it: `calls watch --transcribe` against the simulator PBX."""
    import json
    import os
    import signal
    import sys

    from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
    from telephony.simulator.server import SimulatorPbx

    scenario = Scenario(
        pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
        agents=(AgentSpec(name="agent1", interface="PJSIP/1001", ring_s=0.05, logged_in=True),),
        numbers=(NumberSpec("13800138000", answer_after_s=0.05),),
    )

    async def line(stream: asyncio.StreamReader) -> str:
        raw = await asyncio.wait_for(stream.readline(), 60)
        assert raw, "the process ended early"
        return raw.decode()

    async with SimulatorPbx(scenario, audio_speed=1.0) as pbx:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent_desktop", "calls", "watch", "--ami", f"127.0.0.1:{pbx.port}",
            "--user", "desk", "--interface", "PJSIP/1001", "--json", "--transcribe",
            "--model", str(korean_model_dir), "--listen", "127.0.0.1:0",
            env={**os.environ, "AGENT_DESKTOP_AMI_SECRET": "desk123"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None and process.stdout is not None
            while "AudioSocket listening" not in await line(process.stderr):
                pass
            # the clip, then the caller hangs up: the stream's end gives the final result
            pbx.place_call("13800138000", "王女士", talk_s=4, audio=CLIP_8K)
            records: list[dict[str, Any]] = []
            while not {"prefill", "call_ended"} <= {r["event"] for r in records}:
                records.append(json.loads(await line(process.stdout)))
            kinds = [r["event"] for r in records]
            assert kinds.index("call_answered") < kinds.index("final") < kinds.index("prefill")
            call_id = records[kinds.index("call_answered")]["call_id"]
            finals = [r for r in records if r["event"] == "final"]
            assert all(r["call_id"] == call_id for r in finals)
            assert CLIP_WORDS[CLIP_8K] <= {w["word"] for r in finals for w in r["words"]}
            prefilled = records[kinds.index("prefill")]
            assert prefilled["call_id"] == call_id and "category" in prefilled and "evidence" in prefilled
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 30) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
