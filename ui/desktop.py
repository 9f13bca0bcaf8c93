"""The desktop's Qt side of `agent-desktop desktop`: the application object, the theme and translation, the window
shown at once (before the services finish starting: the speech model may load after it), then bound to the seat
desk through the bridge when the App is up. Offscreen it runs for a set time and saves screenshots of the window.

The App is started on a plain worker thread (its `start` waits for the runtime), never on the Qt thread; the Qt
thread learns of it by a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ui.bridge import DeskBridge
from ui.main_window import MainWindow
from ui.qt import QObject, Qt, QTimer, QtWidgets, Signal
from ui.theme import apply_theme, install_translation
from ui.values import DirectoryEntry, SpeechModel

log = logging.getLogger(__name__)


@dataclass
class DesktopOptions:
    seat: str = ""
    phone: str = ""
    after_call_work_s: float = 30.0
    directory: tuple[DirectoryEntry, ...] = ()
    model: SpeechModel = field(default_factory=SpeechModel)
    title_note: str = ""
    language: str = "zh_CN"
    offscreen_seconds: float | None = None  # run this long, then quit (no display, or asked for)
    screenshots: Path | None = None
    screenshot_every_s: float = 5.0
    size: tuple[int, int] = (1366, 768)


class _Started(QObject):
    done = Signal(object, object)  # desk port or None, error or None


def run_desktop(start_services: Callable[[], tuple[Any, dict[str, Any]]], stop_services: Callable[[], None],
                options: DesktopOptions) -> int:
    """`start_services()` (on a worker thread) returns the seat desk and its facades {"telephony", "sync",
    "speech"}; `stop_services()` runs after the window closed. Returns the exit code."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["agent-desktop"])
    apply_theme(app)
    translator = install_translation(app, options.language)  # noqa: F841 (kept alive with the app)
    window = MainWindow(lambda event: None, seat=options.seat, phone=options.phone, directory=options.directory,
                        after_call_work_s=options.after_call_work_s, title_note=options.title_note)
    window.resize(*options.size)
    window.show()
    window.status.showMessage(window.tr("正在启动服务…(语音模型可能稍后加载完成)"))
    holder: dict[str, Any] = {}
    started = _Started()
    exit_code = [0]

    def bind(desk: Any, error: Any) -> None:
        if error is not None:
            window.status.showMessage(window.tr("服务启动失败:%1").replace("%1", str(error)))
            log.error("the services did not start: %s", error)
            exit_code[0] = 1
            return
        desk, facades = desk
        bridge = DeskBridge(desk, model=options.model, **facades)
        holder["bridge"] = bridge
        window.attach(bridge)
        window.status.showMessage(window.tr("服务已启动"), 5000)

    started.done.connect(bind, Qt.ConnectionType.QueuedConnection)

    def start() -> None:
        try:
            started.done.emit(start_services(), None)
        except Exception as exc:  # shown in the window and the exit code
            started.done.emit(None, exc)

    worker = threading.Thread(target=start, name="desktop-start", daemon=True)
    worker.start()
    shots = _Screenshots(window, options.screenshots) if options.screenshots is not None else None
    if shots is not None:
        timer = QTimer(window)
        timer.setInterval(int(options.screenshot_every_s * 1000))
        timer.timeout.connect(shots.take)
        timer.start()
    if options.offscreen_seconds is not None:
        QTimer.singleShot(int(options.offscreen_seconds * 1000), app.quit)
    try:
        app.exec()
    finally:
        if shots is not None:
            shots.take()
        worker.join(timeout=120)
        bridge = holder.get("bridge")
        if bridge is not None:
            bridge.close()
        stop_services()
        window.close()
    return exit_code[0]


class _Screenshots:
    def __init__(self, window: MainWindow, folder: Path) -> None:
        self.window = window
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)

    def take(self) -> None:
        self.count += 1
        path = self.folder / f"desktop-{self.count:03d}.png"
        if not self.window.grab().save(str(path)):
            log.warning("screenshot %s not written", path)
