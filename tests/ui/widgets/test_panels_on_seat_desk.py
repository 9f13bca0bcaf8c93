"""The three side panels on the real seat desk (`agent_desktop.seat.SeatDesk`), built as the window builds them
(`Panel(desk, parent)`): the App with the seat's store (the shipped knowledge base seeded in it) and the seat
session on the runtime's loop, no PBX or centre needed for these reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_desktop.app import App, AppParts, DeskParts, SyncParts
from agent_desktop.core import lifecycle as lc
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState, ReplyMeans
from agent_desktop.desk import DeskSettings
from agent_desktop.desk.tasks import TaskKind
from agent_desktop.runtime import Runtime
from sync.service import SyncSettings
from ui.qt import Qt
from ui.widgets.history import HistoryPanel
from ui.widgets.knowledge import KnowledgePanel
from ui.widgets.tasks import TasksPanel

AGENT = Actor("agent-a", Role.AGENT, seat="A01")
CIPHER = FieldCipher.generate()
NUMBER = "13812348000"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    with Runtime() as runtime:
        seat = App(AppParts(
            sync=SyncParts(tmp_path / "seat.sqlite3", SyncSettings()),
            desk=DeskParts(DeskSettings(actor=AGENT, cipher=CIPHER), tick_s=0.5),
        ), runtime=runtime, freeze_after_start=False)
        seat.build()
        seat.start()
        try:
            yield seat
        finally:
            seat.stop()


def _promised(app: App, order_id: str, *, anonymous: bool) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    caller = Caller(phone=NUMBER, name="王小明", is_anonymous=anonymous)
    if anonymous:
        caller = seal_caller(caller, CIPHER, order_id)
    assert app.sync is not None
    app.sync.open_order(order_id, actor=AGENT, now=now, channel=Channel.PHONE, caller=caller,
                        category=Category.CONSULTATION, description=f"公积金提取需要哪些材料,回电 {NUMBER}").result(30)
    app.sync.apply(order_id, lc.PromiseReply(True, ReplyMeans.CALLBACK), AGENT, now).result(30)


def test_the_knowledge_panel_searches_the_seats_store_through_the_desk(qtbot, app) -> None:
    panel = KnowledgePanel(app.desk, None, debounce_ms=20)
    qtbot.addWidget(panel)
    panel.search("公积金提取")
    qtbot.waitUntil(lambda: len(panel.hits) > 0, timeout=30_000)
    assert panel.hits[0].entry_id == "cs-hf-withdraw"
    with qtbot.waitSignal(panel.insert_requested) as inserted:
        qtbot.mouseClick(panel.insert_button, Qt.MouseButton.LeftButton)
    assert inserted.args[0] == "cs-hf-withdraw" and "公积金" in inserted.args[1]


def test_my_tasks_and_the_history_on_the_desk_with_the_anonymous_caller_masked(qtbot, app) -> None:
    _promised(app, "WO-anon", anonymous=True)
    tasks = TasksPanel(app.desk, None)
    qtbot.addWidget(tasks)
    qtbot.waitUntil(lambda: tasks.refreshes >= 1, timeout=30_000)
    (task,) = tasks.model.tasks
    assert (task.order_id, task.kind, task.order_state) == ("WO-anon", TaskKind.CALLBACK_DUE, OrderState.REPLY_PENDING)
    assert tasks.model.index(0, 2).data() == "138****8000"
    assert tasks.callback_button.isEnabled()

    history = HistoryPanel(app.desk, None)
    qtbot.addWidget(history)
    tasks.history_requested.connect(history.show_order_id)
    with qtbot.waitSignal(tasks.history_requested):
        qtbot.mouseClick(tasks.history_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: history.shown is not None, timeout=30_000)
    assert [s.action_zh for s in history.shown.steps] == ["受理登记", "承诺答复"]
    assert history.shown.steps[-1].state_after is OrderState.REPLY_PENDING
    model = history.model
    text = "\n".join(str(model.index(r, c).data()) for r in range(model.rowCount()) for c in range(model.columnCount()))
    assert NUMBER not in text and "王小明" not in text
