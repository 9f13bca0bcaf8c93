"""The caller-only audio fork (issue 5, reference/audio-fork.md): Originate of an AudioSocket channel running ChanSpy
on the caller's channel → the simulator connects to our listener, sends the UUID frame and then the caller's WAV as
20 ms signed-linear frames, and closes the socket (no hangup frame) when the caller hangs up."""

from __future__ import annotations

import asyncio
import math
import struct
import uuid
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from telephony.simulator import SimulatorPbx, scenario_from_mapping

from .client import AmiClient


def write_wav(path: Path, rate: int, seconds: float) -> bytes:
    samples = int(rate * seconds)
    pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(samples))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return pcm


class Listener:
    """A minimal AudioSocket receiver: records every byte of each connection until the peer closes it."""

    def __init__(self) -> None:
        self.streams: list[bytes] = []
        self.closed = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = bytearray()
        try:
            while chunk := await reader.read(65536):
                data += chunk
        except ConnectionError:
            pass
        self.streams.append(bytes(data))
        writer.close()
        self.closed.set()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def frames(stream: bytes) -> list[tuple[int, bytes]]:
    out, offset = [], 0
    while offset < len(stream):
        kind, length = struct.unpack(">BH", stream[offset : offset + 3])
        out.append((kind, stream[offset + 3 : offset + 3 + length]))
        offset += 3 + length
    assert offset == len(stream), "the stream ends inside a frame"
    return out


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    server = Listener()
    await server.start()
    yield server
    await server.stop()


async def start_pbx(audio: Path) -> SimulatorPbx:
    scenario = scenario_from_mapping({
        "pbx": {"time_scale": 0.01},
        "agents": [{"name": "agent1", "interface": "PJSIP/1001", "ring_s": 1, "logged_in": True}],
    })
    pbx = SimulatorPbx(scenario, audio_speed=0)  # unpaced: the test need not wait for real time
    await pbx.start()
    return pbx


@pytest.mark.parametrize(("rate", "kind"), [(8000, 0x10), (16000, 0x12)])
async def test_fork_streams_the_callers_wav_then_closes(tmp_path: Path, listener: Listener, rate: int,
                                                        kind: int) -> None:
    wav = tmp_path / "caller.wav"
    pcm = write_wav(wav, rate, 0.45)
    pbx = await start_pbx(wav)
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            caller = pbx.place_call("13812345678", "王女士", audio=wav)
            await ami.event("AgentConnect", Channel=caller)
            fork_id = uuid.uuid4()
            port = listener.server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            reply = await ami.action("Originate", {"Channel": f"AudioSocket/127.0.0.1:{port}/{fork_id}",
                                                   "Application": "ChanSpy", "Data": f"{caller},qEo",
                                                   "Async": "true"})
            assert reply["Message"] == "Originate successfully queued"
            response = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
            assert (response["Response"], response["Reason"]) == ("Success", "4")
            assert response["Channel"] == f"AudioSocket/127.0.0.1:{port}-{fork_id}"
            assert (response["Application"], response["Data"]) == ("ChanSpy", f"{caller},qEo")
            spy = await ami.event("ChanSpyStart", SpyeeChannel=caller)
            assert spy["SpyerChannel"] == response["Channel"]
            frame_bytes = rate // 50 * 2
            expected_frames = len(pcm) // frame_bytes
            # Wait until the whole file went out, then the caller hangs up: the socket must close, no hangup frame.
            async with asyncio.timeout(10):
                while pbx.engine.forks and next(iter(pbx.engine.forks.values())).frames_sent < expected_frames:
                    await asyncio.sleep(0.01)
            pbx.hangup_party(caller)
            await asyncio.wait_for(listener.closed.wait(), 5)
            await ami.event("ChanSpyStop", SpyeeChannel=caller)
            hangup = await ami.event("Hangup", Channel=response["Channel"])
            assert hangup["Cause"] == "0"
        got = frames(listener.streams[0])
        assert got[0] == (0x01, fork_id.bytes)
        audio = got[1:]
        assert {k for k, _ in audio} == {kind}
        assert {len(p) for _, p in audio} == {frame_bytes}
        assert len(audio) == expected_frames  # the last partial frame is never sent
        assert b"".join(p for _, p in audio) == pcm[: expected_frames * frame_bytes]
    finally:
        await pbx.stop()


async def test_fork_with_a_malformed_uuid_fails_like_chan_audiosocket(tmp_path: Path, listener: Listener) -> None:
    pbx = await start_pbx(tmp_path / "none.wav")
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            port = listener.server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            reply = await ami.action("Originate", {"Channel": f"AudioSocket/127.0.0.1:{port}/not-a-uuid",
                                                   "Application": "ChanSpy", "Data": "PJSIP/x,qEo",
                                                   "Async": "true"})
            response = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
            assert (response["Response"], response["Reason"]) == ("Failure", "0")
        assert listener.streams == []
    finally:
        await pbx.stop()


async def test_fork_on_an_unknown_uniqueid_with_u_hangs_up_at_once(tmp_path: Path, listener: Listener) -> None:
    pbx = await start_pbx(tmp_path / "none.wav")
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            port = listener.server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            fork_id = uuid.uuid4()
            await ami.action("Originate", {"Channel": f"AudioSocket/127.0.0.1:{port}/{fork_id}",
                                           "Application": "ChanSpy", "Data": "1234.5,qEou", "Async": "true"})
            await ami.event("Hangup", Channel=f"AudioSocket/127.0.0.1:{port}-{fork_id}")
            await asyncio.wait_for(listener.closed.wait(), 5)
        assert frames(listener.streams[0]) == [(0x01, fork_id.bytes)]
        assert not ami.events("ChanSpyStart")
    finally:
        await pbx.stop()


async def test_fork_to_a_closed_port_fails(tmp_path: Path) -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    pbx = await start_pbx(tmp_path / "none.wav")
    try:
        async with await AmiClient.connect(pbx.port) as ami:
            reply = await ami.action("Originate", {"Channel": f"AudioSocket/127.0.0.1:{port}/{uuid.uuid4()}",
                                                   "Application": "ChanSpy", "Data": "PJSIP/x,qEo",
                                                   "Async": "true"})
            response = await ami.wait_for(lambda m: m.event == "OriginateResponse" and m.action_id == reply.action_id)
            assert response["Response"] == "Failure"
    finally:
        await pbx.stop()
