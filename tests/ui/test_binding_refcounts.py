"""The desktop survives a Qt binding that leaks references to None and True on Python 3.11 (issue 11's
`none_dealloc` abort).

PySide6 6.12.0 takes one reference from None on every void method (setText, setEnabled, ...) and from True on every
`Signal.emit`; a render of the order form alone costs None about 65 references. With that binding installed, each
child process here renders the real widgets, or crosses the real bridge, more times than None or True have
references in a fresh process; with nothing to stop the leak, the child aborts ("none_dealloc" / "bool_dealloc").
Importing `ui.qt` keeps them alive, so the child must finish its work and exit normally on any binding. With a
binding that does not leak (6.11.3) those two pass either way, so the last test makes
the installed binding leak as 6.12.0 does — its `setObjectName` drops a reference to None after each call — and
checks that `ui.qt` finds the leak and the process outlives it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from ui.qt import QtWidgets
app = QtWidgets.QApplication([])
"""


def run_child(body: str) -> subprocess.CompletedProcess[str]:
    script = PRELUDE + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=240, check=False)


def test_the_order_form_rendered_thousands_of_times_does_not_abort_the_process() -> None:
    child = run_child("""
        from tests.ui import desk_loop as dl
        from ui.widgets.order_form import OrderForm

        form = OrderForm()
        # the screen-pop flood: a caller offered, a call with its transcript and suggestions, no call; in turn
        states = [dl.offered(dl.DeskLoop()), dl.with_transcript(dl.DeskLoop()), None]
        start = sys.getrefcount(None)
        for i in range(3000):
            form.show_desk(states[i % 3])
        print("rendered", 3000, "none fell by", start - sys.getrefcount(None), flush=True)
    """)
    assert child.returncode == 0, child.stderr[-2000:]
    assert "rendered 3000" in child.stdout
    assert "none_dealloc" not in child.stderr


def test_states_and_notices_crossing_the_bridge_by_the_hundred_thousand_do_not_abort_the_process() -> None:
    child = run_child("""
        import threading

        from agent_desktop.core.listeners import Subscription
        from tests.ui import desk_loop as dl
        from ui.bridge import DeskBridge

        class Desk:  # the seat desk's outside: listeners called from another thread
            def __init__(self):
                self.loop = dl.DeskLoop()
                self.listeners, self.notice_listeners = [], []

            @property
            def state(self):
                return self.loop.state

            def subscribe(self, listener):
                self.listeners.append(listener)
                return Subscription(lambda: None)

            def on_notice(self, listener):
                self.notice_listeners.append(listener)
                return Subscription(lambda: None)

            def send(self, event):
                pass

        desk = Desk()
        bridge = DeskBridge(desk)
        seen = []
        bridge.notice_arrived.connect(seen.append)
        state = dl.offered(desk.loop)
        notice = dl.Notice("refused", "E1", "text")
        rounds, per_round = 40, 2500

        def burst():
            for _ in range(per_round):
                for listener in desk.notice_listeners:
                    listener(notice)  # one emit here, one more on delivery
                for listener in desk.listeners:
                    listener(state)

        for _ in range(rounds):
            worker = threading.Thread(target=burst)
            worker.start()
            worker.join()
            app.processEvents()
        app.processEvents()
        print("notices", len(seen), flush=True)
    """)
    assert child.returncode == 0, child.stderr[-2000:]
    assert "notices 100000" in child.stdout
    assert "_dealloc" not in child.stderr


def test_a_binding_that_leaks_is_found_and_the_process_outlives_the_leak() -> None:
    script = textwrap.dedent("""
        import ctypes, os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6 import QtCore

        decref = ctypes.pythonapi.Py_DecRef
        decref.argtypes, decref.restype = [ctypes.py_object], None
        void_method = QtCore.QObject.setObjectName

        def leaking(self, name):  # 6.12.0's void methods: the None they return carries no reference of its own
            void_method(self, name)
            decref(None)

        QtCore.QObject.setObjectName = leaking
        calls = sys.getrefcount(None) + 20_000  # more than None has: enough to abort an unguarded process

        import ui.qt

        print("kept", ",".join(getattr(ui.qt, "SINGLETONS_KEPT", ())), flush=True)
        probe = QtCore.QObject()
        for _ in range(calls):
            probe.setObjectName("x")
        print("survived", calls, flush=True)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,
                           timeout=240, check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    assert "kept None,True,False" in child.stdout
    assert "survived" in child.stdout
