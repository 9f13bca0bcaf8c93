"""A real seat store with orders in every state my tasks and the history show (walked through the lifecycle, with
long texts), and what the window's side panels read of the seat desk over it, on a reader thread."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Caller, Category, Channel, OrderState, ReplyMeans
from agent_desktop.desk.session import DeskSettings, OrderNote, Rejection, start
from sync.local_store import LocalStore
from tests.agent_desktop.desk.desk_fixtures import AGENT, CIPHER

UNIT = Actor("unit-1", Role.UNIT, unit="长沙市岳麓区城市管理和综合执法局(岳麓区市容环境卫生管理处)")
LONG = ("小区南门外人行道上的路灯已经连续两周不亮,晚上老人和小孩出行很不安全,附近商户也反映过多次,"
        "希望相关部门尽快派人检修并告知处理结果")
CALLER_NAME = "欧阳娜娜"
RETURN_NOTE = "非本单位职责范围,该路段路灯由区住建局负责维护" * 2
REJECTION = "工单已由其他坐席处理,请核对后重新提交" * 2
# the store's own words, data on screen in any language
DATA = (LONG, CALLER_NAME, CALLER_NAME[:2] + "**", RETURN_NOTE, REJECTION, UNIT.unit or "")


class SeatSource:
    """What the window's side panels read of the seat desk, over a real seat store on a reader thread."""

    def __init__(self, store: LocalStore, state) -> None:
        self.store = store
        self.state = state
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="store-reader")

    def seat_orders(self) -> Future:
        return self.pool.submit(self.store.orders)

    def order_history(self, order_id: str) -> Future:
        return self.pool.submit(self.store.get_order, order_id)

    def search_knowledge(self, query: str, limit: int = 10) -> Future:
        return self.pool.submit(list)

    def subscribe(self, listener):
        return None

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def seat_source(tmp_path: Path, now: datetime | None = None) -> SeatSource:
    now = now or datetime.now(UTC)
    store = LocalStore(tmp_path / "seat.sqlite3")
    for i in range(6):
        order_id = f"20261207-8001-{i + 1:04d}"
        when = now - timedelta(days=i, hours=1)
        store.open_order(order_id, channel=Channel.PHONE, actor=AGENT, now=when,
                         caller=Caller(phone=f"1381234{8000 + i}", name=CALLER_NAME),
                         category=Category.COMPLAINT, description=LONG)
        if i % 2:
            store.apply_local(order_id, lc.PromiseReply(True, ReplyMeans.CALLBACK), AGENT, when)
        else:
            store.apply_local(order_id, lc.Dispatch(UNIT.unit), AGENT, when + timedelta(minutes=3))
            store.apply_local(order_id, lc.Sign(), UNIT, when + timedelta(minutes=30))
            store.apply_local(order_id, lc.RequestReturn(RETURN_NOTE), UNIT, when + timedelta(minutes=40))
    rejected = OrderNote("20261207-8001-0002", "1796624841.7", OrderState.REPLY_PENDING,
                         rejection=Rejection("wrong_state", REJECTION, "第16条(一)"))
    state = start(DeskSettings(actor=AGENT, cipher=CIPHER))
    return SeatSource(store, replace(state, orders=(rejected,)))
