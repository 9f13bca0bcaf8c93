"""The embedded demo, started for real in tmp_path (simulator PBX, central store on SQLite, the unit bot on its
websocket) with its clock sped up, and a seat's application (`App`) built from the demo's own `config` only: a
caller comes only once the seat is logged in, is offered to the seat, is forked to the real Korean recognizer, and
says its script; an order dispatched to the demo's unit comes back signed and completed (or returned) in the seat's
store; `stop()` leaves no thread and no listening port behind."""

from __future__ import annotations

import re
import socket
import stat
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_desktop.app import App, AppParts
from agent_desktop.config import read_token_file
from agent_desktop.core.lifecycle import Dispatch
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState
from agent_desktop.demo import ScriptLine, start_demo
from agent_desktop.demo.environment import SEAT_USER
from agent_desktop.settings import sync_token
from asr.interfaces import FinalResult, PartialResult
from asr.service import PrefillSuggested
from sync.interfaces import SyncState
from telephony.interfaces import CallAnswered, CallOffered, DomainEvent

SPEED = 10.0
HANGUL = re.compile("[\uac00-\ud7a3]")
AGENT = Actor(SEAT_USER, Role.AGENT, seat="1001")


def wait_for(predicate: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_caller_waits_for_the_seat_then_its_audio_reaches_the_recognizer_and_its_script_is_said(
        tmp_path: Path) -> None:
    low, high = 4.0, 8.0  # scenario seconds: 0.4–0.8 s at SPEED
    env = start_demo(tmp_path / "demo", caller_interval_s=(low, high), seed=11, speed=SPEED)
    try:
        assert env.transcript_from_script  # no Chinese model in the test data folder: the Korean test model
        app = App(env.app_parts())
        app.build()
        assert app.telephony is not None and app.speech is not None
        calls: list[DomainEvent] = []
        results: list[PartialResult | FinalResult] = []
        lines: list[ScriptLine] = []
        prefills: list[PrefillSuggested] = []
        app.telephony.on_event(calls.append)
        app.speech.on_event(results.append)
        app.speech.on_prefill(prefills.append)
        env.on_script_line(lines.append)
        env.attach(app)
        app.start()
        try:
            # several intervals pass with the seat logged out: the demo holds its callers
            time.sleep(3 * high / SPEED)
            assert not any(isinstance(e, CallOffered) for e in calls)
            assert env.pbx.engine.queue_calls == []

            app.runtime.submit(app.telephony.queue_login()).result(15)
            wait_for(lambda: any(isinstance(e, CallOffered) for e in calls), "a call offered", 2 * high / SPEED + 5)
            offered = next(e for e in calls if isinstance(e, CallOffered))
            wait_for(lambda: any(isinstance(e, CallAnswered) for e in calls), "the seat's phone answers")
            call_id = offered.call_id
            assert call_id in env.callers and offered.caller == env.callers[call_id].number

            # the real fork path: the PBX's AudioSocket streams the clip to the recognizer, which hears the call
            wait_for(lambda: any(r.call_id == call_id and r.text for r in results), "a recognition result")
            # the script of the call is said, line by line, tagged with the same call id
            script = env.script_of(call_id)
            wait_for(lambda: len([x for x in lines if x.call_id == call_id]) >= 2, "the script's first lines")
            said = [x for x in lines if x.call_id == call_id]
            assert [x.text for x in said] == list(script[:len(said)])
            caller = env.callers[call_id]
            assert said[0].text.startswith("喂 你好 我 是 " + caller.surname)

            # the pre-fill reads the script (never the Korean recognizer's words): the caller's surname and district
            def filled() -> bool:
                last = [p.prefill for p in prefills if p.call_id == call_id][-1:]
                return bool(last) and last[0].surname == caller.surname and last[0].district == caller.matter.district

            wait_for(filled, "the form pre-filled from the script")
            assert any(HANGUL.search(r.text) for r in results if r.call_id == call_id)  # the recognizer's words
            for p in prefills:  # ... never reach the form
                assert not HANGUL.search(p.prefill.summary + "".join(p.prefill.evidence.values()))
        finally:
            app.stop()
    finally:
        env.stop()


def test_an_order_dispatched_to_the_demo_unit_comes_back_signed_and_completed_in_the_seat_store(
        tmp_path: Path) -> None:
    env = start_demo(tmp_path / "demo", caller_interval_s=(3600.0, 3600.0), seed=5, speed=20.0)
    try:
        parts = env.app_parts()
        app = App(AppParts(sync=parts.sync, zone=parts.zone))
        changed: list[str] = []
        app.build()
        assert app.sync is not None
        app.sync.on_changes(changed.extend)
        app.start()
        try:
            wait_for(lambda: app.sync.status.state is SyncState.ONLINE, "seat online")  # type: ignore[union-attr]
            now = datetime.now(UTC)
            app.sync.open_order("WO-DEMO-1", actor=AGENT, now=now, channel=Channel.PHONE,
                                caller=Caller(name="刘先生", phone="13975188888"), category=Category.COMPLAINT,
                                description="旁边工地夜间施工，噪音扰民").result(15)
            app.sync.apply("WO-DEMO-1", Dispatch(env.unit), AGENT, datetime.now(UTC)).result(15)

            def seat_copy() -> OrderState | None:
                order = app.sync.order("WO-DEMO-1").result(15)  # type: ignore[union-attr]
                return order.state if order is not None else None

            # the unit's steps travel unit → centre → seat: the seat's own store shows where the order now is
            done = {OrderState.COMPLETED, OrderState.RETURN_REQUESTED}
            wait_for(lambda: seat_copy() in done, "the unit's answer in the seat's store")
            steps = [action for order_id, action in env.unit_bot.steps if order_id == "WO-DEMO-1"]
            assert steps[0] == "_sign" and steps[-1] in {"_complete", "_request_return"}
            held = env.server.store.order("WO-DEMO-1")
            assert held is not None
            seat_order = app.sync.order("WO-DEMO-1").result(15)
            assert seat_order == held[0] and seat_order.signed_at is not None
            assert "WO-DEMO-1" in changed
        finally:
            app.stop()
    finally:
        env.stop()


def test_the_config_names_the_data_folder_and_an_owner_only_token_the_seat_connects_with(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    env = start_demo(folder, caller_interval_s=(3600.0, 3600.0), seed=1)
    try:
        config = env.config
        assert config.data_dir == folder and config.sync.store.parent == folder
        assert config.server.db == f"sqlite:///{folder / 'central-store.sqlite3'}"
        assert config.ami.port == env.pbx.port and config.sync.url == env.server.url
        token_file = config.sync.token_file
        assert token_file is not None and stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = sync_token(config)
        assert token == read_token_file(token_file)
        user = env.server.store.authenticate(token)
        assert user is not None and user.user_id == SEAT_USER and user.role is Role.AGENT
        # the centre holds the seat's own field key (the file desk_parts reads): sealed values are proven to open
        key_file = config.server.field_key_file
        assert key_file == folder / "field.key" and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert env.server.store.cipher is not None
        assert env.server.store.cipher.key_id == FieldCipher.from_key_file(key_file).key_id
        text = "\n".join(env.describe())
        assert str(folder) in text and "Korean" in text and "demo script" in text
    finally:
        env.stop()
    # started again on the same folder: the store is kept, the seat gets a fresh token (the old one is refused)
    again = start_demo(folder, caller_interval_s=(3600.0, 3600.0), seed=1)
    try:
        assert again.server.store.authenticate(token) is None
        assert again.server.store.authenticate(sync_token(again.config)) is not None  # type: ignore[arg-type]
    finally:
        again.stop()


def test_stop_leaves_no_thread_and_no_listening_port(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    env = start_demo(tmp_path / "demo", caller_interval_s=(1.0, 2.0), seed=3, speed=SPEED)
    ports = (env.pbx.port, env.server.port)
    assert not any(_refused(port) for port in ports)
    env.stop()
    env.stop()  # again is harmless
    wait_for(lambda: {t.ident for t in threading.enumerate()} <= before, "the demo's threads to end", 10)
    assert all(_refused(port) for port in ports)


def test_bad_arguments_are_refused_before_anything_starts(tmp_path: Path) -> None:
    from agent_desktop.core.errors import ConfigError

    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(ConfigError):
        start_demo(tmp_path / "demo", speed=0)
    with pytest.raises(ValueError, match="interval"):
        start_demo(tmp_path / "demo", caller_interval_s=(30.0, 10.0))
    assert {t.ident for t in threading.enumerate()} <= before
