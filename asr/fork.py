"""The caller-only audio fork: when a call is answered, ask Asterisk (over AMI) to stream the caller's voice to the
desktop's AudioSocket server. The only place the speech side touches telephony, and kept thin.

The action (reference/audio-fork.md, verified bit-exact on a real Asterisk 20):

    Action: Originate
    Channel: AudioSocket/HOST:PORT/<fresh uuid4>
    Application: ChanSpy
    Data: <AgentConnect.Channel>,qEo
    Async: true

`o` keeps only the audio the spied channel reads (the caller's voice, never the agent), `q` drops the beep and the
spoken channel name (which would also lose 1.5 s of the caller), `E` ends the fork when the caller hangs up. With
`by_uniqueid=True` the spied channel is named by its Uniqueid with option `u` (`Data: <Uniqueid>,qEou`): a name
can be a prefix of other channels, a Uniqueid cannot, and a wrong one ends at once instead of spying forever.

The fresh UUID is registered in the AudioSocket server's registry BEFORE the Originate is sent, so when Asterisk
connects (~100 ms after OriginateResponse) its UUID frame already maps to the call. Sending goes through the
telephony service's `send_action` (passed in by the composition root): this module imports no telephony code.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from agent_desktop.core.errors import AsrError
from asr.audiosocket.server import CallRegistry

log = logging.getLogger(__name__)

# manager.c refuses an Originate whose Data contains these (case-sensitive) unless the user has `system` write
# permission (audio-fork.md pitfall 7): refuse here with a clear error instead of an opaque "Permission denied".
_PRIVILEGED_WORDS = ("DB", "FILE", "EVAL", "SHELL", "CURL", "ODBC", "REALTIME")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:]+\]$")
_CHANNEL = re.compile(r"^[^\s,|()]+$")


class ActionSender(Protocol):
    def __call__(self, name: str, fields: Mapping[str, str], /) -> Awaitable[Any]: ...


@dataclass(frozen=True, slots=True)
class ForkTarget:
    """Where Asterisk must connect: the desktop's AudioSocket server as Asterisk can reach it."""

    host: str
    port: int

    def __post_init__(self) -> None:
        if not _HOST.match(self.host) or not 0 < self.port < 65536:
            raise AsrError(f"not a usable AudioSocket address: {self.host}:{self.port}", code="bad_fork_target")


def build_fork_originate(
    caller_channel: str,
    stream_uuid: uuid.UUID,
    target: ForkTarget,
    *,
    caller_uniqueid: str | None = None,
    by_uniqueid: bool = False,
) -> dict[str, str]:
    """The Originate action's fields (pure). `caller_channel` is AgentConnect's `Channel` (the caller's leg)."""
    if by_uniqueid:
        if not caller_uniqueid or not re.fullmatch(r"[0-9]+\.[0-9]+", caller_uniqueid):
            raise AsrError(f"not an Asterisk Uniqueid: {caller_uniqueid!r}", code="bad_fork_channel")
        data = f"{caller_uniqueid},qEou"
    else:
        if not caller_channel or not _CHANNEL.match(caller_channel):
            raise AsrError(f"not a channel name ChanSpy can take: {caller_channel!r}", code="bad_fork_channel")
        if caller_channel.endswith(";2"):
            # the handset half of a Local pair carries what the caller HEARS, i.e. the agent (audio-fork.md)
            raise AsrError(f"{caller_channel} is the ;2 half of a Local pair; spy on ;1", code="bad_fork_channel")
        data = f"{caller_channel},qEo"
    if any(word in data for word in _PRIVILEGED_WORDS):
        raise AsrError(
            f"Asterisk refuses ChanSpy data {data!r} without `system` permission; fork by Uniqueid instead",
            code="bad_fork_channel",
        )
    return {
        "Channel": f"AudioSocket/{target.host}:{target.port}/{stream_uuid}",
        "Application": "ChanSpy",
        "Data": data,
        "Async": "true",
    }


@dataclass(frozen=True, slots=True)
class ForkStarted:
    call_id: str
    stream_uuid: uuid.UUID
    action: Mapping[str, str]


class AudioFork:
    """Starts one fork per answered call. `on_call_event(event)` is the telephony-service listener; it reads
    `call_id`, `caller_channel` and `caller_uniqueid` from the tracker's CallAnswered event and `call_id` from its
    CallEnded event (by attribute, so this module stays independent of the tracker's classes)."""

    def __init__(
        self,
        send_action: ActionSender,
        registry: CallRegistry,
        target: ForkTarget,
        *,
        by_uniqueid: bool = False,
        new_uuid: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self._send = send_action
        self._registry = registry
        self._target = target
        self._by_uniqueid = by_uniqueid
        self._new_uuid = new_uuid
        self.started: dict[str, ForkStarted] = {}

    async def on_call_event(self, event: Any) -> ForkStarted | None:
        """The telephony-service listener: forks each answered call, forgets each ended one."""
        if getattr(event, "EVENT", None) == "call_ended":
            self.forget(event.call_id)
            return None
        return await self.on_call_answered(event)

    async def on_call_answered(self, event: Any) -> ForkStarted | None:
        if getattr(event, "EVENT", None) != "call_answered":
            return None
        return await self.start(event.call_id, event.caller_channel, caller_uniqueid=event.caller_uniqueid or None)

    async def start(self, call_id: str, caller_channel: str, *, caller_uniqueid: str | None = None) -> ForkStarted:
        """Register a fresh UUID for `call_id` and send the Originate. AsrError `fork_failed` when Asterisk (or
        the AMI connection) refuses it; the registration is then withdrawn."""
        if call_id in self.started:
            return self.started[call_id]  # a resync may announce an answered call again: one fork per call
        stream_uuid = self._new_uuid()
        action = build_fork_originate(
            caller_channel, stream_uuid, self._target, caller_uniqueid=caller_uniqueid, by_uniqueid=self._by_uniqueid
        )
        self._registry.register(stream_uuid, call_id, send_silence=False)  # the AudioSocket channel needs no keepalive
        try:
            await self._send("Originate", action)
        except Exception as exc:  # TelephonyError (not connected, refused, timeout): the call goes on untranscribed
            self._registry.unregister(stream_uuid)
            message = getattr(exc, "message", str(exc))
            log.warning("audio fork of call %s not started: %s", call_id, message)
            raise AsrError(f"audio fork of call {call_id} not started: {message}", code="fork_failed") from exc
        started = ForkStarted(call_id, stream_uuid, action)
        self.started[call_id] = started
        log.info("audio fork of call %s requested (stream %s)", call_id, stream_uuid)
        return started

    def forget(self, call_id: str) -> None:
        """The call ended: drop its bookkeeping (the stream itself ends when Asterisk closes it)."""
        started = self.started.pop(call_id, None)
        if started is not None:
            self._registry.unregister(started.stream_uuid)
