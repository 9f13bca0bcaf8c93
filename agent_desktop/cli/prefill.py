"""`agent-desktop prefill`: the work-order fields a transcript suggests (issue 5 §5–6).

    agent-desktop prefill --text "喂 你好 我 想 投诉 …" [--notes "王先生 138…"] [--json] [--directory FILE]
    agent-desktop prefill --file transcript.txt [--json]
    agent-desktop prefill evaluate --center ws://HOST:PORT --token-file FILE [--from DATE --to DATE] [--json]
                                   [--export FILE.jsonl]

Prints the suggested fields — category, surname, form_of_address, phone, district, street, address,
is_anonymous, is_emergency, emergency_service, not_accepted_reason, is_repeat, is_urgent, summary, keywords,
suggested_units — with `evidence` (field → the words it came from). `--json` prints exactly one JSON object
with those keys; without it a table in Chinese. The unit directory is the shipped one under the resources folder
(AGENT_DESKTOP_RESOURCES) unless `--directory` names one.

`evaluate` (a supervisor's token; an agent's or a unit's is refused by the centre) reads the pre-fill feedback the
seats sent with their orders — per order, its latest save within --from/--to — and prints, per form field, how
often the order holds what the pre-fill suggested (`core.prefill_feedback.evaluate`); `--export` writes the orders
where the agent disagreed as whole development cases (JSON lines in the form of tests/data/prefill/*.jsonl, the keys
the order cannot tell listed under `review`, personal values masked).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.work_order import NOT_ACCEPTED_BASIS, NotAcceptedReason
from agent_desktop.resources import load_unit_directory

_LABELS = (
    ("category", "诉求类型"),
    ("surname", "姓氏"),
    ("form_of_address", "称呼"),
    ("phone", "联系电话"),
    ("district", "区县(市)"),
    ("street", "街道(乡镇)"),
    ("address", "详细地址"),
    ("is_anonymous", "要求保密"),
    ("is_emergency", "紧急情况"),
    ("emergency_service", "转接专线"),
    ("not_accepted_reason", "不予受理"),
    ("is_repeat", "重复来电"),
    ("is_urgent", "紧急(第16条)"),  # the order's urgency flag; is_emergency is a transfer to 110/119/120/122
    ("summary", "诉求摘要"),
    ("keywords", "关键词"),
    ("suggested_units", "建议责任单位"),
)
_SERVICE_ZH = {"110": "110 报警", "119": "119 火警/救援", "120": "120 急救", "122": "122 交通事故"}
MAX_FILE_BYTES = 1_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    parser = subparsers.add_parser(
        "prefill",
        help="suggest work-order fields from a call transcript",
        description="Extract the work-order fields from a Chinese call transcript (Vosk style with spaces between "
        "words, or plain text) and the agent's notes, each with the words it came from.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--text", metavar="TEXT", help="the transcript")
    source.add_argument("--file", metavar="FILE", help="read the transcript from a UTF-8 text file ('-' = stdin)")
    parser.add_argument("--notes", default="", metavar="TEXT", help="the agent's own typed notes")
    parser.add_argument("--directory", metavar="FILE", help="unit directory to use instead of the shipped one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(handler=run_prefill, usage_error=parser.error)
    commands = parser.add_subparsers(dest="prefill_command", metavar="COMMAND")
    evaluate = commands.add_parser(
        "evaluate",
        help="how often agents kept the pre-fill's suggestions (a supervisor's figures)",
        description="Per-field accuracy of the pre-fill against the values agents saved, over the orders the center "
        "holds feedback for; optionally export the disagreements as new development cases (masked).",
    )
    evaluate.add_argument("--center", required=True, metavar="URL", help="the center: ws://HOST:PORT or wss://…")
    evaluate.add_argument("--token-file", required=True, metavar="FILE", help="file holding a supervisor's token")
    evaluate.add_argument("--ca-file", metavar="FILE", help="trust this CA for wss")
    evaluate.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD, hotline time)")
    evaluate.add_argument("--to", dest="date_to", metavar="DATE", help="last day, included (YYYY-MM-DD)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    evaluate.add_argument("--export", metavar="FILE", help="write the disagreements as JSON lines (dev cases)")
    evaluate.set_defaults(handler=run_evaluate)


def run_prefill(args: argparse.Namespace) -> int:
    from asr.prefill import prefill  # noqa: PLC0415 — the adapter (and jieba) only when this command runs

    if args.text is None and args.file is None:
        # a usage error like argparse's own (exit 2), since `evaluate` made --text/--file optional
        args.usage_error("give the transcript with --text or --file (or a command: evaluate)")
    text = args.text if args.text is not None else _read_text(args.file)
    result = prefill(text, notes=args.notes, directory=load_unit_directory(args.directory))
    data = result.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_table(data))
    return 0


def _read_text(file: str) -> str:
    if file == "-":
        return sys.stdin.read(MAX_FILE_BYTES)
    path = Path(file).expanduser()
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidCommand(f"{path}: cannot read transcript: {exc.strerror or exc}", code="unreadable_file") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidCommand(f"{path}: transcript larger than {MAX_FILE_BYTES} bytes", code="file_too_large")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidCommand(f"{path}: transcript is not UTF-8 text", code="bad_file") from exc


def format_table(data: dict[str, Any]) -> str:
    """The fields as a two-column table in Chinese, with each field's source words under it."""
    evidence: dict[str, str] = data.get("evidence", {})
    width = max(_width(label) for _key, label in _LABELS)
    lines = ["预填结果(仅供参考, 请坐席核对):"]
    for key, label in _LABELS:
        lines.append(f"  {label}{' ' * (width - _width(label))}  {_value(key, data.get(key))}")
        if evidence.get(key):
            lines.append(f"  {' ' * width}  └ 依据: {evidence[key]}")
    return "\n".join(lines)


def _value(key: str, value: Any) -> str:
    if value is None or value in ([], ""):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "emergency_service":
        return _SERVICE_ZH.get(str(value), str(value))
    if key == "not_accepted_reason":
        return f"第十三条第({'一二三四五六七八'[int(value) - 1]})项 — {_basis(int(value))}"
    if key == "keywords":
        return "、".join(value)
    if key == "suggested_units":
        return "; ".join(f"{u['name']}({u['id']})" for u in value)
    return str(value)


def _basis(reason: int) -> str:
    return NOT_ACCEPTED_BASIS[NotAcceptedReason(reason)].split(":", 1)[-1]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- evaluate ----------------------------------------------------------------------------------------------------

_FIELD_ZH = {"caller_name": "诉求人", "caller_phone": "联系电话", "form_of_address": "称呼", "category": "诉求类型",
             "district": "区县", "street": "街道", "address": "地址", "description": "诉求内容", "urgency": "紧急程度",
             "lead_unit": "承办单位", "not_accepted_reason": "不予受理理由"}


def _day(text: str | None, zone: Any, option: str, *, end: bool) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidCommand(f"{option} {text!r}: expected a date YYYY-MM-DD", code="bad_date") from None
    return datetime.combine(day, time.max if end else time.min, tzinfo=zone)


def run_evaluate(args: argparse.Namespace) -> int:
    from agent_desktop.config import build_calendar, load_config, read_token_file  # noqa: PLC0415
    from agent_desktop.core.prefill_feedback import disagreement_cases, evaluate  # noqa: PLC0415
    from sync.feedback_reader import read_feedback  # noqa: PLC0415 — websockets only when this command runs

    zone = build_calendar(load_config(getattr(args, "config", None))).zone
    since = _day(args.date_from, zone, "--from", end=False)
    until = _day(args.date_to, zone, "--to", end=True)
    if since is not None and until is not None and until < since:
        raise InvalidCommand("--to lies before --from", code="bad_date")
    token = read_token_file(args.token_file)
    context = None
    if args.center.startswith("wss://"):
        context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else ssl.create_default_context()
    items = asyncio.run(read_feedback(args.center, token, since=since, until=until, ssl_context=context))
    result = evaluate(i.feedback for i in items)
    cases = disagreement_cases([(i.order_id, i.feedback) for i in items])
    if args.export:
        path = Path(args.export).expanduser()
        try:
            path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
        except OSError as exc:
            raise InvalidCommand(f"cannot write {path}: {exc.strerror or exc}", code="unwritable_file") from exc
    data = result.to_dict()
    data["disagreements"] = len(cases)
    if args.export:
        data["exported_to"] = str(args.export)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_evaluation(data))
    return 0


def format_evaluation(data: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    lines = [f"预填准确率(按坐席保存的工单): {data['orders']} 张工单, 总体 {pct(data['overall_accuracy'])}",
             "  字段            准确率   采纳  改写  未建议  忽略"]
    for name, s in data["fields"].items():
        label = _FIELD_ZH.get(name, name)
        lines.append(f"  {label}{' ' * (14 - _width(label))}  {pct(s['accuracy']):>6}  {s['accepted']:>4}  "
                     f"{s['overridden']:>4}  {s['typed_without_suggestion']:>6}  {s['suggestion_ignored']:>4}")
    lines.append(f"  不一致的工单: {data['disagreements']}")
    return "\n".join(lines)
