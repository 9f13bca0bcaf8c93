"""Replaying a live-2026-12 capture (tests/data/ami/live-2026-12/) against the simulator: the client's actions
(`NAME.sent.raw`), plus what the harness did on its own AMI login, which the capture does not hold: the Originate
that placed the citizen's call (`ActionID: h-1`, seen only as its OriginateResponse) and, in 14, the hangup of the
citizen's handset. Each is done when the simulator has produced what Asterisk had produced before it (replay.py's
gating), so the simulator is in the state the real PBX was in."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from telephony.ami.capture import read_capture
from telephony.ami.protocol import AmiMessage, AmiParser
from telephony.simulator import SimulatorPbx
from tests.captures import AMI_CAPTURES

from .replay import GATING, is_second_half, normalise_channel, produced

LIVE = AMI_CAPTURES / "live-2026-12"
#: The harness's `desk` secret (its README); the simulator runs with the same, so a Login's MD5 key is recomputed
#: from the simulator's own challenge.
SECRET = "desk123"


@dataclass(frozen=True)
class HarnessStep:
    """Something the harness did, at the point of the real stream where its first effect shows (`first`: a
    predicate on the real messages)."""

    first: Callable[[AmiMessage], bool]
    run: Callable[[SimulatorPbx], None]


def place_citizen(number: str, name: str = "李女士") -> HarnessStep:
    """`Originate Channel: Local/<number>@citizens Context: inbound Exten: 4001 CallerID: "<name>" <number>`."""

    def run(pbx: SimulatorPbx) -> None:
        pbx.engine.originate({"channel": f"Local/{number}@citizens", "context": "inbound", "exten": "4001",
                              "priority": 1, "callerid": f'"{name}" <{number}>', "timeout_ms": 30000}, "h-1", None)

    return HarnessStep(
        lambda m: m.event == "Newchannel" and m.get("Channel", "").startswith(f"Local/{number}@citizens"), run)


def hang_up_handset(number: str) -> HarnessStep:
    """The harness's `Hangup` of the citizen's handset (the `;2` half)."""

    def run(pbx: SimulatorPbx) -> None:
        chan = next(c for c in pbx.engine.channels.values()
                    if normalise_channel(c.name) == f"Local/{number}@citizens;2")
        pbx.engine.hangup(chan, 16, source="ami")

    return HarnessStep(
        lambda m: m.event in ("SoftHangupRequest", "HangupRequest", "Hangup")
        and normalise_channel(m.get("Channel", "")) == f"Local/{number}@citizens;2", run)


_CHANNEL_HEADERS = frozenset({"channel", "extrachannel", "channel1", "channel2"})


def _renamed(action: AmiMessage, pbx: SimulatorPbx) -> AmiMessage:
    """The action with the real channel names replaced by the simulator's (their sequence numbers differ)."""
    def sim_name(real: str) -> str:
        if not real.endswith((";1", ";2")) or normalise_channel(real) == real:
            return real  # a dial string (Originate's Local/<number>@outbound), not a channel
        wanted = normalise_channel(real)
        names = [c.name for c in pbx.engine.channels.values() if normalise_channel(c.name) == wanted]
        return names[-1] if names else real

    return AmiMessage([(k, sim_name(v) if k.lower() in _CHANNEL_HEADERS else v) for k, v in action.headers])


def seat_logged_in(pbx: SimulatorPbx, interface: str = "Local/1001@phones") -> None:
    """The seat's member persisted from the harness's earlier scenarios (QueueAdd: "Already there")."""
    pbx.engine.queue_add("hotline", interface, interface)


async def replay_live(pbx: SimulatorPbx, name: str, steps: tuple[HarnessStep, ...] = (),
                      *, timeout: float = 15.0) -> list[AmiMessage]:
    sent = read_capture(LIVE / f"{name}.sent.raw")
    real = read_capture(LIVE / f"{name}.ami.raw")
    reply_index = {m.action_id: i for i, m in enumerate(real) if m.kind == "response"}
    plan: list[tuple[int, AmiMessage | HarnessStep]] = [(reply_index.get(a.action_id, len(real)), a) for a in sent]
    for step in steps:
        plan.append((next(i for i, m in enumerate(real) if step.first(m)), step))
    plan.sort(key=lambda item: item[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", pbx.port)
    parser = AmiParser()
    got: list[AmiMessage] = []
    counts: Counter[str] = Counter()
    done, changed = asyncio.Event(), asyncio.Event()

    async def read_all() -> None:
        while data := await reader.read(65536):
            for message in parser.feed(data):
                got.append(message)
                if message.event and not is_second_half(message):
                    counts[message.event] += 1
            changed.set()
        got.extend(parser.finish())
        done.set()
        changed.set()

    async def wait_for_reply(action_id: str | None) -> None:
        async def replied() -> None:
            while not any(m.kind == "response" and m.action_id == action_id for m in got):
                changed.clear()
                await changed.wait()

        await asyncio.wait_for(replied(), timeout)

    challenge_id: str | None = None
    reading = asyncio.get_running_loop().create_task(read_all())
    try:
        for index, item in plan:
            needed = Counter(m.event for m in real[:index] if m.event in GATING and not is_second_half(m))
            await produced(name, needed, counts, changed, done=done, timeout=timeout)
            if isinstance(item, HarnessStep):
                item.run(pbx)
                continue
            action = item
            if action.action == "Login" and action.get("Key"):
                challenge = next(m.get("Challenge", "") for m in got if m.action_id == challenge_id)
                key = hashlib.md5((challenge + SECRET).encode()).hexdigest()
                action = AmiMessage([(k, key if k == "Key" else v) for k, v in action.headers])
            writer.write(_renamed(action, pbx).to_bytes())
            await writer.drain()
            if action.action == "Challenge":
                challenge_id = action.action_id
                await wait_for_reply(challenge_id)
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        writer.close()
        await writer.wait_closed()
        await reading
    return got
