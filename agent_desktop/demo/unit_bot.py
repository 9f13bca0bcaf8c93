"""The demo's responsible unit: a real desk of the central store with the unit role, which signs the orders
dispatched to it, records its first response and reports them completed after short delays, and now and then asks
to return one (第17条, within its window) — so the seat sees its orders change state, coming back from the centre.

It is a `sync.service.SyncService` on its own local store with the unit's token: it hears every change the centre
lets a unit see (only orders naming its unit), and its steps are checked by the core on its side and by the centre
on the other, like any unit's. A step the rules refuse (the order moved on meanwhile) is logged and dropped: the bot
acts on the state it last saw, never forces one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from agent_desktop.core.errors import AgentDesktopError
from agent_desktop.core.lifecycle import RecordResponse, ReportCompletion, RequestReturn, Sign
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import CompletionOutcome, CompletionReport, OrderState, WorkOrder
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings

log = logging.getLogger(__name__)

#: How the unit says it handled an order; the result is the template's for the matter when the order's description
#: is the caller's own words, else a plain one.
_PROCESS = "已安排工作人员现场核实并与来电人联系"


class UnitBot:
    """`await start()` on the demo's loop, `await stop()`, then `close()`. `delay_s` (low, high): seconds before each
    step; `return_share`: the share of signed orders it asks to return instead of completing."""

    def __init__(self, store_path: Path, *, url: str, token: str, user_id: str, unit: str,
                 clock: Callable[[], datetime], seed: int | None = None, delay_s: tuple[float, float] = (5.0, 15.0),
                 return_share: float = 0.15, results: dict[str, str] | None = None) -> None:
        self.actor = Actor(user_id, Role.UNIT, unit=unit)
        self.unit = unit
        self._clock = clock
        self._rng = random.Random(seed)
        self._delay_s = delay_s
        self._return_share = return_share
        self._results = results or {}
        self.service = SyncService(LocalStore(store_path), SyncSettings(url=url, token=token, seat=f"unit:{user_id}"),
                                   clock=clock)
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.steps: list[tuple[str, str]] = []  # (order id, action) of every step saved, in order

    async def start(self) -> None:
        self.service.on_changes(self._on_changes)
        await self.service.start()

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.service.stop()

    def close(self) -> None:
        self.service.close()
        self.service.store.close()

    def _on_changes(self, order_ids: list[str]) -> None:
        for order_id in order_ids:
            if order_id in self._busy:
                continue
            self._busy.add(order_id)
            task = asyncio.get_running_loop().create_task(self._handle(order_id), name=f"unit-bot-{order_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, order_id: str) -> None:
        try:
            while True:
                order = await asyncio.wrap_future(self.service.order(order_id))
                step = self._next_step(order)
                if step is None:
                    return
                await asyncio.sleep(self._rng.uniform(*self._delay_s))
                latest = await asyncio.wrap_future(self.service.order(order_id))
                if latest is None or latest.state is not order.state or self._next_step(latest) is None:
                    continue
                try:
                    await asyncio.wrap_future(self.service.apply(order_id, step(latest), self.actor, self._clock()))
                except AgentDesktopError as exc:  # the order moved on at the centre meanwhile: act on what comes next
                    log.info("demo unit: %s on %s refused: %s", step.__name__, order_id, exc)
                    return
                self.steps.append((order_id, step.__name__))
        finally:
            self._busy.discard(order_id)

    def _next_step(self, order: WorkOrder | None) -> Callable[[WorkOrder], object] | None:
        if order is None or order.lead_unit != self.unit:
            return None
        if order.state is OrderState.DISPATCHED:
            return self._sign
        if order.state is OrderState.SIGNED:
            if order.responded_at is None:
                return self._respond
            already_asked = any(r.unit == self.unit for r in order.returns)
            if not already_asked and self._rng.random() < self._return_share:
                return self._request_return
            return self._complete
        return None

    @staticmethod
    def _sign(order: WorkOrder) -> Sign:
        return Sign()

    @staticmethod
    def _respond(order: WorkOrder) -> RecordResponse:
        return RecordResponse(how="已电话联系来电人，了解具体情况")

    @staticmethod
    def _request_return(order: WorkOrder) -> RequestReturn:
        return RequestReturn(reason="经核实，该事项不属于本单位职责范围，建议改派属地街道办理")

    def _complete(self, order: WorkOrder) -> ReportCompletion:
        now = self._clock()
        result = self._results.get(order.description, "问题已处理完毕，已向来电人反馈")
        return ReportCompletion(CompletionReport(handled_by=self.unit, handled_at=now, process=_PROCESS,
                                                 result=result, outcome=CompletionOutcome.SOLVED))
