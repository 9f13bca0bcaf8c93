"""The order-history panel (工作流转单): an order walked through the real lifecycle, saved in a real seat store and
read back through a future, as the seat desk's `order_history` hands it out; an anonymous caller stays masked."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import AgentDesktopError
from agent_desktop.core.privacy import seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import (
    Caller,
    Category,
    Channel,
    OrderState,
    SupervisionMeans,
    SupervisionTrigger,
    Urgency,
)
from agent_desktop.desk.order_history import history_steps, history_view
from agent_desktop.seat import OrderHistory
from sync.local_store import LocalStore
from tests.agent_desktop.core import lifecycle_fixtures as fx
from tests.agent_desktop.desk.desk_fixtures import AGENT, CIPHER
from ui.qt import QCoreApplication, Qt
from ui.theme import install_translation
from ui.widgets.history import HistoryModel, HistoryPanel

CST = ZoneInfo("Asia/Shanghai")
CTX = lc.RuleContext.default()
UNIT = Actor("unit-1", Role.UNIT, unit="岳麓区人民政府")
CENTRE = Actor("sup-1", Role.SUPERVISOR)
T0 = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
NUMBER = "13812348000"


def walked(order_id: str, *, anonymous: bool) -> lc.WorkOrder:
    caller = Caller(phone=NUMBER, name="王小明", is_anonymous=anonymous)
    if anonymous:
        caller = seal_caller(caller, CIPHER, order_id)
    order = lc.open_work_order(order_id, channel=Channel.PHONE, actor=AGENT, now=T0, caller=caller,
                               category=Category.COMPLAINT, description="小区楼下烧烤油烟扰民")
    order = lc.apply(order, lc.Dispatch(UNIT.unit), AGENT, T0 + timedelta(minutes=5), CTX)
    order = lc.apply(order, lc.Sign(), UNIT, T0 + timedelta(days=8), CTX)
    return lc.apply(order, lc.RequestReturn(f"非本单位职责,诉求人留的电话 {NUMBER} 无人接听"), UNIT,
                    T0 + timedelta(days=8, hours=1), CTX)


class StoreHistory:
    """`order_history(order_id) -> Future` over a real seat store, on a reader thread (gates for ordering)."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="store-reader")
        self.gates: dict[str, threading.Event] = {}
        self.futures: list[Future] = []

    def order_history(self, order_id: str) -> Future:
        gate = self.gates.get(order_id)

        def work():
            if gate is not None:
                assert gate.wait(10)
            return self.store.get_order(order_id)

        future = self.pool.submit(work)
        self.futures.append(future)
        return future


@pytest.fixture
def source(tmp_path: Path) -> Iterator[StoreHistory]:
    store = LocalStore(tmp_path / "seat.sqlite3")
    for order_id, anonymous in (("WO-anon", True), ("WO-named", False)):
        order = walked(order_id, anonymous=anonymous)
        store.open_order(order_id, channel=Channel.PHONE, actor=AGENT, now=T0, caller=order.caller,
                         category=Category.COMPLAINT, description="小区楼下烧烤油烟扰民")
        store.apply_local(order_id, lc.Dispatch(UNIT.unit), AGENT, T0 + timedelta(minutes=5))
        store.apply_local(order_id, lc.Sign(), UNIT, T0 + timedelta(days=8))
        store.apply_local(order_id, lc.RequestReturn(f"非本单位职责,诉求人留的电话 {NUMBER} 无人接听"), UNIT,
                          T0 + timedelta(days=8, hours=1))
    history = StoreHistory(store)
    yield history
    for gate in history.gates.values():
        gate.set()
    history.pool.shutdown(wait=True)


@pytest.fixture
def panel(qtbot) -> HistoryPanel:
    widget = HistoryPanel(None, None)
    qtbot.addWidget(widget)
    widget.resize(800, 400)
    widget.show()
    return widget


def _all_text(panel: HistoryPanel) -> str:
    model = panel.model
    cells = [str(model.index(r, c).data(role)) for r in range(model.rowCount()) for c in range(model.columnCount())
             for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)]
    return "\n".join([panel.title.text(), panel.status.text(), *cells])


def test_every_step_with_its_actor_time_note_and_state_after() -> None:
    steps = history_steps(walked("WO-1", anonymous=False).history, anonymous=False)
    assert [s.action_zh for s in steps] == ["受理登记", "派单", "签收", "申请退回"]
    assert [s.state_after for s in steps] == [OrderState.INTAKE, OrderState.DISPATCHED, OrderState.SIGNED,
                                              OrderState.RETURN_REQUESTED]
    assert steps[0].actor == "agent-7(1001)" and steps[0].role is Role.AGENT
    assert steps[2].actor == "unit-1(岳麓区人民政府)" and steps[2].role is Role.UNIT
    assert steps[1].at == T0 + timedelta(minutes=5)
    assert "牵头单位:岳麓区人民政府" in steps[1].changes_text
    assert NUMBER in steps[3].changes_text  # a named caller's number in the unit's reason is left as written


def test_the_panel_shows_an_order_given_directly(panel) -> None:
    panel.show_order(walked("WO-1", anonymous=False))
    model = panel.model
    assert model.rowCount() == 4
    assert [model.index(r, 4).data() for r in range(4)] == ["受理中", "已派单", "办理中", "退回审核中"]
    assert model.index(1, 0).data() == "2026-09-30 10:05"
    assert model.index(1, 1).data() == "派单"
    assert model.index(2, 2).data() == "unit-1(岳麓区人民政府) · 责任单位"
    assert "工作流转单 WO-1 · 退回审核中" in panel.title.text()
    assert "王小明 13812348000" in panel.title.text()
    assert panel.status.text() == "共 4 个环节"


def test_the_model_passes_the_model_tester(qtmodeltester, panel) -> None:
    panel.show_order(walked("WO-1", anonymous=True))
    qtmodeltester.check(panel.model, force_py=True)


def test_an_anonymous_caller_is_masked_everywhere_in_the_panel(qtbot, panel, source) -> None:
    panel.load(source, "WO-anon")
    qtbot.waitUntil(lambda: panel.shown is not None)
    text = _all_text(panel)
    assert NUMBER not in text and "王小明" not in text
    assert "138****8000" in text  # the number in the unit's note, masked
    assert "匿名" in panel.title.text() and "王**" in panel.title.text()
    assert [s.state_after for s in panel.shown.steps][-1] is OrderState.RETURN_REQUESTED


def test_loaded_from_the_seat_store_through_a_future_off_the_qt_thread(qtbot, panel, source) -> None:
    gate = source.gates["WO-named"] = threading.Event()
    panel.load(source, "WO-named")  # returns at once: the store has not answered
    assert panel.shown is None and "正在读取 WO-named" in panel.status.text()
    gate.set()
    qtbot.waitUntil(lambda: panel.shown is not None)
    assert panel.shown.order_id == "WO-named"
    assert history_view(source.store.get_order("WO-named")) == panel.shown
    assert panel.model.rowCount() == 4


def test_an_answer_for_an_order_asked_before_the_latest_is_dropped(qtbot, panel, source) -> None:
    old = source.gates["WO-named"] = threading.Event()
    panel.load(source, "WO-named")
    panel.load(source, "WO-anon")
    qtbot.waitUntil(lambda: panel.shown is not None)
    assert panel.shown.order_id == "WO-anon"
    old.set()
    qtbot.waitUntil(source.futures[0].done)
    qtbot.wait(100)
    assert panel.shown.order_id == "WO-anon"
    assert NUMBER not in _all_text(panel)


def test_an_unknown_order_and_a_failing_store_are_said(qtbot, panel, source) -> None:
    panel.load(source, "WO-none")
    qtbot.waitUntil(lambda: "未找到" in panel.status.text())
    assert panel.model.rowCount() == 0 and panel.shown is None

    class Broken:
        def order_history(self, order_id: str) -> Future:
            future: Future = Future()
            future.set_exception(OSError("disk I/O error"))
            return future

    panel.load(Broken(), "WO-named")
    qtbot.waitUntil(lambda: panel.status.text() == "读取流转记录失败")


class DeskHistory(StoreHistory):
    """The seat desk's answer (`agent_desktop.seat.OrderHistory`: state and steps, no caller) over a real store."""

    def order_history(self, order_id: str) -> Future:
        def work():
            order = self.store.get_order(order_id)
            return OrderHistory(order_id, order.state, order.history) if order else OrderHistory(order_id, None)

        future = self.pool.submit(work)
        self.futures.append(future)
        return future


def test_on_the_desk_an_order_id_from_my_tasks_opens_its_history_with_every_number_masked(qtbot, source) -> None:
    desk = DeskHistory(source.store)
    panel = HistoryPanel(desk, None)
    qtbot.addWidget(panel)
    panel.show_order_id("WO-named")
    qtbot.waitUntil(lambda: panel.shown is not None)
    assert [s.state_after for s in panel.shown.steps][-1] is OrderState.RETURN_REQUESTED
    assert panel.model.rowCount() == 4
    text = _all_text(panel)
    assert "工作流转单 WO-named · 退回审核中" in panel.title.text()
    # the desk's history comes without the caller: a number a unit wrote in a note is masked all the same
    assert NUMBER not in text and "138****8000" in text
    panel.show_order_id("WO-none")
    qtbot.waitUntil(lambda: "未找到" in panel.status.text())
    desk.pool.shutdown(wait=True)


def test_without_a_desk_the_panel_says_so(panel) -> None:
    panel.show_order_id("WO-1")
    assert panel.status.text() == "流转记录不可用"


# --- every step of the lifecycle, in words: no enum value, ISO time or record's repr reaches the screen -------------

# data in the walked orders: user ids, seats, file names, a knowledge-base entry, a call's uniqueid
_DATA_WORDS = re.compile(r"agent-007\(A07\)|sup-1|survey-dialer|unit-yl|unit-water|leader-1|KB-\d+|"
                         r"[\w-]+\.wav|dtmf:\d|WO-1-S\d|L01")


def every_step() -> list[lc.WorkOrder]:
    """An order in every state, and every step the table allows from it, taken through the real lifecycle."""
    orders = []
    for state in OrderState:
        order, now = fx.walk(state)
        orders.append(order)
        for action in lc.Action:
            try:
                command, when = fx.valid_command(action, order, now)
            except (LookupError, AssertionError):
                continue
            transition = lc.TRANSITIONS.get((order.state, action))
            if transition is None:
                continue
            with contextlib.suppress(AgentDesktopError):
                orders.append(lc.apply(order, command, fx.allowed_actor(transition, order), when, fx.CTX))
    order, now = fx.walk(OrderState.SIGNED)
    order = lc.apply(order, lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.LETTER, "媒体曝光"),
                     fx.SUPERVISOR, now, fx.CTX)
    orders.append(lc.apply(order, lc.CloseSupervision(order.supervisions[-1].record_id, "已办结"), fx.SUPERVISOR, now,
                           fx.CTX))
    urgent = lc.apply(fx.opened(), lc.EditFields({"urgency": Urgency.EMERGENCY, "caller": Caller(
        phone=NUMBER, name="王小明", form_of_address="先生")}), fx.AGENT, fx.T0, fx.CTX)
    orders.append(urgent)
    return orders


def test_every_step_of_the_lifecycle_is_shown_in_words(qapp) -> None:
    model = HistoryModel()
    texts: set[str] = set()
    actions: set[str] = set()
    for order in every_step():
        model.set_steps(history_view(order).steps)
        actions |= {step.action for step in model.steps}
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.index(row, column).data(role)
                    if value:
                        texts.add(value)
    assert actions >= {a.value for a in lc.Action} - {"escalate_supervision", "link_call"} | {"open"}
    raw = sorted(t for t in texts if re.search(r"[A-Za-z]{2,}|\d{4}-\d\d-\d\dT", _DATA_WORDS.sub("", t)))
    assert raw == []
    joined = "\n".join(texts)
    for shown in ("答复方式:电话回复", "答复方式:电话回复 → 短信", "紧急程度:一般 → 紧急", "办理结果类型 已解决",
                  "退回申请:理由 不属于本单位职责,审核 待审核", "退回申请:审核 待审核 → 已同意,审核意见 转协调处理",
                  "延期申请:审核 待审核 → 已同意,新期限 2026-10-26 17:30", "72小时内未评价,视为基本满意",
                  "回访记录:方式 自动语音回访", "督办:督办情形 媒体曝光,督办方式 督办函", "不计入满意度:否 → 是",
                  "申诉:申诉理由 与录音不符", "通话:类型 来电,时间 2026-09-28 10:00", "答复期限:2026-09-29 17:30",
                  "诉求人:姓名 王**,电话 138****8000,称呼 先生"):
        assert shown in joined, shown


def test_the_history_in_english_words(qapp) -> None:
    translator = install_translation(qapp, "en")
    try:
        model = HistoryModel()
        texts = []
        for order in every_step():
            model.set_steps(history_view(order).steps)
            texts += [model.index(r, 3).data() or "" for r in range(model.rowCount())]
        joined = "\n".join(texts)
        assert "Reply by: Phone call → SMS" in joined or "Phone call → SMS" in joined
        assert "Return request: reason 不属于本单位职责, review Pending" in joined  # the unit's reason is data
        assert "Excluded from rating: No → Yes" in joined
    finally:
        QCoreApplication.removeTranslator(translator)
