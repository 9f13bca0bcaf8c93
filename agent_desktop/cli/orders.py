"""`agent-desktop orders`: see work orders, their warnings and the monthly assessment, until the desktop and the
central store exist.

    agent-desktop orders simulate --month 2026-10 [--count 300] [--seed 1] [--until TIME] [--out FILE]
    agent-desktop orders warnings FILE --at 2026-10-20T10:00 [--limit N] [--json]
    agent-desktop orders assess FILE --month 2026-10 [--top N] [--csv | --json]
    agent-desktop orders show FILE ORDER_ID

An orders file is JSON, `{"orders": [...]}`, each order as `serialization.work_order_to_dict` writes it (one order
per line when `simulate` writes it); `units suggest --rules-from` reads the same files. `simulate` builds a
month through the real lifecycle (see `agent_desktop.simulation.month`), sealing anonymous callers with the field
key in the data folder (`[paths] data_dir`, file `field.key`, created on first use). Warnings and the assessment
judge the orders as they stand in the file, so `--at` may not lie before the file's last step: to see the month
at an earlier moment, simulate it with `--until`. Times without an offset are hotline time (the `timezone` rule
parameter). Every list and report is in Chinese; errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from agent_desktop.cli.options import command_config
from agent_desktop.cli.rules import parse_moment
from agent_desktop.config import build_calendar
from agent_desktop.core.assessment import (
    UnitAssessment,
    assess_units,
    assessment_csv,
    assessment_report_text,
    effective_due,
)
from agent_desktop.core.early_warning import EarlyWarning, Severity, compute_warnings
from agent_desktop.core.errors import AgentDesktopError, InvalidCommand
from agent_desktop.core.lifecycle import RuleContext, action_zh
from agent_desktop.core.privacy import FieldCipher, display_caller
from agent_desktop.core.serialization import work_order_from_dict, work_order_to_dict
from agent_desktop.core.work_order import Channel, HistoryEntry, OrderState, Urgency, WorkOrder
from agent_desktop.resources import load_unit_directory, read_json_file
from agent_desktop.simulation.month import parse_month, plan_month, simulate_month, state_counts

PROG = "agent-desktop"
FIELD_KEY_FILE = "field.key"
DEFAULT_WARNING_LIMIT = 20

CHANNEL_ZH = {Channel.PHONE: "电话", Channel.WEB: "网站", Channel.APP: "APP", Channel.OTHER: "其他"}
PERSONAL_ZH = {"name": "姓名", "phone": "电话", "id_number": "证件号", "address": "地址"}


def register(subparsers: argparse._SubParsersAction) -> None:
    orders = subparsers.add_parser(
        "orders",
        help="work orders: simulate a month, warnings, the monthly assessment, one order's history",
        description="Work orders from an orders file: a simulated month, its warnings (第33条), the monthly "
        "unit assessment (第36–37条) and one order's fields and history.",
    )
    commands = orders.add_subparsers(dest="orders_command", metavar="SUBCOMMAND")
    commands.required = True

    simulate = commands.add_parser(
        "simulate",
        help="write a realistic month of work orders, built through the real lifecycle",
        description="Simulate a month of Changsha work orders through the real lifecycle and write them as JSON "
        '({"orders": [...]}). The same month, count and seed give the same orders (only the sealed data of '
        "anonymous callers differs, its encryption is randomised). A one-line summary goes to stderr.",
    )
    simulate.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-10")
    simulate.add_argument("--count", type=int, default=300, metavar="N", help="orders coming in that month (300)")
    simulate.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (1)")
    simulate.add_argument(
        "--until", metavar="TIME", help="the simulation's present (default: the month's last second); no step "
        "happens after it, so the file shows the month as it stood then"
    )
    simulate.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    simulate.set_defaults(handler=run_simulate)

    warnings = commands.add_parser(
        "warnings",
        help="early warnings of an orders file at a moment, grouped by severity",
        description="Early warnings (第33条, 第41条, 第13条(六)) of the orders at --at, most severe first.",
    )
    warnings.add_argument("file", metavar="FILE", help="orders file (JSON)")
    warnings.add_argument("--at", required=True, metavar="TIME", help="the moment, e.g. 2026-10-20T10:00")
    warnings.add_argument(
        "--limit", type=int, metavar="N",
        help=f"show at most N warnings (text: {DEFAULT_WARNING_LIMIT} unless given, JSON: all); 0 shows all",
    )
    warnings.add_argument("--json", action="store_true", help="print JSON instead of text")
    warnings.set_defaults(handler=run_warnings)

    assess = commands.add_parser(
        "assess",
        help="the monthly assessment of responsible units (report with chart, CSV or JSON)",
        description="The month's figures per responsible unit (第36–37条), judged as of the file's last step.",
    )
    assess.add_argument("file", metavar="FILE", help="orders file (JSON)")
    assess.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-10")
    assess.add_argument("--top", type=int, metavar="N", help="only the N units that received most orders")
    assess.add_argument(
        "--kb-store", metavar="FILE",
        help="a seat store whose knowledge base gives each unit's entries published that month (第36条 upkeep)",
    )
    form = assess.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="print CSV instead of the report")
    form.add_argument("--json", action="store_true", help="print JSON instead of the report")
    assess.set_defaults(handler=run_assess)

    show = commands.add_parser(
        "show",
        help="one work order: its fields and its full history",
        description="One work order's fields and its history, one line per step. Anonymous callers are shown "
        "masked only (第15条).",
    )
    show.add_argument("file", metavar="FILE", help="orders file (JSON)")
    show.add_argument("order_id", metavar="ORDER_ID", help="the work order's number, e.g. 20261207-8001-0007")
    show.set_defaults(handler=run_show)


# --- simulate ----------------------------------------------------------------------------------------------------


def run_simulate(args: argparse.Namespace) -> int:
    config = command_config(args)
    calendar = build_calendar(config)
    year, month = parse_month(args.month)
    plan = plan_month(year, month, count=args.count, seed=args.seed, zone=calendar.zone)
    now = plan.end if args.until is None else parse_moment(args.until, calendar.zone, "--until")
    if now < plan.start:
        raise InvalidCommand(f"--until {now.isoformat()} lies before the month {args.month} begins", code="bad_until")
    cipher = FieldCipher.from_key_file(config.data_dir / FIELD_KEY_FILE)
    orders = simulate_month(
        plan, now=now, ctx=RuleContext(config.rules, calendar), directory=load_unit_directory(), cipher=cipher
    )
    text = orders_json(orders)
    if args.out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write(Path(args.out).expanduser(), text)
    for notice in calendar.notices:
        print(f"{PROG}: {notice}", file=sys.stderr)
    summary = _summary(orders, year=year, month=month, count=args.count, now=now, out=args.out)
    print(f"{PROG}: {summary}", file=sys.stderr)
    return 0


def orders_json(orders: Iterable[WorkOrder]) -> str:
    """`{"orders": [...]}` with one order per line: small diffs, and grep finds an order's line."""
    lines = [json.dumps(work_order_to_dict(o), ensure_ascii=False, allow_nan=False) for o in orders]
    if not lines:
        return '{"orders": []}\n'
    return '{"orders": [\n' + ",\n".join(lines) + "\n]}\n"


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidCommand(f"cannot write {path}: {exc.strerror or exc}", code="unwritable_file") from exc


def _summary(orders: Sequence[WorkOrder], *, year: int, month: int, count: int, now: datetime, out: str | None) -> str:
    made = f"{len(orders)} work orders" if len(orders) == count else f"{len(orders)} of {count} work orders"
    states = ", ".join(f"{state.value} {n}" for state, n in state_counts(orders)) or "none"
    where = f"; written to {out}" if out is not None else ""
    return f"simulated {made} of {year:04d}-{month:02d} as of {now.isoformat()}: {states}{where}"


# --- reading an orders file ----------------------------------------------------------------------------------------


def load_orders(path: str | Path) -> tuple[WorkOrder, ...]:
    """The work orders of an orders file (`{"orders": [...]}` or a bare list). Anything wrong with the file is
    one `InvalidCommand` naming the file and, for a bad order, its position and the path of the bad value."""
    file = Path(path).expanduser()
    data = read_json_file(file, "orders", error=InvalidCommand, bad_code="bad_orders_file")
    raw = data.get("orders") if isinstance(data, dict) and set(data) == {"orders"} else data
    if not isinstance(raw, list):
        raise InvalidCommand(
            f'{file}: expected {{"orders": [...]}} or a list of work orders', code="bad_orders_file"
        )
    orders: list[WorkOrder] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        try:
            order = work_order_from_dict(item)
        except AgentDesktopError as exc:
            raise InvalidCommand(f"{file}: orders[{index}]: {exc.message}", code="bad_orders_file") from exc
        if order.order_id in seen:
            raise InvalidCommand(
                f"{file}: order {order.order_id} appears twice (orders[{seen[order.order_id]}] and orders[{index}])",
                code="bad_orders_file",
            )
        seen[order.order_id] = index
        orders.append(order)
    return tuple(orders)


def last_step(orders: Iterable[WorkOrder]) -> datetime | None:
    """The time of the latest step in any order: the moment the file shows."""
    return max((entry.at for order in orders for entry in order.history), default=None)


# --- warnings ----------------------------------------------------------------------------------------------------


def run_warnings(args: argparse.Namespace) -> int:
    config = command_config(args)
    at = parse_moment(args.at, config.rules.zone, "--at")
    if args.limit is not None and args.limit < 0:
        raise InvalidCommand(f"--limit must be 0 (all) or more, got {args.limit}", code="bad_limit")
    orders = load_orders(args.file)
    latest = last_step(orders)
    if latest is not None and latest > at:
        raise InvalidCommand(
            f"{args.file}: the orders hold steps up to {latest.isoformat()}, after --at {at.isoformat()}; warnings "
            "judge the orders as they stand, so give a later --at (or simulate the month with --until)",
            code="at_before_last_step",
        )
    warnings = compute_warnings(orders, now=at, rules=config.rules)
    limit = args.limit if args.limit is not None else (0 if args.json else DEFAULT_WARNING_LIMIT)
    shown = warnings if limit == 0 else warnings[:limit]
    if args.json:
        report = {"at": at.isoformat(), "total": len(warnings), "shown": len(shown),
                  "warnings": [_warning_json(w) for w in shown]}
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(warnings_text(warnings, shown, at))
    return 0


def warnings_text(warnings: Sequence[EarlyWarning], shown: Sequence[EarlyWarning], at: datetime) -> str:
    """Warnings grouped by severity, most severe first; `shown` is the leading part of `warnings` to list."""
    by_severity = sorted(Severity, key=lambda s: -s.rank)
    totals = {s: sum(1 for w in warnings if w.severity is s) for s in by_severity}
    title = f"{at:%Y-%m-%d %H:%M} 的工单预警:共 {len(warnings)} 条"
    if not warnings:
        return title + ",无预警。"
    lines = [title + "(" + ",".join(f"{s.zh} {totals[s]} 条" for s in by_severity if totals[s]) + ")"]
    for severity in by_severity:
        group = [w for w in shown if w.severity is severity]
        if not group:
            continue
        cut = f",显示前 {len(group)} 条" if len(group) < totals[severity] else ""
        lines += ["", f"【{severity.zh}】{totals[severity]} 条{cut}"]
        lines += [f"  [{w.kind.zh}] {w.message}" for w in group]
    if len(shown) < len(warnings):
        lines += ["", f"另有 {len(warnings) - len(shown)} 条未显示,--limit 0 显示全部。"]
    return "\n".join(lines)


def _warning_json(warning: EarlyWarning) -> dict[str, Any]:
    return {
        "kind": warning.kind.value,
        "kind_zh": warning.kind.zh,
        "severity": warning.severity.value,
        "order_ids": list(warning.order_ids),
        "unit": warning.unit,
        "deadline": warning.deadline.isoformat() if warning.deadline is not None else None,
        "message": warning.message,
        "details": dict(warning.details),
    }


# --- assessment --------------------------------------------------------------------------------------------------


def run_assess(args: argparse.Namespace) -> int:
    config = command_config(args)
    year, month = parse_month(args.month)
    if args.top is not None and args.top < 1:
        raise InvalidCommand(f"--top must be at least 1, got {args.top}", code="bad_limit")
    orders = load_orders(args.file)
    as_of = last_step(orders)
    zone = config.rules.zone
    updates = _knowledge_updates(args.kb_store, year=year, month=month, zone=zone) if args.kb_store else None
    assessments = assess_units(orders, year=year, month=month, zone=zone, as_of=as_of, knowledge_updates=updates)
    every = len(assessments)
    if args.top is not None:
        assessments = sorted(assessments, key=lambda a: (-a.received, a.unit))[: args.top]
    if args.csv:
        sys.stdout.write(assessment_csv(assessments))
    elif args.json:
        report = {"period": f"{year:04d}-{month:02d}", "as_of": as_of.isoformat() if as_of else None,
                  "units": [dataclasses.asdict(a) for a in assessments]}
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(assessment_report_text(assessments))
        print(_assessment_footer(assessments, every=every, as_of=as_of, zone=zone))
    return 0


def _knowledge_updates(store_file: str, *, year: int, month: int, zone: tzinfo) -> dict[str, int]:
    # the seat store is an adapter (SQLAlchemy); imported here so the rest of `orders` stays core-only
    from agent_desktop.core.knowledge import knowledge_updates  # noqa: PLC0415
    from sync.kb_index import KnowledgeIndex  # noqa: PLC0415
    from sync.local_store import LocalStore  # noqa: PLC0415

    path = Path(store_file)
    if not path.is_file():
        raise InvalidCommand(f"--kb-store: no seat store at {path}", code="missing_file")
    store = LocalStore(path)
    try:
        return knowledge_updates(KnowledgeIndex(store.engine).entries(), year=year, month=month, zone=zone)
    finally:
        store.close()


def _assessment_footer(shown: Sequence[UnitAssessment], *, every: int, as_of: datetime | None, zone: tzinfo) -> str:
    notes = []
    if as_of is not None:
        notes.append(f"统计截至 {as_of.astimezone(zone):%Y-%m-%d %H:%M},即工单文件中最后一步的时间")
    if len(shown) < every:
        notes.append(f"仅列出受理派单最多的 {len(shown)} 个单位,共 {every} 个单位")
    return "\n(" + ";".join(notes) + ")" if notes else ""


# --- one order ---------------------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    config = command_config(args)
    orders = load_orders(args.file)
    wanted = args.order_id.strip()
    order = next((o for o in orders if o.order_id == wanted), None)
    if order is None:
        raise InvalidCommand(f"{args.file}: no work order {wanted!r} among its {len(orders)} orders",
                             code="unknown_order")
    print(order_text(order, config.rules.zone))
    return 0


def order_text(order: WorkOrder, zone: tzinfo) -> str:
    """The order's fields (personal data of anonymous callers masked) and its history, one line per step."""
    def when(moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    fields: list[tuple[str, str]] = [
        ("状态", f"{order.state.zh}({order.state.value})"),
        ("渠道", CHANNEL_ZH.get(order.channel, order.channel.value)),
        ("受理时间", when(order.created_at)),
        ("专业座席", order.taken_by_unit or ""),
        ("诉求类型", order.category.zh if order.category else ""),
        ("紧急程度", "紧急" if order.urgency is Urgency.EMERGENCY else "一般"),
        ("地点", " ".join(p for p in (order.district, order.street, order.address) if p)),
        ("诉求内容", order.description),
        ("诉求人", _caller_text(order)),
        ("不予受理", f"第十三条第({int(order.not_accepted_reason)})项;{order.not_accepted_basis or ''}"
         if order.not_accepted_reason is not None else ""),
        ("答复", order.answer_text or ""),
        ("答复时限", when(order.reply_due)),
        ("责任单位", order.lead_unit or ""),
        ("会同单位", "、".join(order.co_units)),
        ("派单时间", when(order.dispatched_at)),
        ("签收时限", when(order.sign_due)),
        ("签收时间", when(order.signed_at)),
        ("紧急响应时限", when(order.response_due)),
        ("紧急响应时间", when(order.responded_at)),
        ("办理时限", when(effective_due(order))),
        ("办结时间", when(order.completed_at)),
        ("办理结果", f"{order.completion.result}({order.completion.outcome.value})" if order.completion else ""),
        ("评价", _rating_text(order, when)),
        ("人工回访时限", when(order.revisit_due) if order.state is OrderState.MANUAL_REVISIT else ""),
        ("申诉时限", when(order.appeal_due)),
        ("发回重办", f"{order.redo_count} 次" if order.redo_count else ""),
    ]
    fields += [("退回申请", f"{when(r.requested_at)} {r.unit}:{r.reason} [{r.state.value}]") for r in order.returns]
    fields += [("延期申请", f"{when(e.requested_at)} {e.unit}:{e.working_days} 个工作日,{e.reason} [{e.state.value}]")
               for e in order.extensions]
    fields += [("申诉", f"{when(a.filed_at)} {a.unit}:第二十七条第({int(a.reason)})项 [{a.state.value}]")
               for a in order.appeals]
    fields += [("督办", f"{s.record_id} 第三十四条第({int(s.trigger)})项,{s.means.value},期限 {when(s.deadline)}"
                + (f",已升级 {when(s.escalated_at)}" if s.escalated_at else "")
                + (f",已办结 {when(s.closed_at)}" if s.closed_at else ",进行中"))
               for s in order.supervisions]
    fields += [("通话", f"{when(c.at)} {c.kind.value} {c.uniqueid}" + (f" {c.recording}" if c.recording else ""))
               for c in order.calls]
    lines = [f"工单 {order.order_id}"]
    lines += [f"  {label}:{value}" for label, value in fields if value]
    lines.append(f"处理记录({len(order.history)} 步):")
    lines += ["  " + history_line(entry, zone) for entry in order.history]
    return "\n".join(lines)


def _caller_text(order: WorkOrder) -> str:
    shown = display_caller(order.caller)
    parts = [f"{PERSONAL_ZH[name]} {value}" for name, value in shown.items() if value]
    if order.caller.form_of_address:
        parts.append(order.caller.form_of_address)
    if order.caller.is_anonymous:
        parts.append("匿名(第15条,个人信息加密保存)")
    return " · ".join(parts)


def _rating_text(order: WorkOrder, when: Any) -> str:
    if order.rating is None:
        return ""
    deemed = any(v.deemed for v in order.revisits)
    text = f"{order.rating.zh}({when(order.rated_at)}{',72 小时未评价视为' if deemed else ''})"
    return text + (",申诉成立,不计入考核" if order.rating_excluded else "")


def history_line(entry: HistoryEntry, zone: tzinfo) -> str:
    """time, role (and unit), actor, seat, action, changes, note."""
    role = entry.role.zh + (f"({entry.unit})" if entry.unit else "")
    action = f"{action_zh(entry.action)}({entry.action})"
    changes = "; ".join(_change_text(field, old, new) for field, old, new in entry.changes)
    parts = [f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M:%S}", role, entry.actor_id, entry.seat or "—", action]
    parts.append(changes or "—")
    if entry.note:
        parts.append(f"备注:{entry.note}")
    return "  ".join(parts)


def _change_text(field: str, old: str, new: str) -> str:
    if not old:
        return f"{field}: {new}"
    return f"{field}: {old} → {new or '—'}"
