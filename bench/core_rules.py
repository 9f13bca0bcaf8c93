"""Benchmark of the domain core: how fast the rules answer the questions a busy desk and the central store ask.

Prints figures (never asserts on them):
- working-day deadlines per second, inside chinese-calendar's years and in a fallback year;
- full work-order journeys per second (open → dispatch → sign → complete → automated visit → rating), i.e. `apply`
  steps per second;
- early warnings over N open orders, and one month's assessment of every unit over N orders (when those modules exist).

Usage: python bench/core_rules.py [--orders N] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel, CompletionOutcome, CompletionReport, Rating, WorkOrder

TZ = ZoneInfo("Asia/Shanghai")
UNITS = ("岳麓区人民政府", "芙蓉区人民政府", "长沙水业集团", "市住房公积金管理中心", "市城管执法局")
CATEGORIES = (Category.COMPLAINT, Category.CONSULTATION, Category.HELP, Category.REPORT)


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def _timed(fn: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = fn()
    return count, time.perf_counter() - start


def bench_deadlines(ctx: lc.RuleContext, n: int, start: datetime) -> float:
    def run() -> int:
        for i in range(n):
            ctx.calendar.due(start + timedelta(hours=7 * i % 2000), 1 + i % 15)
        return n

    count, seconds = _timed(run)
    return _rate(count, seconds)


def journey(i: int, ctx: lc.RuleContext, start: datetime) -> WorkOrder:
    agent = Actor(f"agent-{i % 40}", Role.AGENT, seat=f"A{i % 40:02d}")
    unit_name = UNITS[i % len(UNITS)]
    unit = Actor(f"unit-{i % len(UNITS)}", Role.UNIT, unit=unit_name)
    system = Actor("survey", Role.SYSTEM)
    now = start + timedelta(minutes=i)
    order = lc.open_work_order(f"WO-{i}", channel=Channel.PHONE, actor=agent, now=now)
    order = lc.apply(order, lc.EditFields({"category": CATEGORIES[i % len(CATEGORIES)], "district": "岳麓区",
                                            "description": "小区停水三天"}), agent, now, ctx)
    order = lc.apply(order, lc.Dispatch(unit_name), agent, now, ctx)
    now += timedelta(hours=3)
    order = lc.apply(order, lc.Sign(), unit, now, ctx)
    now += timedelta(days=1)
    report = CompletionReport(unit_name, now, "现场处理", "已恢复供水", CompletionOutcome.SOLVED)
    order = lc.apply(order, lc.ReportCompletion(report), unit, now, ctx)
    order = lc.apply(order, lc.StartRevisit(), system, now, ctx)
    rating = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)[i % 3]
    return lc.apply(order, lc.RecordRating(rating, "dtmf"), system, now + timedelta(hours=1), ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    ctx = lc.RuleContext.default()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

    figures: dict[str, float | int | str] = {"orders": args.orders}
    figures["deadlines_per_s_2026"] = bench_deadlines(ctx, 20_000, start)
    figures["deadlines_per_s_fallback_2028"] = bench_deadlines(ctx, 20_000, datetime(2028, 3, 1, 9, 0, tzinfo=TZ))

    orders: list[WorkOrder] = []
    _, seconds = _timed(lambda: len([orders.append(journey(i, ctx, start)) for i in range(args.orders)]))
    steps = sum(len(o.history) for o in orders)
    figures["journeys_per_s"] = _rate(len(orders), seconds)
    figures["apply_steps_per_s"] = _rate(steps, seconds)

    try:
        from agent_desktop.core.early_warning import compute_warnings
    except ImportError:
        figures["warnings"] = "module not present"
    else:
        now = start + timedelta(days=3)
        warned: list[object] = []
        _, seconds = _timed(lambda: len(warned.extend(compute_warnings(orders, now=now, rules=ctx.rules)) or warned))
        figures["warnings_ms_over_all_orders"] = round(seconds * 1000, 2)
        figures["warnings_found"] = len(warned)
    try:
        from agent_desktop.core.assessment import assess_units
    except ImportError:
        figures["assessment"] = "module not present"
    else:
        result: list[object] = []
        _, seconds = _timed(lambda: len(result.extend(assess_units(orders, year=2026, month=3, zone=TZ)) or result))
        figures["assessment_ms_over_all_orders"] = round(seconds * 1000, 2)
        figures["units_assessed"] = len(result)

    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
