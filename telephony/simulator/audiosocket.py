"""The simulator's side of the caller-only audio fork (issue 5, `reference/audio-fork.md`).

On `Originate Channel=AudioSocket/HOST:PORT/UUID Application=ChanSpy Data=<caller channel>,qEo` Asterisk 20 creates an
AudioSocket channel, connects to HOST:PORT, sends one UUID frame, and then, once ChanSpy has found the spied channel
(~100 ms later, `ChanSpyStart`), the audio that channel *reads* (the caller's voice) as 20 ms signed-linear frames. When
the spied channel hangs up (`E`), ChanSpy stops and the socket is simply closed — no hangup frame. We replay the
caller's WAV file from the scenario in the same way, at real-time pace (`audio_speed` 1.0; 0 = as fast as possible).

The AudioSocket encoder is written here on purpose (3-byte header: kind, big-endian length; little-endian samples;
A20 include/asterisk/res_audiosocket.h): the simulator must not import the product's `asr/` code it is a peer of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from agent_desktop.core.errors import ConfigError
from telephony.simulator.announcements import heard_audio
from telephony.simulator.model import DOWN, UP, Channel, Headers, Target
from telephony.simulator.wav import FRAME_MS, RATE_KINDS, WavAudio, read_wav

__all__ = ["FRAME_MS", "RATE_KINDS", "WavAudio", "encode_frame", "read_wav", "start_fork"]

log = logging.getLogger(__name__)

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_SLIN = 0x10
CONNECT_TIMEOUT_S = 2.0  # chan_audiosocket's connect timeout
SPY_SCAN_DELAY_S = 0.1  # ChanSpy waits ~100 ms before it scans for the channel (audio-fork.md)


class ForkHost(Protocol):
    """What a fork needs of the simulator's engine (engine.Engine is one): its channels, events and clock. A protocol,
    so this module does not import the engine that starts it."""

    scale: float
    audio_speed: float
    closed: bool
    channels: dict[str, Channel]
    forks: dict[str, Any]

    def _new_channel(self, name: str, *, context: str, exten: str, state: int = DOWN, linkedid: str | None = None,
                     cid_num: str = "", cid_name: str = "", emit: bool = True) -> Channel: ...

    def emit(self, name: str, classes: tuple[str, ...], headers: Headers) -> None: ...

    def varset(self, chan: Channel, variable: str, value: str) -> None: ...

    def newstate(self, chan: Channel, state: int) -> None: ...

    def dial_begin(self, caller: Channel | None, dest: Channel, dialstring: str) -> None: ...

    def dial_end(self, caller: Channel | None, dest: Channel, status: str) -> None: ...

    def hangup(self, chan: Channel, cause: int = 16, *, source: str = "dialplan") -> None: ...


def encode_frame(kind: int, payload: bytes = b"") -> bytes:
    if not 0 <= kind <= 0xFF or len(payload) > 0xFFFF:
        raise ValueError("AudioSocket frame kind or payload size out of range")
    return struct.pack(">BH", kind, len(payload)) + payload


async def start_fork(engine: ForkHost, target: Target, fields: dict[str, Any],
                     report: Callable[[bool, int, Channel | None], None]) -> None:
    """Run one fork channel from Originate to its hangup."""
    app = fields.get("application", "")
    data = fields.get("data", "")
    try:
        fork_id = uuid.UUID(target.fork_uuid)
    except ValueError:
        # chan_audiosocket refuses a dial string whose id is not a UUID: no channel at all.
        report(False, 0, None)
        return
    chan = engine._new_channel(f"AudioSocket/{target.host}:{target.port}-{target.fork_uuid}", context="default",
                               exten="s", state=DOWN)
    engine.varset(chan, "AUDIOSOCKET_UUID", target.fork_uuid)
    engine.varset(chan, "AUDIOSOCKET_SERVICE", f"{target.host}:{target.port}")
    engine.dial_begin(None, chan, f"{target.host}:{target.port}/{target.fork_uuid}")
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(target.host, target.port),
                                                CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        log.warning("simulator PBX: audio fork cannot connect to %s:%s: %s", target.host, target.port, exc)
        engine.dial_end(None, chan, "CHANUNAVAIL")
        engine.hangup(chan, 0)
        report(False, 0, None)
        return
    fork = _Fork(engine, chan, reader, writer, fork_id=fork_id, app=app, data=data)
    engine.forks[chan.name] = fork
    try:
        writer.write(encode_frame(KIND_UUID, fork_id.bytes))
        engine.newstate(chan, UP)
        engine.dial_end(None, chan, "ANSWER")
        report(True, 4, chan)
        chan.application, chan.app_data = app, data
        await fork.run()
    finally:
        engine.forks.pop(chan.name, None)
        await fork.close()


class _Fork:
    def __init__(self, engine: ForkHost, chan: Channel, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 *, fork_id: uuid.UUID, app: str, data: str):
        self.engine, self.chan, self.reader, self.writer = engine, chan, reader, writer
        self.fork_id, self.app, self.data = fork_id, app, data
        self.spied: Channel | None = None
        self.frames_sent = 0
        self.peer_closed = asyncio.Event()

    async def run(self) -> None:
        drain_task = asyncio.get_running_loop().create_task(self._drain_replies())
        try:
            if self.app.lower() != "chanspy":
                await self._wait(lambda: False)  # any other application: the channel just stays up
                return
            target, _, options = self.data.partition(",")
            by_uniqueid = "u" in options
            exit_with_spied = "E" in options
            await asyncio.sleep(min(SPY_SCAN_DELAY_S, SPY_SCAN_DELAY_S * self.engine.scale))
            spied = self._find(target, by_uniqueid)
            if spied is None:
                if by_uniqueid:  # `u`: ChanSpy gives up at once on a wrong id (audio-fork.md)
                    self.engine.hangup(self.chan, 0)
                    return
                spied = await self._scan(target)
                if spied is None:
                    return
            self.spied = spied
            self.engine.emit("ChanSpyStart", ("call",), [*self.chan.snapshot("Spyer"), *spied.snapshot("Spyee")])
            self.chan.on_hangup.append(self._spy_stop)
            await self._stream(spied)
            if exit_with_spied:
                await self._wait(lambda: spied.hung_up)
                if not self.chan.hung_up:
                    self._spy_stop(self.chan, "dialplan")
                    self.engine.hangup(self.chan, 0)
            else:
                await self._wait(lambda: False)
        finally:
            drain_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain_task

    def _spy_stop(self, chan: Channel, source: str) -> None:
        if self.spied is not None:
            spied, self.spied = self.spied, None
            self.engine.emit("ChanSpyStop", ("call",), [*self.chan.snapshot("Spyer"), *spied.snapshot("Spyee")])

    def _find(self, target: str, by_uniqueid: bool) -> Channel | None:
        channels = self.engine.channels.values()
        if by_uniqueid:
            return next((c for c in channels if target in (c.uniqueid, c.name)), None)
        # Without `u` the argument is a name prefix (app_chanspy.c); never the fork channel itself.
        return next((c for c in channels if c.name.startswith(target) and c is not self.chan), None)

    async def _scan(self, target: str) -> Channel | None:
        while not self.chan.hung_up and not self.peer_closed.is_set():
            found = self._find(target, False)
            if found is not None:
                return found
            await asyncio.sleep(0.05)
        return None

    async def _wait(self, done: Callable[[], bool]) -> None:
        while not done() and not self.chan.hung_up and not self.peer_closed.is_set():
            await asyncio.sleep(0.02)

    async def _stream(self, spied: Channel) -> None:
        audio_path = heard_audio(spied)
        if audio_path is None:
            return
        try:
            audio = read_wav(audio_path)  # type: ignore[arg-type]
        except ConfigError as exc:
            log.error("simulator PBX: %s", exc.message)
            return
        loop = asyncio.get_running_loop()
        speed = self.engine.audio_speed
        interval = FRAME_MS / 1000 / speed if speed > 0 else 0.0
        started = loop.time()
        for index, payload in enumerate(audio.frames()):
            if spied.hung_up or self.chan.hung_up or self.peer_closed.is_set():
                return
            if interval:
                delay = started + index * interval - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif index % 50 == 0:
                await asyncio.sleep(0)
            try:
                self.writer.write(encode_frame(audio.kind, payload))
                if index % 10 == 0:
                    await self.writer.drain()
            except (ConnectionError, RuntimeError):
                self.peer_closed.set()
                return
            self.frames_sent += 1

    async def _drain_replies(self) -> None:
        """The desktop may send silence back; ChanSpy reads and discards it. EOF/reset ends the channel."""
        try:
            while await self.reader.read(65536):
                pass
        except (ConnectionError, OSError):
            pass
        self.peer_closed.set()
        if not self.chan.hung_up:
            self.engine.hangup(self.chan, 0)

    async def close(self) -> None:
        if not self.chan.hung_up and not self.engine.closed:
            self.engine.hangup(self.chan, 0)
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            await self.writer.wait_closed()
